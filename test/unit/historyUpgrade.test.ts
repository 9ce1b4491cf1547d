/** The history schema upgrades (1 → 2 → 3), with data as versions 1 and 2 wrote it. */
import 'fake-indexeddb/auto';
import { openDB } from 'idb';
import { DB_VERSION, NAMES, openHistoryDb, STORE, TERMS } from '../../src/background/history/db';
import { queryHistory } from '../../src/background/history/queries';
import { HistoryStore, type WriteContext } from '../../src/background/history/store';
import { nameEntryOf, termsOf } from '../../src/background/history/terms';
import { type HistoryRecord, recordFromCall } from '../../src/shared/history';
import v1Database from '../fixtures/history/v1-database.json';
import { answered, makeCall, missed, T0 } from '../support/historyFixtures';

const context: WriteContext = { country: 'DE', retention: { retentionDays: 0, maxCalls: 1_000_000 } };
const NAME = 'history-upgrade';
const DAY = 86_400_000;

test('version 3 is the current schema', () => {
  expect(DB_VERSION).toBe(3);
});

/** What version 2 stored for a call: the record, and its terms, the name words as `w` terms among them. */
function v2Terms(record: HistoryRecord): [string, number, string][] {
  const terms = new Set([...record.numberKeys, ...record.nameWords.map((word) => `w${word}`)]);
  return [...terms].map((term) => [term, record.startedAt, record.sessionId]);
}

test('calls written by version 2 upgrade to version 3: the names index is built from them, the old name terms go', async () => {
  // Version 2's schema, from its own upgrade steps; its contents as version 2 wrote them.
  let gone = 0;
  const v2db = await openHistoryDb({ name: NAME, version: 2, onGone: () => (gone += 1) });
  expect([...v2db.objectStoreNames].sort()).toEqual(['calls', 'terms']);
  const people = ['Anna Schmidt', 'Annabelle Schmitz', 'Jürgen Müller', undefined];
  const records = Array.from({ length: 2500 }, (_, i) => {
    const call = makeCall({
      sessionId: `v2-${String(i).padStart(4, '0')}`,
      startedAt: T0 + i * 60_000,
      remoteName: people[i % people.length],
      remoteNumber: i % 2 ? '030 1234567' : '+1 212 555 0100',
    });
    return recordFromCall(i % 3 === 0 ? missed(call) : answered(call), 'DE', T0 + DAY);
  });
  const write = v2db.transaction(['calls', 'terms'], 'readwrite');
  for (const record of records) {
    void write.objectStore('calls').put(record);
    for (const key of v2Terms(record)) void write.objectStore('terms').put(0, key);
  }
  // A damaged record with a name: left out of the new index, the upgrade goes on.
  void write.objectStore('calls').put({ sessionId: 'v2-bad', startedAt: T0, nameWords: ['anna'] } as never);
  await write.done;
  const oldNameTerms = IDBKeyRange.bound(['w'], ['w\uffff']);
  expect(await v2db.count('terms', oldNameTerms)).toBeGreaterThan(0); // positive control

  // The next PopLine opens the same database at version 3; the open version-2 connection is
  // asked to close (blocking) so the upgrade is never stuck behind it.
  const v3 = new HistoryStore((onGone) => openHistoryDb({ name: NAME, onGone }));
  const db = await v3.database();
  expect(db.version).toBe(3);
  expect(gone).toBe(1);
  expect([...db.objectStoreNames].sort()).toEqual(['calls', 'names', 'terms']);
  // Exactly the name entries of the valid calls with a name (over several of the upgrade's chunks of 1000).
  const entries = await db.getAll(NAMES);
  const expected = records.flatMap((record) => nameEntryOf(record) ?? []);
  expect(entries.length).toBe(1875);
  expect(entries).toEqual(expected);
  expect(entries.some((entry) => entry.id === 'v2-bad')).toBe(false);
  // The number terms stay; the name word terms of versions 1 and 2 are gone.
  expect(await db.count(TERMS, oldNameTerms)).toBe(0);
  expect(await db.count(TERMS)).toBe(records.flatMap(termsOf).length);

  const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  try {
    const search = (text: string, pageSize = 50, page = 0) =>
      queryHistory(db, { kind: 'search', text, pageSize, page }, 'DE');
    const annaSchmidt = records.filter((_, i) => i % 4 === 0).reverse();
    const page = await search('anna schmid', 50, 2);
    expect(page.records.map((r) => r.sessionId)).toEqual(annaSchmidt.slice(100, 150).map((r) => r.sessionId));
    expect((await search('schmi', 2000)).records).toHaveLength(1250);
    expect((await search('muller', 1000)).records).toHaveLength(625);
    expect((await search('+49 30 1234567', 2000)).records).toHaveLength(1250);
    const missedPage = await queryHistory(db, { kind: 'missed', pageSize: 3 }, 'DE');
    expect(missedPage.records.map((r) => r.sessionId)).toEqual(['v2-2499', 'v2-2496', 'v2-2493']);
  } finally {
    warn.mockRestore();
  }
  // And version 3 goes on writing to them: a name learnt later is found by it.
  expect(await v3.setFoundName('v2-0003', 'Zoé Ånström')).toBe(true);
  const found = await queryHistory(db, { kind: 'search', text: 'zoe anst' }, 'DE');
  expect(found.records.map((r) => r.sessionId)).toEqual(['v2-0003']);
  await v3.close();
});

