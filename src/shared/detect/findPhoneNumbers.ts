/**
 * Finds phone numbers in a piece of text: national numbers of the agent's default country and
 * international numbers (with `+` or `00`) of any country, with their extension. Built for
 * precision on CRM pages: dates, times, amounts, invoice and order numbers, IBANs, card numbers,
 * ZIP+4 codes, versions and IP addresses are not numbers to call. Documented in docs/detection.md.
 *
 * Pure and synchronous; no browser API. The cost is a regular expression over the text plus one
 * libphonenumber validation per surviving candidate (cached), so text without digit runs is
 * nearly free.
 */
import {
  type CountryCode,
  isSupportedCountry,
  Metadata,
  type PhoneNumber,
  parsePhoneNumber,
} from 'libphonenumber-js/core';
import metadata from 'libphonenumber-js/metadata.max.json';
import { MIN_DIGITS, mightHoldNumber } from './quickTest';
import { contextBefore, nanpGrouping, nextToCurrency, shapeOf, trapShape, yearGroup } from './traps';

export interface PhoneMatch {
  /** Offsets into the text: `text.slice(start, end)` is the number as written, extension included. */
  start: number;
  end: number;
  /** The number in E.164 form, e.g. `+4930123456`. */
  e164: string;
  /** The extension's digits, when the text gives one (`x12`, `ext. 12`, `;ext=12`). */
  ext?: string;
}

export interface FindOptions {
  /** ISO 3166 country whose national numbers (written without `+`) are recognised. */
  defaultCountry: string;
}

const SEPARATOR = '[ \\t\\u00a0\\u2007\\u2009\\u202f.\\-\\u2010-\\u2013\\u2212/()]';
/** A run of digits and separators that starts like a phone number; at most 3 separators in a row. */
const CANDIDATE = new RegExp(`(?:\\+ ?|\\(\\+?)?\\d(?:${SEPARATOR}{0,3}\\d)+`, 'g');
const EXTENSION =
  /^(?:;ext=|[ \t\u00a0]*,?[ \t\u00a0]*(?:ext\.?|extension|x|poste|mellék|app\.?|apparat|durchwahl|dw\.?|toestel|tst\.?|wew\.?|interno|int\.|ramal|ankn\.?|lokal)[ \t\u00a0.:=]*)(\d{1,6})(?![\p{L}\p{N}])/iu;
