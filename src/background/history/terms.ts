/**
 * The search index: one entry per search term of a call in the `terms` store, keyed by
 * [term, startedAt, sessionId]. A term is `d` + the call's digits, `p` + its national number,
 * `r` + its digits reversed, or `w` + a folded word of its name (shared/historySearch.ts). Searching a prefix is one key-range read of this
 * store that yields every matching call with its start time, so the newest matches are known
 * before a single call is read. (A multi-entry index on the calls would give only the session
 * ids, in term order, and Chromium checks each of its entries against the call: several times
 * slower on broad searches.)
 */
import type { IDBPTransaction } from 'idb';
import type { HistoryRecord } from '../../shared/history';
import { wordTerm } from '../../shared/history/search';
import { type HistoryDb, type HistorySchema, TERMS, type TermKey } from './db';

/** Term keys read per search word at most; beyond, the result is marked truncated. */
export const MAX_TERM_KEYS = 100_000;

type Indexed = Pick<HistoryRecord, 'numberKeys' | 'nameWords' | 'startedAt' | 'sessionId'>;
type WriteTx = IDBPTransaction<HistorySchema, ('calls' | 'terms')[], 'readwrite'>;

export function termsOf(record: Indexed): TermKey[] {
  const terms = new Set([...record.numberKeys, ...record.nameWords.map(wordTerm)]);
  return [...terms].map((term) => [term, record.startedAt, record.sessionId]);
}

const id = (key: TermKey) => key.join('\u0000');

/**
 * Brings a call's terms from what `old` had to what `next` has (either may be absent), writing
 * only the difference: a call's number and name rarely change as it progresses.
 */
export function syncTerms(tx: WriteTx, old: Indexed | undefined, next: Indexed | undefined): Promise<unknown>[] {
  const before = new Map((old ? termsOf(old) : []).map((key) => [id(key), key]));
  const after = new Map((next ? termsOf(next) : []).map((key) => [id(key), key]));
  const store = tx.objectStore(TERMS);
  const requests: Promise<unknown>[] = [];
  for (const [name, key] of before) if (!after.has(name)) requests.push(store.delete(key));
  for (const [name, key] of after) if (!before.has(name)) requests.push(store.put(0, key));
  return requests;
}

/** Calls with a term that starts with `prefix`: session id → start time. */
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
