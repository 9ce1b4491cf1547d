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
  /^(?:;ext=|[ \t\u00a0]*,?[ \t\u00a0]*(?:ext\.?|extension|x|poste|mellék|app\.?|apparat)[ \t\u00a0.:=]*)(\d{1,6})(?![\p{L}\p{N}])/iu;
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

const cache = new Map<string, { e164: string } | null>();
const CACHE_LIMIT = 5000;

/** libphonenumber's verdict, cached: a CRM page repeats the same shapes many times. */
function validate(number: string, country: string): { e164: string } | null {
  const key = `${country}|${number}`;
  const known = cache.get(key);
  if (known !== undefined) return known;
  // Digits only (and a leading +): libphonenumber then skips its search for a number in text.
  const parsed = parse(number, country);
  const result = parsed?.isValid() ? { e164: parsed.number as string } : null;
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
  const { end } = candidate;
  if (text.startsWith('(') && !text.includes(')')) {
    start += 1;
    text = text.slice(1);
  }
  if (rejectedByBoundary(full, start, end)) return no();
  const shape = shapeOf(text);
  const count = shape.digits.length;
  // Too few digits can't be split into anything; too many may be two numbers side by side.
  if (count < MIN_DIGITS) return no();
  if (count > MAX_DIGITS) return no(true);
  const international = text.startsWith('+') || text.startsWith('00') || text.startsWith('(+');
  if (trapShape(shape)) return no();
  if (!international && yearGroup(shape.parts)) return no();
  const prefix = international ? null : trunkPrefix(country);
  const bare = !international && shape.parts.length === 1 && !/\D/.test(text);
  // National numbers are written with the trunk prefix ("030…", "06 1…"), or an area code alone.
  if (prefix && !bare && !shape.digits.startsWith(prefix) && !text.startsWith('(') && !AREA_SLASH.test(text)) {
    return no(true);
  }
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
  const valid = validate(number, country);
  if (!valid) return no(true);
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
