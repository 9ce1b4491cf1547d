/**
 * What the agent asked to call, as the PBX should dial it. The input is whatever a gesture
 * pointed at: a `tel:`/`callto:`/`sip:` link, a selection (which may hold words around the
 * number), or a number PopLine found in the page. The result is E.164 with the extension kept
 * (`+4930123456;ext=12`), or an internal extension, or a clear reason why nothing is dialled:
 * an unparseable or ambiguous input is never turned into a guess.
 *
 * Uses libphonenumber's `max` metadata: it knows number types, so premium-rate numbers can be
 * told apart and validation is stricter than with `min`.
 */
import { type CountryCode, getCountryCallingCode, parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { findPhoneNumbers } from '../detect/findPhoneNumbers';
import { emergencyNumbers, internalPattern, isCostly, isShortPremium, MAX_SHORT } from './shortNumbers';

export type DialTarget =
  | {
      kind: 'number';
      /** What goes to the PBX's createCall: E.164, plus `;ext=` and the extension if there is one. */
      dial: string;
      e164: string;
      ext?: string;
      /** How the agent reads it: national format at home, international abroad. */
      display: string;
      /** The number's country, when libphonenumber knows it. */
      country?: string;
      /** Another country calling code than the agent's default country. */
      international: boolean;
      premium: boolean;
    }
  | {
      kind: 'internal';
      dial: string;
      display: string;
      /** An emergency number of the agent's country (always asks when a page dials it). */
      emergency?: true;
      /** A short premium-rate service (directory enquiries). */
      premium?: true;
    };

export interface DialInputOptions {
  /** `dial.internalPattern`: which short digit strings are internal extensions. */
  internalPattern?: string;
}

export type DialInputProblem = 'empty' | 'tooLong' | 'notANumber' | 'ambiguous' | 'invalid';

export type DialInput = { ok: true; target: DialTarget } | { ok: false; problem: DialInputProblem; text: string };

/** The longest input looked at; a selection longer than this is not "a number". */
export const MAX_DIAL_INPUT = 256;
/** Internal extensions unless the admin says otherwise: 2 to 6 digits, dialled as written. */
export const DEFAULT_INTERNAL_PATTERN = '^\\d{2,6}$';
/** A short code as written (separators allowed): only digits are looked up as emergency or premium. */
const SHORT_CODE = /^\d[\d\s\u00a0.-]{0,15}$/;
const URI = /^(tel|callto|sips?):(?:\/\/)?/i;
/** Text that is only a number: digits, separators, a leading + and an extension. */
const NUMBER_ONLY = /^\+?[\d\s\u00a0().\-/–]+(?:\s*(?:;ext=|ext\.?|extension|x|#)\s*\d{1,6})?$/i;
const EXTENSION = /\s*(?:;ext=|ext\.?|extension|x|#)\s*(\d{1,6})$/i;

function fail(problem: DialInputProblem, text: string): DialInput {
  return { ok: false, problem, text: text.slice(0, 64) };
}

/** `tel:+1-201-555-0123;ext=12`, `callto://+4930…`, `sip:1001@pbx;user=phone` → number text. */
function fromUri(input: string): string {
  const rest = input.replace(URI, '');
  const scheme = URI.exec(input)?.[1]?.toLowerCase() ?? '';
  const [user = '', ...params] = (scheme.startsWith('sip') ? (rest.split('@')[0] ?? '') : rest).split(';');
  const ext = params.map((p) => /^ext=(\d{1,6})$/i.exec(p)?.[1]).find(Boolean);
  let number = user;
  try {
    number = decodeURIComponent(user);
  } catch {
    // A broken escape: keep the text as it is; parsing decides.
  }
  return ext ? `${number};ext=${ext}` : number;
}

function numberTarget(text: string, ext: string | undefined, country: string): DialInput {
  const international = text.trim().replace(/^00(?=[1-9])/, '+');
  const parsed = parsePhoneNumberFromString(international, country as CountryCode);
  if (!parsed?.isValid()) return fail('invalid', text);
  const extension = ext ?? parsed.ext;
  const home = parsed.countryCallingCode === safeCallingCode(country);
  const display =
    (parsed.country === country ? parsed.formatNational() : parsed.formatInternational()) +
    (extension ? ` ext. ${extension}` : '');
  const target: DialTarget = {
    kind: 'number',
    dial: extension ? `${parsed.number};ext=${extension}` : parsed.number,
    e164: parsed.number,
    display,
    international: !home,
    premium: isCostly(parsed.number, parsed.getType()),
  };
  if (extension) target.ext = extension;
  if (parsed.country) target.country = parsed.country;
  return { ok: true, target };
}

function safeCallingCode(country: string): string {
  try {
    return getCountryCallingCode(country as CountryCode);
  } catch {
    return '';
  }
}

/**
 * Turns what the agent pointed at into something to dial. A URI or a bare number is parsed as
 * written; longer text must hold exactly one phone number (found as on the page), else the agent
 * is told it is ambiguous rather than one of them being picked.
 */
export function parseDialInput(raw: string, defaultCountry: string, options: DialInputOptions = {}): DialInput {
  const input = raw.normalize('NFKC').trim();
  if (!input) return fail('empty', raw);
  if (input.length > MAX_DIAL_INPUT) return fail('tooLong', input);
  const text = URI.test(input) ? fromUri(input) : input;
  const short = shortTarget(text, defaultCountry, options);
  if (short) return { ok: true, target: short };
  if (NUMBER_ONLY.test(text)) {
    const ext = EXTENSION.exec(text)?.[1];
    return numberTarget(text.replace(EXTENSION, ''), ext, defaultCountry);
  }
  const found = findPhoneNumbers(text, { defaultCountry });
  if (found.length > 1) return fail('ambiguous', input);
  const [match] = found;
  if (!match) return fail(/\d/.test(text) ? 'invalid' : 'notANumber', input);
  return numberTarget(match.e164, match.ext, defaultCountry);
}

/**
 * A short code: an emergency number of the agent's country (before anything else, whatever the
 * admin's pattern says), a short premium service, or an internal extension by the admin's pattern.
 */
function shortTarget(text: string, country: string, options: DialInputOptions): DialTarget | null {
  if (text.length > MAX_SHORT || !SHORT_CODE.test(text)) return null;
  const digits = text.replace(/\D/g, '');
  if (emergencyNumbers(country).has(digits)) {
    return { kind: 'internal', dial: digits, display: digits, emergency: true };
  }
  if (isShortPremium(digits, country)) return { kind: 'internal', dial: digits, display: digits, premium: true };
  const pattern = internalPattern(options.internalPattern ?? DEFAULT_INTERNAL_PATTERN);
  if (/^\d+$/.test(text) && pattern?.test(text)) return { kind: 'internal', dial: text, display: text };
  return null;
}
