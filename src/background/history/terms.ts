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
 * `names`: one small entry per call with a name, keyed by session id: its name words and, in the
 * multi-entry index `term`, keys [term, -startedAt, sessionId], so the calls of one term are
 * contiguous and newest first. A call's terms are `n` + each start of each word (1 to
 * NAME_PREFIX characters), and `p` + the starts (1 to PAIR_PREFIX characters) of two of its
 * words, in string order, for every two words. A name search of one word reads its `n` term, of
 * several words the `p` term of its two longest, in key order and in growing chunks, keeps the
 * entries whose words match every word of the query and stops once it has the page: it reads
 * about as many entries as there are matches, however broad each word is ("ann" and "schm"
 * alone match thousands of calls, "ann schm" a few). One put per call writes all of its terms
 * (they are index entries), where a store of terms needs a request per term.
 */
import type { IDBPTransaction } from 'idb';
import type { HistoryRecord } from '../../shared/history';
import { matchesName } from '../../shared/history/search';
import { type HistoryDb, type HistorySchema, NAMES, type NameEntry, type NameKey, TERMS, type TermKey } from './schema';

/** Term keys read per search at most; beyond, the result is marked truncated. */
export const MAX_TERM_KEYS = 100_000;
/** A word is indexed by its starts up to this length; a longer query word is checked against the words. */
export const NAME_PREFIX = 4;
/** Two words are indexed together by their starts up to this length. */
export const PAIR_PREFIX = 2;

type Indexed = Pick<HistoryRecord, 'numberKeys' | 'nameWords' | 'startedAt' | 'sessionId'>;
type WriteTx = IDBPTransaction<HistorySchema, ('calls' | 'terms' | 'names')[], 'readwrite' | 'versionchange'>;

export function termsOf(record: Indexed): TermKey[] {
  return [...new Set(record.numberKeys)].map((term) => [term, record.startedAt, record.sessionId]);
}

const starts = (word: string, max: number) =>
  Array.from({ length: Math.min(word.length, max) }, (_, i) => word.slice(0, i + 1));

/** The term of one word (its start), or of two (their starts, in string order). */
export function nameTerm(first: string, second?: string): string {
  if (second === undefined) return `n${first.slice(0, NAME_PREFIX)}`;
  const [a, b] = [first.slice(0, PAIR_PREFIX), second.slice(0, PAIR_PREFIX)].sort();
  return `p${a} ${b}`;
}

/** A call's entry in `names`, or undefined when it has no name words. */
export function nameEntryOf(record: Indexed): NameEntry | undefined {
  const words = record.nameWords;
  if (!words.length) return undefined;
  const terms = new Set<string>();
  for (const word of words) for (const start of starts(word, NAME_PREFIX)) terms.add(nameTerm(start));
  for (let i = 0; i < words.length; i++) {
    for (let j = i + 1; j < words.length; j++) {
      for (const a of starts(words[i] as string, PAIR_PREFIX))
        for (const b of starts(words[j] as string, PAIR_PREFIX)) terms.add(nameTerm(a, b));
    }
  }
  const key = (term: string): NameKey => [term, -record.startedAt, record.sessionId];
  return { id: record.sessionId, startedAt: record.startedAt, words: words.join(' '), terms: [...terms].map(key) };
}

const id = (key: readonly (string | number)[]) => key.join('\u0000');

/**
 * Brings a call's entries in both stores from what `old` had to what `next` has (either may be
 * absent), writing only the difference: a call's number and name rarely change as it progresses.
 */
export function syncTerms(tx: WriteTx, old: Indexed | undefined, next: Indexed | undefined): Promise<unknown>[] {
  const terms = tx.objectStore(TERMS);
  const before = new Map((old ? termsOf(old) : []).map((key) => [id(key), key]));
  const after = new Map((next ? termsOf(next) : []).map((key) => [id(key), key]));
  const requests: Promise<unknown>[] = [];
  for (const [name, key] of before) if (!after.has(name)) requests.push(terms.delete(key));
  for (const [name, key] of after) if (!before.has(name)) requests.push(terms.put(0, key));
  const [was, is] = [old && nameEntryOf(old), next && nameEntryOf(next)];
  if (is && (was?.words !== is.words || was.startedAt !== is.startedAt || was.id !== is.id))
    requests.push(tx.objectStore(NAMES).put(is));
  if (was && was.id !== is?.id) requests.push(tx.objectStore(NAMES).delete(was.id));
  return requests;
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

/** The term a name query reads: its longest word's, or its two longest words' that need two words of a name. */
export function lookupTerm(query: readonly string[]): string | undefined {
  // A word that starts another word of the query asks nothing more (both may match one word).
  const needed = [...new Set(query)]
    .sort((a, b) => b.length - a.length)
    .filter((word, i, all) => !all.some((other, j) => j < i && other.startsWith(word)));
  const [first, second] = needed;
  if (first === undefined) return undefined;
  return nameTerm(first, second);
}

const FIRST_CHUNK = 128;
const MAX_CHUNK = 8192;

const isEntry = (value: unknown): value is Pick<NameEntry, 'id' | 'startedAt' | 'words'> => {
  const entry = value as Partial<NameEntry> | undefined;
  return typeof entry?.id === 'string' && typeof entry.startedAt === 'number' && typeof entry.words === 'string';
};

/**
 * The newest `count` calls whose name words match every word of `query` (folded), started
 * within [from, to]: session id → start time. Calls that started in the same millisecond as
 * the last of them come too, so a page cut in (start, session id) order is exact. Reads the
 * `term` index of `names` in key order, in growing chunks; stops at MAX_TERM_KEYS entries (truncated).
 */
export async function nameHits(
  db: HistoryDb,
  query: readonly string[],
  { from, to, count }: { from?: number; to?: number; count: number },
): Promise<{ hits: Map<string, number>; truncated: boolean }> {
  const hits = new Map<string, number>();
  const term = lookupTerm(query);
  if (term === undefined || count <= 0) return { hits, truncated: false };
  // Index keys are [term, -startedAt, sessionId]; an array sorts after every string.
  const upper = [term, from === undefined ? Number.POSITIVE_INFINITY : -from, []];
  let lower: IDBValidKey = [term, to === undefined ? Number.NEGATIVE_INFINITY : -to];
  let lowerOpen = false;
  let read = 0;
  let chunk = FIRST_CHUNK;
  let boundary: number | undefined;
  const index = db.transaction(NAMES, 'readonly').store.index('term');
  for (;;) {
    const wanted = Math.min(chunk, MAX_TERM_KEYS - read);
    const values: unknown[] = await index.getAll(IDBKeyRange.bound(lower, upper, lowerOpen, false), wanted);
    read += values.length;
    for (const value of values) {
      if (!isEntry(value)) continue;
      if (boundary !== undefined && value.startedAt < boundary) return { hits, truncated: false };
      if (!matchesName(query, value.words.split(' '))) continue;
      hits.set(value.id, value.startedAt);
      if (boundary === undefined && hits.size >= count) boundary = value.startedAt;
    }
    const last = values[values.length - 1];
    if (!isEntry(last) || values.length < wanted) return { hits, truncated: false };
    if (read >= MAX_TERM_KEYS) return { hits, truncated: true };
    lower = [term, -last.startedAt, last.id];
    lowerOpen = true;
    chunk = Math.min(MAX_CHUNK, chunk * 2);
  }
}
