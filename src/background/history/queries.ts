/**
 * Reading the call history. Every query is a key range, newest first: recent calls and date
 * ranges on the `startedAt` index, missed calls on [outcome, startedAt], numbers on the `terms`
 * store and names on the `names` store (terms.ts). Every value read is validated: one that fails is skipped, counted
 * and reported (once per call), and the query goes on.
 */
import type { HistoryPage, HistoryQuery, HistoryRecord, HistoryView } from '../../shared/history';
import { validateRecord } from '../../shared/history';
import { isNumberSearch, matchesName, nameQuery, numberQuery, sameNumberAs } from '../../shared/history/search';
import { log } from '../../shared/log';
import { formatNumber } from '../../shared/phone';
import { sameNumber } from '../../shared/phone/numbers';
import { type HistoryDb, STORE } from './db';
import { nameHits, termHits } from './terms';

export const DEFAULT_PAGE_SIZE = 50;

type Found = Omit<HistoryPage, 'problem'>;

/** Validation of what was read: the bad ones are reported once each and left out. */
export class Reader {
  skipped = 0;
  private static reported = new Set<string>();

  valid(value: unknown): HistoryRecord | undefined {
    const result = validateRecord(value);
    if (result.ok) return result.value;
    this.skipped += 1;
    const id = String((value as { sessionId?: unknown } | undefined)?.sessionId ?? '?').slice(0, 80);
    if (!Reader.reported.has(id)) {
      if (Reader.reported.size >= 1000) Reader.reported.clear();
      Reader.reported.add(id);
      log.warn(`history: skipped an invalid stored call (${id}): ${result.error}`);
    }
    return undefined;
  }
}

/** Formatting a number costs a parse; the same numbers come back page after page. */
const formatted = new Map<string, string>();

function display(number: string, country: string): string {
  const key = `${country}|${number}`;
  let text = formatted.get(key);
  if (text === undefined) {
    if (formatted.size >= 5000) formatted.clear();
    text = formatNumber(number, country);
    formatted.set(key, text);
  }
  return text;
}

export function toView(record: HistoryRecord, country: string): HistoryView {
  const { numberKeys: _n, nameWords: _w, ...view } = record;
  return { ...view, numberDisplay: display(record.number, country) };
}

const bound = (from: number | undefined, to: number | undefined) =>
  from === undefined && to === undefined ? null : IDBKeyRange.bound(from ?? 0, to ?? Number.POSITIVE_INFINITY);

type TimeIndex = 'startedAt' | 'outcomeStartedAt';

/** The index order read backwards: start time, then session id, both descending. */
const newestFirst = (a: HistoryRecord, b: HistoryRecord) =>
  b.startedAt - a.startedAt || (a.sessionId < b.sessionId ? 1 : -1);

/**
 * One page of an index, newest first, in four round trips instead of one per call: a key
 * cursor finds the page's first and last entries (advance skips without reading), one getAll
 * reads every value between them, and the page is cut out in the index's own order (index key,
 * then primary key, both descending), so calls that started in the same millisecond at the
 * edge of a page are neither lost nor repeated.
 */
async function pageByIndex(
  db: HistoryDb,
  index: TimeIndex,
  range: IDBKeyRange | null,
  page: number,
  pageSize: number,
  reader: Reader,
): Promise<{ records: HistoryRecord[]; hasMore: boolean }> {
  const tx = db.transaction(STORE, 'readonly');
  const source = tx.store.index(index);
  let cursor = await source.openKeyCursor(range, 'prev');
  if (cursor && page > 0) cursor = await cursor.advance(page * pageSize);
  if (!cursor) return { records: [], hasMore: false };
  const first = [cursor.key as IDBValidKey, cursor.primaryKey];
  const last = pageSize > 1 ? await cursor.advance(pageSize - 1) : cursor;
  const upper = first[0] as IDBValidKey;
  const span = last
    ? IDBKeyRange.bound(last.key as IDBValidKey, upper)
    : range?.lower !== undefined
      ? IDBKeyRange.bound(range.lower, upper, range.lowerOpen, false)
      : IDBKeyRange.upperBound(upper);
  const values = await source.getAll(span);
  // Both indexes order by start time within the range (the outcome is fixed in a missed range).
  values.sort(newestFirst as (a: unknown, b: unknown) => number);
  const start = Math.max(
    0,
    values.findIndex((value) => (value as { sessionId: string }).sessionId === first[1]),
  );
  const hasMore = !!last && !!(await last.continue());
  return { records: values.slice(start, start + pageSize).flatMap((value) => reader.valid(value) ?? []), hasMore };
}

/** Records by primary key, in one transaction; missing ones drop out, bad ones are skipped. */
async function getMany(db: HistoryDb, keys: Iterable<string>, reader: Reader): Promise<HistoryRecord[]> {
  const tx = db.transaction(STORE, 'readonly');
  const values = await Promise.all([...keys].map((key) => tx.store.get(key)));
  return values.flatMap((value) => (value === undefined ? [] : (reader.valid(value) ?? [])));
}

/** The calls a search can match (session id → start time), and the exact test for each. */
interface Matcher {
  hits: Map<string, number>;
  accept(record: HistoryRecord): boolean;
  truncated: boolean;
}

const nothing: Matcher = { hits: new Map(), accept: () => false, truncated: false };