/** Separators between two numbers written side by side: "030 1234567 / 030 1234568". */
const BETWEEN_NUMBERS = /\s+[/\-\u2013\u2014]\s+|[\u2013\u2014]|\s{2,}/;
const LETTER_OR_DIGIT = /[\p{L}\p{N}_]/u;
/** Characters that glue a number to a word before it: "INV-2024", "a716-4466", "v1.2". */
const GLUE = /[-./,_'’]/;
/** Punctuation that attaches what follows to the number: "12.5", "1,234", "10:30", "2024-03-12T". */
const ATTACHED = /[.,:/-]/;

const MAX_DIGITS = 15;
/** "70/555-6677", "1/234-5678": a short area code and a slash, the local way to skip the trunk prefix. */
const AREA_SLASH = /^\d{1,2}\/\d{3}-?\d{3,4}$/;
/** Countries with a trunk prefix that national numbers are always written with. */
const TRUNK_OPTIONAL = new Set(['IT', 'SM', 'VA']);
/**
 * Numbers written without the trunk prefix where the country has one: ranges that are dialled
 * without it (Australian 1300/1800, Irish and Indian 1800, Brazilian 4004: toll-free, shared-cost,
 * "universal access"), Indian mobiles (written "98200 12345"), and Brazil, where the area code is
 * written without the 0 ("11 3003-3030"). Any other type without its prefix stays out: a French
 * SIREN "732 829 320" reads as a valid mobile once a 0 is put in front.
 */
const WITHOUT_PREFIX_TYPES = new Set(['TOLL_FREE', 'SHARED_COST', 'UAN', 'PREMIUM_RATE']);
const WITHOUT_PREFIX_BY_COUNTRY: Record<string, ReadonlySet<string> | 'any'> = {
  BR: 'any',
  IN: new Set(['MOBILE', 'FIXED_LINE_OR_MOBILE']),
};
/** Brazilian capital-wide numbers, "4004 2000", "3003 1990": the second group may look like a year. */
const BR_SHARED_COST = /^BR[34]00\d[-\s\u00a0]\d{4}$/;
/** "(0-42) 630 12 34", "(0 22) …": the old trunk prefix of a country that dropped it (Poland). */
const OLD_TRUNK = /^\(0[-\s\u00a0]?\d/;
/** An opening bracket at the end with no closing one: "02 42 (0,35 €/min)" ends at "42". */
const UNCLOSED_TAIL = /^(.*\d)[ \t\u00a0]*\([\d \t\u00a0]*$/;

function typeAllowedWithoutPrefix(type: string | undefined, country: string): boolean {
  if (!type) return false;
  const byCountry = WITHOUT_PREFIX_BY_COUNTRY[country];
  return WITHOUT_PREFIX_TYPES.has(type) || byCountry === 'any' || (byCountry?.has(type) ?? false);
}

interface Candidate {
  start: number;
  end: number;
  text: string;
}

/** Letters, digits and `_`: ASCII by character code, anything else by Unicode category. */
function isLetterOrDigit(char: string | undefined): boolean {
  if (!char) return false;
  const code = char.charCodeAt(0);
  if (code < 128) {
    return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95;
  }
  return LETTER_OR_DIGIT.test(char);
}

/** Text-level reasons to reject a candidate before any parsing. */
function rejectedByBoundary(text: string, start: number, end: number): boolean {
  const before = text[start - 1];
  if (before !== undefined) {
    if (isLetterOrDigit(before) || '#@$€£¥&=%*~'.includes(before)) return true;
    if (GLUE.test(before) && isLetterOrDigit(text[start - 2])) return true;
  }
  const after = text[end];
  if (after === undefined) return false;
  if (isLetterOrDigit(after) || '%@€$£'.includes(after)) return true;
  return ATTACHED.test(after) && isLetterOrDigit(text[end + 1]);
}

function parse(number: string, country: string): PhoneNumber | undefined {
  // A country libphonenumber does not know leaves only international numbers.
  const defaultCountry = isSupportedCountry(country as CountryCode, metadata as never)
    ? (country as CountryCode)
    : undefined;
  try {
    return parsePhoneNumber(
      number,
      { ...(defaultCountry ? { defaultCountry } : {}), extract: false },
      metadata as never,
    );
  } catch {
    return undefined; // Not a number libphonenumber can read: not a phone number.
  }
}

interface Valid {
  e164: string;
  /** libphonenumber's number type (MOBILE, TOLL_FREE...), read only for numbers that need it. */
  type?: string;
}

const cache = new Map<string, Valid | null>();
const CACHE_LIMIT = 5000;

/** libphonenumber's verdict, cached: a CRM page repeats the same shapes many times. */
function validate(number: string, country: string, withType = false): Valid | null {
  const key = `${withType ? 'T' : ''}${country}|${number}`;
  const known = cache.get(key);
  if (known !== undefined) return known;
  // Digits only (and a leading +): libphonenumber then skips its search for a number in text.
  const parsed = parse(number, country);
  const result: Valid | null = parsed?.isValid() ? { e164: parsed.number as string } : null;
  if (result && withType) result.type = parsed?.getType();
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, result);
  return result;
}

const trunkPrefixes = new Map<string, string | null>();

/** The prefix national numbers start with in `country` ("0", "06"), or null where none is required. */
function trunkPrefix(country: string): string | null {
  let prefix = trunkPrefixes.get(country);
  if (prefix === undefined) {
    const plan = new Metadata(metadata as never) as unknown as {
      selectNumberingPlan(c: string): void;
      numberingPlan?: { nationalPrefix(): string | undefined; callingCode(): string };
    };
    try {
      plan.selectNumberingPlan(country);
      const national = plan.numberingPlan?.nationalPrefix();
      prefix = national && plan.numberingPlan?.callingCode() !== '1' && !TRUNK_OPTIONAL.has(country) ? national : null;
    } catch {
      prefix = null;
    }
    trunkPrefixes.set(country, prefix);
  }
  return prefix;
}

type Verdict = { ok: true; match: PhoneMatch } | { ok: false; splittable: boolean };

const no = (splittable = false): Verdict => ({ ok: false, splittable });

/** Decides on one candidate: cheap text rules first, its context, then libphonenumber. */
function judge(full: string, candidate: Candidate, country: string, previousEnd: number): Verdict {
  let { start, text } = candidate;
  let { end } = candidate;
  if (text.startsWith('(') && !text.includes(')')) {
    start += 1;
    text = text.slice(1);
  }
  const tail = UNCLOSED_TAIL.exec(text);
  if (tail?.[1]) {
    text = tail[1];
    end = start + text.length;
  }
  if (rejectedByBoundary(full, start, end)) return no();
  const shape = shapeOf(text);
  const count = shape.digits.length;
  // Too few digits can't be split into anything; too many may be two numbers side by side.
  if (count < MIN_DIGITS) return no();
  if (count > MAX_DIGITS) return no(true);
  const international = text.startsWith('+') || text.startsWith('00') || text.startsWith('(+');
  if (trapShape(shape)) return no();
  if (!international && yearGroup(shape.parts) && !BR_SHARED_COST.test(country + text)) return no();
  const prefix = international ? null : trunkPrefix(country);
  const bare = !international && shape.parts.length === 1 && !/\D/.test(text);
  // National numbers are written with the trunk prefix ("030…", "06 1…"), or an area code alone;
  // a few ranges and countries without it (WITHOUT_PREFIX_TYPES), checked once validated.
  const withoutPrefix =
    !!prefix && !bare && !shape.digits.startsWith(prefix) && !text.startsWith('(') && !AREA_SLASH.test(text);
  const before = full.slice(Math.max(previousEnd, start - 40), start);
  const context = contextBefore(before);
  if (context === 'notPhone') return no();
  // An unformatted digit run is a phone number only where the text says so ("Tel 2125550142").
  if (bare && context !== 'phone' && !(prefix && text.startsWith(prefix))) return no();
  if (nextToCurrency(before, full.slice(end, end + 10))) return no();
  // "+44 (0)20 …": the national prefix in brackets is not dialled from abroad.
  const digits = international
    ? text
        .replace(/^\(?(?:\+|00)/, '')
        .replace(/\(0\)/, '')
        .replace(/\D/g, '')
    : shape.digits;
  const number = international ? `+${digits}` : digits;
  let valid = validate(number, country, withoutPrefix);
  if (!valid && !international && !prefix && OLD_TRUNK.test(text)) valid = validate(digits.slice(1), country);
  if (!valid) return no(true);
  if (withoutPrefix && !typeAllowedWithoutPrefix(valid.type, country)) return no(true);
  if (valid.e164.startsWith('+1') && !nanpGrouping(shape.parts)) return no(true);
  const match: PhoneMatch = { start, end, e164: valid.e164 };
  const ext = EXTENSION.exec(full.slice(end, end + 24));
  if (ext?.[1]) {
    match.ext = ext[1];
    match.end = end + ext[0].length;
  }
  return { ok: true, match };
}

/** Splits "A / B" into its parts and judges each. */
function judgeParts(full: string, candidate: Candidate, country: string, previousEnd: number): PhoneMatch[] {
  const found: PhoneMatch[] = [];
  const splitter = new RegExp(BETWEEN_NUMBERS.source, 'g');
  let partStart = 0;
  let last = previousEnd;
  const parts: Candidate[] = [];
  for (let sep = splitter.exec(candidate.text); sep; sep = splitter.exec(candidate.text)) {
    parts.push(part(candidate, partStart, sep.index));
    partStart = sep.index + sep[0].length;
  }
  if (!parts.length) return found;
  parts.push(part(candidate, partStart, candidate.text.length));
  for (const piece of parts) {
    if (!/\d/.test(piece.text)) continue;
    const verdict = judge(full, piece, country, last);
    if (verdict.ok) {
      found.push(verdict.match);
      last = verdict.match.end;
    }
  }
  return found;
}

function part(candidate: Candidate, from: number, to: number): Candidate {
  const raw = candidate.text.slice(from, to);
  const lead = raw.length - raw.trimStart().length;
  const text = raw.trim();
  return { start: candidate.start + from + lead, end: candidate.start + from + lead + text.length, text };
}

/**
 * The phone numbers in `text`, in order, with offsets, E.164 form and extension. Numbers are
 * never reported twice or overlapping.
 */
export function findPhoneNumbers(text: string, { defaultCountry }: FindOptions): PhoneMatch[] {
  if (!mightHoldNumber(text)) return [];
  const country = defaultCountry.toUpperCase();
  const found: PhoneMatch[] = [];
  let previousEnd = 0;
  CANDIDATE.lastIndex = 0;
  for (let m = CANDIDATE.exec(text); m; m = CANDIDATE.exec(text)) {
    const candidate = { start: m.index, end: m.index + m[0].length, text: m[0] };
    const verdict = judge(text, candidate, country, previousEnd);
    if (verdict.ok) {
      found.push(verdict.match);
      CANDIDATE.lastIndex = verdict.match.end;
    } else if (verdict.splittable && BETWEEN_NUMBERS.test(candidate.text)) {
      found.push(...judgeParts(text, candidate, country, previousEnd));
    }
    previousEnd = Math.max(candidate.end, found.at(-1)?.end ?? 0);
  }
  return found;
}
