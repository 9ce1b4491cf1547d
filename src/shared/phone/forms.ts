/**
 * A caller's number in the shapes CRMs store numbers in, for URL templates and lookups
 * (docs/crm.md). Uses libphonenumber-js (`min` metadata), so it stays out of the content script.
 */
import { type CountryCode, type PhoneNumber, parsePhoneNumberFromString } from 'libphonenumber-js/min';
import type { TemplateValues } from '../templates';
import { dialDigits, userPart } from './numbers';

/** Fewer digits than this is an extension or a short code: never looked up. */
const MIN_LOOKUP_DIGITS = 6;

function parse(text: string, country: string): PhoneNumber | undefined {
  if (text.replace(/\D/g, '').length < MIN_LOOKUP_DIGITS) return undefined;
  const parsed = parsePhoneNumberFromString(text, country as CountryCode);
  return parsed?.isValid() || parsed?.isPossible() ? parsed : undefined;
}

/** Keeps what a phone number is written with; anything else from the PBX goes. */
const phoneText = (text: string) =>
  text
    .replace(/[^\d+*#() ./-]/g, '')
    .replace(/\s+/g, ' ')
    .trim();

export interface CallFacts {
  /** The number as the PBX reported it. */
  number: string;
  name?: string;
  sessionId: string;
  extension: string;
  direction: string;
}

/** Every placeholder's value for a call (not yet URL-encoded: fillTemplate does that). */
export function templateValues(facts: CallFacts, country: string): TemplateValues {
  const user = userPart(facts.number);
  const parsed = parse(user, country);
  const dialled = dialDigits(facts.number);
  const e164 = parsed?.number ?? (dialled.startsWith('+') ? dialled : '');
  return {
    number: facts.number,
    e164,
    e164digits: e164.replace('+', ''),
    national: parsed ? parsed.formatNational() : user,
    digits: user.replace(/\D/g, ''),
    name: facts.name ?? '',
    sessionId: facts.sessionId,
    extension: facts.extension,
    direction: facts.direction,
  };
}

/** Whether a number is worth looking up (not an extension, not anonymous). */
export const isLookupNumber = (raw: string) => userPart(raw).replace(/\D/g, '').length >= MIN_LOOKUP_DIGITS;

/**
 * The shapes to try `{number}` in, first to last: as received, E.164, national (as written and
 * as digits, with the trunk prefix), the national number without trunk prefix, international,
 * and E.164 digits. No duplicates; empty when the number is not worth looking up.
 */
export function lookupVariants(raw: string, country: string): string[] {
  if (!isLookupNumber(raw)) return [];
  const received = phoneText(userPart(raw));
  const parsed = parse(received, country);
  const forms = parsed
    ? [
        received,
        parsed.number,
        parsed.formatNational(),
        parsed.formatNational().replace(/\D/g, ''),
        String(parsed.nationalNumber),
        parsed.formatInternational(),
        parsed.number.replace('+', ''),
      ]
    : [received, received.replace(/[^\d+]/g, ''), received.replace(/\D/g, '')];
  return [...new Set(forms.filter((form) => form.replace(/\D/g, '').length >= MIN_LOOKUP_DIGITS))];
}
