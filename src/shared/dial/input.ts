/**
 * The popup's number field: cleaning pasted text, formatting as the agent types, and deciding
 * whether a number can be dialled (with the reason when it cannot). Short digit strings and
 * codes with `*` or `#` are internal extensions and go to the PBX as typed.
 */
import {
  AsYouType,
  type CountryCode,
  parsePhoneNumberFromString,
  validatePhoneNumberLength,
} from 'libphonenumber-js/min';
import { userPart } from '../phone/numbers';

/** Longest digit string taken as an internal extension rather than a phone number. */
export const EXTENSION_MAX_DIGITS = 6;

export type DialProblem = 'empty' | 'tooShort' | 'tooLong' | 'invalidCountry' | 'invalid';

export type DialCheck =
  | {
      ok: true;
      kind: 'extension' | 'number';
      /** What is sent to the PBX: E.164 for a number, the digits for an extension. */
      dial: string;
      /** How the agent reads it. */
      display: string;
      /** The number's country (ISO 3166), when known. */
      country?: string;
      /** A number outside the default country. */
      international: boolean;
    }
  | { ok: false; reason: DialProblem };

/** An extension written after the number (`ext. 12`, `x12`, `;ext=12`): not dialled. */
const EXTENSION_SUFFIX = /\s*(?:;ext=|\bext\.?|\bextension\b|\bx\b|\bdurchwahl\b|\bmellék\b|#\s*\d+\s*$).*$/i;

/** Pasted text reduced to what can be dialled: digits, a leading `+`, `*` and `#`. */
export function cleanDialText(text: string): string {
  let value = userPart(text.normalize('NFKC').trim());
  // Words before the number ("Tel.:") go; a "(0)" after the country code is not dialled.
  value = value.slice(Math.max(0, value.search(/[+\d*#]/)));
  value = value.replace(/^(\+\d{1,3})\s*\(0\)/, '$1').replace(EXTENSION_SUFFIX, '');
  const plus = value.startsWith('+') ? '+' : '';
  return plus + value.replace(/[^\d*#]/g, '');
}

/** Formats while typing (`+49301234` → `+49 30 1234`); text that is not a number is left alone. */
export function formatTyping(text: string, country: string): string {
  if (!/^\s*\+?[\d\s().\-/]*$/.test(text)) return text;
  const digits = cleanDialText(text);
  if (!digits || (!digits.startsWith('+') && digits.length <= EXTENSION_MAX_DIGITS)) return digits;
  return new AsYouType(country as CountryCode).input(digits);
}

/** Where the caret goes in `formatted` so that `digitsBefore` dialable characters precede it. */
export function caretAfterDigits(formatted: string, digitsBefore: number): number {
  if (digitsBefore <= 0) return 0;
  let seen = 0;
  for (let index = 0; index < formatted.length; index++) {
    if (/[\d+*#]/.test(formatted[index] ?? '')) seen += 1;
    if (seen === digitsBefore) return index + 1;
  }
  return formatted.length;
}

const PROBLEM: Record<string, DialProblem> = {
  TOO_SHORT: 'tooShort',
  TOO_LONG: 'tooLong',
  INVALID_COUNTRY: 'invalidCountry',
};

export function checkDial(text: string, country: string): DialCheck {
  const cleaned = cleanDialText(text);
  const digits = cleaned.replace(/\D/g, '');
  if (!digits && !/[*#]/.test(cleaned)) return { ok: false, reason: 'empty' };
  if (/[*#]/.test(cleaned) || (!cleaned.startsWith('+') && digits.length <= EXTENSION_MAX_DIGITS)) {
    return { ok: true, kind: 'extension', dial: cleaned, display: cleaned, international: false };
  }
  const parsed = parsePhoneNumberFromString(cleaned, country as CountryCode);
  if (parsed?.isValid()) {
    const home = parsed.country === country;
    return {
      ok: true,
      kind: 'number',
      dial: parsed.number,
      display: home ? parsed.formatNational() : parsed.formatInternational(),
      ...(parsed.country ? { country: parsed.country } : {}),
      international: !home,
    };
  }
  const length = validatePhoneNumberLength(cleaned, country as CountryCode);
  return { ok: false, reason: (length && PROBLEM[length]) || 'invalid' };
}