test('a database as version 1 wrote it (raw records and term keys, no code of today) upgrades and is read', async () => {
  // test/fixtures/history/v1-database.json: what the version-1 store (commit 499e437) left in IndexedDB.
  const fixture = v1Database as unknown as { version: number; calls: unknown[]; terms: [string, number, string][] };
  expect(fixture.version).toBe(1);
  const name = 'history-upgrade-raw';
  // Version 1's schema and contents, written with plain IndexedDB calls.
  const raw = await openDB(name, 1, {
    upgrade(db) {
      db.createObjectStore('calls', { keyPath: 'sessionId' }).createIndex('startedAt', 'startedAt');
      db.createObjectStore('terms');
    },
  });
  const write = raw.transaction(['calls', 'terms'], 'readwrite');
  for (const record of fixture.calls) await write.objectStore('calls').put(record);
  for (const key of fixture.terms) await write.objectStore('terms').put(0, key);
  await write.done;
  raw.close();

  const store = new HistoryStore((onGone) => openHistoryDb({ name, onGone }));
  const db = await store.database();
  expect(db.version).toBe(DB_VERSION);
  expect(await db.count(STORE)).toBe(13);
  // Missed calls come from the new index, over records version 1 wrote.
  const missedPage = await queryHistory(db, { kind: 'missed', pageSize: 50 }, 'DE');
  expect(missedPage.records.map((r) => r.sessionId)).toEqual(['v1-9', 'v1-6', 'v1-3', 'v1-0']);
  expect(missedPage.skipped).toBe(0);
  // Search through version 1's term keys: by number in another format, and by a folded name.
  const byNumber = await queryHistory(db, { kind: 'search', text: '+49 30 1234567', pageSize: 50 }, 'DE');
  expect(byNumber.records.map((r) => r.sessionId).sort()).toEqual([
    'v1-1',
    'v1-11',
    'v1-3',
    'v1-5',
    'v1-7',
    'v1-9',
    'v1-live',
  ]);
  const byName = await queryHistory(db, { kind: 'search', text: 'nunez', pageSize: 50 }, 'DE');
  expect(byName.records).toHaveLength(6);
  const recent = await queryHistory(db, { kind: 'recent', pageSize: 50 }, 'DE');
  expect(recent.skipped).toBe(0);
  expect(recent.records.find((r) => r.sessionId === 'v1-4')).toMatchObject({
    note: 'from version 1',
    disposition: 'sale',
  });
  // The call that was in progress in version 1 ends under version 2, in the new index at once.
  await store.recordCalls([missed(makeCall({ sessionId: 'v1-live', startedAt: T0 + 3_600_000 }))], context);
  expect((await queryHistory(db, { kind: 'missed', pageSize: 1 }, 'DE')).records[0]?.sessionId).toBe('v1-live');
  await store.close();
});