async function numberMatcher(db: HistoryDb, text: string, country: string): Promise<Matcher> {
  const query = numberQuery(text, country);
  if (!query) return nothing;
  const found = await Promise.all(query.lookups.map((term) => termHits(db, term)));
  const hits = new Map(found.flatMap((one) => [...one.hits]));
  const accept = (record: HistoryRecord) =>
    sameNumberAs(query, record) && record.numberKeys.some((key) => query.lookups.some((term) => key.startsWith(term)));
  return { hits, truncated: found.some((one) => one.truncated), accept };
}

/**
 * Every word of the query is the prefix of a word of the name: the newest calls that match, as
 * many as the page needs (and one more, for hasMore), from the `names` store (terms.ts).
 */
async function nameMatcher(
  db: HistoryDb,
  text: string,
  { from, to, page, pageSize }: { from?: number; to?: number; page: number; pageSize: number },
): Promise<Matcher> {
  const query = [...new Set(nameQuery(text))];
  if (!query.length) return nothing;
  const { hits, truncated } = await nameHits(db, query, { from, to, count: (page + 1) * pageSize + 1 });
  return { hits, truncated, accept: (record) => matchesName(query, record.nameWords) };
}

/**
 * One page of the calls a matcher found, newest first: the terms carry the start times, so the
 * hits are sorted and cut to the page before any call is read; only the page's calls are.
 */
async function matchingPage(
  db: HistoryDb,
  matcher: Matcher,
  { from, to, page, pageSize }: { from?: number; to?: number; page: number; pageSize: number },
  reader: Reader,
): Promise<{ records: HistoryRecord[]; hasMore: boolean }> {
  const end = (page + 1) * pageSize;
  const ids = [...matcher.hits]
    .filter(([, startedAt]) => (from === undefined || startedAt >= from) && (to === undefined || startedAt <= to))
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? 1 : -1))
    .map(([id]) => id);
  // A term left behind by a call that failed validation may point at a call that no longer
  // matches: `accept` checks each call read.
  const records = (await getMany(db, ids.slice(page * pageSize, end), reader)).filter(matcher.accept);
  return { records: records.sort(newestFirst), hasMore: ids.length > end };
}

const inRange = (record: HistoryRecord, from?: number, to?: number) =>
  (from === undefined || record.startedAt >= from) && (to === undefined || record.startedAt <= to);

/** Runs a `historyQuery`. */
export async function queryHistory(db: HistoryDb, query: HistoryQuery, country: string): Promise<Found> {
  const page = query.page ?? 0;
  const pageSize = query.pageSize ?? DEFAULT_PAGE_SIZE;
  const reader = new Reader();
  const { from, to } = query;
  if (query.kind === 'search') {
    const text = query.text?.trim() ?? '';
    const matcher = isNumberSearch(text)
      ? await numberMatcher(db, text, country)
      : await nameMatcher(db, text, { from, to, page, pageSize });
    const found = await matchingPage(db, matcher, { from, to, page, pageSize }, reader);
    return {
      records: found.records.map((record) => toView(record, country)),
      page,
      pageSize,
      hasMore: found.hasMore,
      skipped: reader.skipped,
      ...(matcher.truncated ? { truncated: true } : {}),
    };
  }
  const { records, hasMore } =
    query.kind === 'missed'
      ? await pageByIndex(
          db,
          'outcomeStartedAt',
          IDBKeyRange.bound(['missed', from ?? 0], ['missed', to ?? Number.POSITIVE_INFINITY]),
          page,
          pageSize,
          reader,
        )
      : await pageByIndex(db, 'startedAt', bound(from, to), page, pageSize, reader);
  return {
    records: records.map((record) => toView(record, country)),
    page,
    pageSize,
    hasMore,
    skipped: reader.skipped,
  };
}

/** Earlier calls with the same number as `record` (for the card: "what did we say last time"). */
export async function previousCalls(
  db: HistoryDb,
  record: Pick<HistoryRecord, 'sessionId' | 'number' | 'e164'>,
  country: string,
  limit: number,
): Promise<HistoryView[]> {
  const reader = new Reader();
  const matcher = await numberMatcher(db, record.e164 ?? record.number, country);
  matcher.hits.delete(record.sessionId);
  const exact = record.e164 !== undefined;
  const same: Matcher = {
    ...matcher,
    accept: (other) => matcher.accept(other) && (exact || sameNumber(other.number, record.number)),
  };
  // Longer numbers that contain an extension's digits drop out after reading: read some extra.
  const { records } = await matchingPage(db, same, { page: 0, pageSize: limit * 4 }, reader);
  return records.slice(0, limit).map((other) => toView(other, country));
}

/** Every stored call in a start-time range, newest first, read in chunks by key. */
export async function allRecords(
  db: HistoryDb,
  from?: number,
  to?: number,
): Promise<{ records: HistoryRecord[]; skipped: number }> {
  const reader = new Reader();
  const records: HistoryRecord[] = [];
  let after: string | undefined;
  for (;;) {
    const range = after === undefined ? null : IDBKeyRange.lowerBound(after, true);
    const tx = db.transaction(STORE, 'readonly');
    const [values, keys] = await Promise.all([tx.store.getAll(range, 5000), tx.store.getAllKeys(range, 5000)]);
    for (const value of values) {
      const record = reader.valid(value);
      if (record && inRange(record, from, to)) records.push(record);
    }
    if (keys.length < 5000) break;
    after = keys[keys.length - 1];
  }
  return { records: records.sort(newestFirst), skipped: reader.skipped };
}
