/**
 * The search index, in two stores.
 *
 * `terms`: one entry per number term of a call, keyed by [term, startedAt, sessionId]. A term is
 * `d` + the call's digits, `p` + its national number or `r` + its digits reversed
 * (shared/history/search.ts). Searching a prefix is one key-range read of this store that yields
 * every matching call with its start time, so the newest matches are known before a single call
 * is read. (A multi-entry index on the calls would give only the session ids, in term order, and
 * Chromium checks each of its entries against the call: several times slower on broad searches.)
 *
 * `names`: one entry per prefix of a word of a call's name (1 to NAME_PREFIX characters),
 * keyed by [`n` + prefix, -startedAt, sessionId, the call's name words joined by spaces]. The
 * entries of one prefix are contiguous and newest first, and each carries every word of its
 * call, so a name search reads the prefix of its longest word in key order and keeps the calls
 * whose words match all of the query: it stops once it has the page, reading as many entries as
 * the page needs instead of every call a broad word ("ann", "schm") matches.
 */
import type { IDBPTransaction } from 'idb';
import type { HistoryRecord } from '../../shared/history';
import { matchesName } from '../../shared/history/search';
import { type HistoryDb, type HistorySchema, NAMES, type NameKey, TERMS, type TermKey } from './schema';

/** Term keys read per search word at most; beyond, the result is marked truncated. */
export const MAX_TERM_KEYS = 100_000;
/** Name words are indexed by their prefixes up to this length; longer query words are checked against the words. */
export const NAME_PREFIX = 6;

type Indexed = Pick<HistoryRecord, 'numberKeys' | 'nameWords' | 'startedAt' | 'sessionId'>;
type WriteTx = IDBPTransaction<HistorySchema, ('calls' | 'terms' | 'names')[], 'readwrite' | 'versionchange'>;

export function termsOf(record: Indexed): TermKey[] {
  return [...new Set(record.numberKeys)].map((term) => [term, record.startedAt, record.sessionId]);
}

/** The name term of the start of a (folded) word. */
export const nameTerm = (word: string) => `n${word.slice(0, NAME_PREFIX)}`;

export function nameTermsOf(record: Indexed): NameKey[] {
  const prefixes = new Set<string>();
  for (const word of record.nameWords) {
    for (let length = 1; length <= Math.min(word.length, NAME_PREFIX); length++)
      prefixes.add(nameTerm(word.slice(0, length)));
  }
  const words = record.nameWords.join(' ');
  return [...prefixes].map((term) => [term, -record.startedAt, record.sessionId, words]);
}

const id = (key: readonly (string | number)[]) => key.join('\u0000');

function sync<K extends TermKey | NameKey>(
  store: { delete(key: K): Promise<unknown>; put(value: 0, key: K): Promise<unknown> },
  before: K[],
  after: K[],
): Promise<unknown>[] {
  const old = new Map(before.map((key) => [id(key), key]));
  const next = new Map(after.map((key) => [id(key), key]));
  const requests: Promise<unknown>[] = [];
  for (const [name, key] of old) if (!next.has(name)) requests.push(store.delete(key));
  for (const [name, key] of next) if (!old.has(name)) requests.push(store.put(0, key));
  return requests;
}

/**
 * Brings a call's entries in both stores from what `old` had to what `next` has (either may be
 * absent), writing only the difference: a call's number and name rarely change as it progresses.
 */
export function syncTerms(tx: WriteTx, old: Indexed | undefined, next: Indexed | undefined): Promise<unknown>[] {
  return [
    ...sync<TermKey>(tx.objectStore(TERMS), old ? termsOf(old) : [], next ? termsOf(next) : []),
    ...sync<NameKey>(tx.objectStore(NAMES), old ? nameTermsOf(old) : [], next ? nameTermsOf(next) : []),
  ];
}

/** Calls with a number term that starts with `prefix`: session id → start time. */
export async function termHits(
  db: HistoryDb,
  prefix: string,
): Promise<{ hits: Map<string, number>; truncated: boolean }> {
  const range = IDBKeyRange.bound([prefix], [`${prefix}\uffff`]);
  const keys = await db.getAllKeys(TERMS, range, MAX_TERM_KEYS);
  const hits = new Map<string, number>();
  for (const [, startedAt, sessionId] of keys) hits.set(sessionId, startedAt);
  return { hits, truncated: keys.length >= MAX_TERM_KEYS };
}

const FIRST_CHUNK = 128;
const MAX_CHUNK = 8192;

/**
 * The newest `count` calls whose name words match every word of `query` (folded, longest
 * first), started within [from, to]: session id → start time. Calls that started in the same
 * millisecond as the last of them come too, so a page cut in (start, session id) order is exact.
 * Reads `names` in key order, in growing chunks; stops at MAX_TERM_KEYS entries (truncated).
 */
export async function nameHits(
  db: HistoryDb,
  query: readonly string[],
  { from, to, count }: { from?: number; to?: number; count: number },
): Promise<{ hits: Map<string, number>; truncated: boolean }> {
  const hits = new Map<string, number>();
  const [longest] = query;
  if (longest === undefined || count <= 0) return { hits, truncated: false };
  const term = nameTerm(longest);
  // Keys are [term, -startedAt, sessionId, words]; an array sorts after every string.
  const upper = [term, from === undefined ? Number.POSITIVE_INFINITY : -from, []];
  let lower: IDBValidKey = [term, to === undefined ? Number.NEGATIVE_INFINITY : -to];
  let lowerOpen = false;
  let read = 0;
  let chunk = FIRST_CHUNK;
  let boundary: number | undefined;
  const tx = db.transaction(NAMES, 'readonly');
  for (;;) {
    const wanted = Math.min(chunk, MAX_TERM_KEYS - read);
    const keys = await tx.store.getAllKeys(IDBKeyRange.bound(lower, upper, lowerOpen, false), wanted);
    read += keys.length;
    for (const [, negStart, sessionId, words] of keys) {
      const startedAt = -negStart;
      if (boundary !== undefined && startedAt < boundary) return { hits, truncated: false };
      if (!matchesName(query, words.split(' '))) continue;
      hits.set(sessionId, startedAt);
      if (boundary === undefined && hits.size >= count) boundary = startedAt;
    }
    const last = keys[keys.length - 1];
    if (!last || keys.length < wanted) return { hits, truncated: false };
    if (read >= MAX_TERM_KEYS) return { hits, truncated: true };
    lower = last;
    lowerOpen = true;
    chunk = Math.min(MAX_CHUNK, chunk * 2);
  }
}
