/** The history schema upgrade from version 1 to version 2, with data written by version 1. */
import 'fake-indexeddb/auto';
import { openDB } from 'idb';
import { DB_VERSION, openHistoryDb, STORE } from '../../src/background/history/db';
import { queryHistory } from '../../src/background/history/queries';
import { HistoryStore, type WriteContext } from '../../src/background/history/store';
import v1Database from '../fixtures/history/v1-database.json';
import { answered, makeCall, missed, T0 } from '../support/historyFixtures';

const context: WriteContext = { country: 'DE', retention: { retentionDays: 0, maxCalls: 1_000_000 } };
const NAME = 'history-upgrade';

test('version 2 is the current schema', () => {
  expect(DB_VERSION).toBe(2);
});

test('calls written by version 1 survive the upgrade and are found through the new index', async () => {
  // Version 1, as it shipped: the store and its first three indexes.
  const v1 = new HistoryStore((onGone) => openHistoryDb({ name: NAME, version: 1, onGone }));
  const v1db = await v1.database();
  expect([...v1db.objectStoreNames].sort()).toEqual(['calls', 'terms']);
  expect([...v1db.transaction(STORE).store.indexNames]).toEqual(['startedAt']);
  const calls = Array.from({ length: 30 }, (_, i) => {
    const base = makeCall({
      sessionId: `v1-${i}`,
      startedAt: T0 + i * 60_000,
      remoteNumber: i % 2 ? '030 1234567' : '+1 212 555 0100',
    });
    return i % 3 === 0 ? missed(base) : answered(base);
  });
  await v1.recordCalls(calls, context);
  await v1.recordCalls([makeCall({ sessionId: 'v1-live', startedAt: T0 + 3_600_000 })], context);
  expect(await v1.setNote({ sessionId: 'v1-4', note: 'from version 1', disposition: 'sale' })).toBe(true);

  // The next PopLine opens the same database at version 2; the open version-1 connection is
  // asked to close (blocking) so the upgrade is never stuck behind it.
  const v2 = new HistoryStore((onGone) => openHistoryDb({ name: NAME, onGone }));
  const db = await v2.database();
  expect(db.version).toBe(2);
  expect([...db.transaction(STORE).store.indexNames].sort()).toEqual(['outcomeStartedAt', 'startedAt']);

  expect(await db.count(STORE)).toBe(31);
  const missedPage = await queryHistory(db, { kind: 'missed', pageSize: 200 }, 'DE');
  expect(missedPage.records.map((r) => r.sessionId)).toEqual(
    [27, 24, 21, 18, 15, 12, 9, 6, 3, 0].map((i) => `v1-${i}`),
  );
  expect(missedPage.skipped).toBe(0);
  // The index holds exactly the ended calls: the call in progress has no outcome.
  expect(await db.countFromIndex(STORE, 'outcomeStartedAt')).toBe(30);
  const search = await queryHistory(db, { kind: 'search', text: '+49 30 1234567', pageSize: 200 }, 'DE');
  expect(search.records).toHaveLength(16); // 15 odd ones and the call in progress
  expect(search.records.find((r) => r.sessionId === 'v1-4')).toBeUndefined();
  const byNote = await queryHistory(db, { kind: 'recent', pageSize: 200 }, 'DE');
  expect(byNote.records.find((r) => r.sessionId === 'v1-4')).toMatchObject({
    note: 'from version 1',
    disposition: 'sale',
  });
  // And version 2 goes on writing to them.
  await v2.recordCalls([missed(makeCall({ sessionId: 'v1-live', startedAt: T0 + 3_600_000 }))], context);
  const after = await queryHistory(db, { kind: 'missed', pageSize: 1 }, 'DE');
  expect(after.records[0]?.sessionId).toBe('v1-live');
  await v2.close();
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
