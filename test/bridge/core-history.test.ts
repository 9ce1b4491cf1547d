/**
 * The bridge's own call history (for sources without one): bounded, newest first, filtered like
 * getCallHistory, persisted as JSON lines that survive a restart, a torn last line and compaction.
 */
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HistoryStore } from '../../bridge/src/server/history';
import type { HistoryQuery } from '../../bridge/src/sources/types';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'popline-history-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const entry = (n: number, callee = '1001') => ({
  sessionId: `c${n}`,
  startTime: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
  caller: `+4930${n}`,
  callee,
  state: 'CallerHungUp',
  talkDuration: n,
});
const all: HistoryQuery = { pageNumber: 0, pageRows: 1000, numbers: null };
const ids = (store: HistoryStore, query: Partial<HistoryQuery> = {}) =>
  store.query({ ...all, ...query }).entries.map((e) => e.sessionId);

test('bounded and newest first; survives a restart; compacts its file', () => {
  const file = join(dir, 'history.jsonl');
  const store = new HistoryStore(10, file);
  for (let n = 1; n <= 35; n++) store.add(entry(n));
  expect(ids(store)).toEqual(Array.from({ length: 10 }, (_, i) => `c${35 - i}`));
  // Compacted on the way: the file never holds much more than twice the bound.
  expect(readFileSync(file, 'utf8').trim().split('\n').length).toBeLessThanOrEqual(30);
  const reopened = new HistoryStore(10, file);
  expect(ids(reopened)).toEqual(ids(store));
  expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(10);
});

test('a line torn by a crash is skipped, the rest is kept', () => {
  const file = join(dir, 'history.jsonl');
  const store = new HistoryStore(100, file);
  store.add(entry(1));
  store.add(entry(2));
  appendFileSync(file, '{"sessionId":"c3","startT');
  expect(ids(new HistoryStore(100, file))).toEqual(['c2', 'c1']);
});

test('filters: whose calls, text, time range, pages', () => {
  const store = new HistoryStore(100);
  for (let n = 1; n <= 6; n++) store.add(entry(n, n % 2 ? '1001' : '1002'));
  expect(ids(store, { numbers: ['1002'] })).toEqual(['c6', 'c4', 'c2']);
  expect(ids(store, { general: '+49305' })).toEqual(['c5']);
  expect(ids(store, { from: Date.UTC(2026, 0, 1, 0, 0, 3), to: Date.UTC(2026, 0, 1, 0, 0, 4) })).toEqual(['c4', 'c3']);
  expect(store.query({ ...all, pageNumber: 1, pageRows: 4 })).toMatchObject({
    total: 6,
    entries: [{ sessionId: 'c2' }, { sessionId: 'c1' }],
  });
});

test('without a file it is memory only', () => {
  const store = new HistoryStore(5);
  store.add(entry(1));
  expect(ids(new HistoryStore(5))).toEqual([]);
  expect(ids(store)).toEqual(['c1']);
});
