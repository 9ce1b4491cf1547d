/**
 * Search terms for the call history, and the queries that match them. The same number arrives
 * in many shapes ("+49 30 1234567", "030 1234567", "0049301234567", "sip:+49301234567@pbx").
 * A call is indexed under three terms per number, so whatever the agent types, its start or its
 * end, is a term prefix: its digits with the country code (`d`), its national number (`p`), and
 * its digits reversed (`r`, so the last digits are a prefix). Names are indexed by word, folded
 * to lower case without accents, so "schm" finds "Anna Schmidt" and "muller" finds "Müller".
 * Digits from the middle of a number are not searched: agents type a number's start or end.
 */
import { AsYouType, type CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js/min';
import { toE164 } from '../phone';
import { dialDigits, userPart } from '../phone/numbers';

/** Fewest digits a number query needs. */
export const MIN_DIGITS = 3;
/** Numbers shorter than this are extensions: they get no E.164 form. */
const MIN_PHONE_DIGITS = 6;
const MAX_NAME_WORDS = 12;
const MAX_WORD = 32;

/** The E.164 form of a number as the PBX sent it, or undefined (extensions, SIP names, junk). */
export function e164Of(raw: string, country: string): string | undefined {
  const user = userPart(raw);
  if (user.replace(/\D/g, '').length < MIN_PHONE_DIGITS) return undefined;
  return toE164(user, country) ?? undefined;
}

const reversed = (digits: string) => [...digits].reverse().join('');

/**
 * The number's search terms: `d` + its digits (E.164 digits when it is valid, else as
 * received), `p` + its national significant number (else its digits without leading zeros),
 * `r` + its digits reversed.
 */
export function numberKeys(raw: string, e164: string | undefined): string[] {
  const digits = e164 ? e164.slice(1) : dialDigits(raw).replace('+', '');
  if (!digits) return [];
  const national = e164 ? nationalOf(e164) : digits.replace(/^0+/, '') || digits;
  return [...new Set([`d${digits}`, `p${national}`, `r${reversed(digits)}`])];
}

/** Lower case, accents removed: "Müller" and "muller" are one word. */
export const fold = (text: string) => text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();

/** The words of a text, folded, each cut to MAX_WORD characters. */
export function words(text: string): string[] {
  return fold(text)
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean)
    .map((word) => word.slice(0, MAX_WORD));
}

/** Name keys: the name's words, plus the user part of a number that is a name (sip:alice@pbx). */
export function nameKeys(name: string | undefined, raw: string): string[] {
  const user = userPart(raw);
  const extra = /\p{L}/u.test(user) ? words(user) : [];
  return [...new Set([...words(name ?? ''), ...extra])].slice(0, MAX_NAME_WORDS);
}

export interface NumberQuery {
  /** Terms to look up by prefix (see numberKeys); a call under any of them is a candidate. */
  lookups: string[];
  /** Set when the query is a whole valid number: only that number matches (see sameNumberAs). */
  e164?: string;
  /** The typed digits without leading zeros: a stored number that ends in them matches too. */
  tail: string;
}

/**
 * What the agent typed, as a number query; null when it has too few digits. A whole number
 * is looked up by its national significant number reversed: the end of its E.164 digits and of
 * any national form it was stored in. Part of a number: an international form (+, 00) is the
 * start of the digits with the country code; a national form is either the start of a national
 * number ("030 12", trunk prefix dropped) or the end of a number as typed ("0100", "4567").
 */
export function numberQuery(text: string, country: string): NumberQuery | null {
  const user = userPart(text);
  const all = user.replace(/\D/g, '');
  if (all.length < MIN_DIGITS) return null;
  const tail = all.replace(/^0+/, '');
  const e164 = e164Of(user, country);
  const lookups = (e164 ? [`r${reversed(nationalOf(e164))}`] : typedTerms(user, all, country)).filter(
    (term) => term.length > MIN_DIGITS,
  );
  if (!lookups.length) return null;
  return e164 ? { lookups, e164, tail } : { lookups, tail };
}

const nationalOf = (e164: string) => parsePhoneNumberFromString(e164)?.nationalNumber ?? e164.slice(1);

/** Part of a number, as typed so far: the terms it may be the start of. */
function typedTerms(user: string, all: string, country: string): string[] {
  if (user.startsWith('+')) return [`d${all}`];
  if (all.startsWith('00')) return [`d${all.slice(2)}`];
  const typing = new AsYouType(country as CountryCode);
  typing.input(user);
  const number = typing.getNumber();
  const callingCode = typing.getCallingCode();
  if (number && callingCode) return [`d${callingCode}${number.nationalNumber}`];
  return [`p${number?.nationalNumber ?? all.replace(/^0+/, '')}`, `r${reversed(all)}`];
}

/**
 * Whether a call's number is the one a whole-number query asked for: the same E.164 number,
 * or one that ends in the digits typed ("1234567" may parse as a short number of its own, yet
 * the agent means the end of +49 30 1234567). A partial query matches any candidate.
 */
export function sameNumberAs(query: NumberQuery, record: { number: string; e164?: string }): boolean {
  if (!query.e164 || record.e164 === query.e164) return true;
  const digits = record.e164 ? record.e164.slice(1) : dialDigits(record.number).replace('+', '');
  return digits.endsWith(query.tail);
}

/** The folded words of a name query; the longest one is the index lookup. */
export function nameQuery(text: string): string[] {
  return words(text).sort((a, b) => b.length - a.length);
}

/** Every query word is the prefix of some word of the record. */
export const matchesName = (query: readonly string[], keys: readonly string[]) =>
  query.every((q) => keys.some((key) => key.startsWith(q)));

/** A search text is a number search when it has digits and no letters (sip: and tel: aside). */
export const isNumberSearch = (text: string) => /\d/.test(text) && !/\p{L}/u.test(userPart(text));
