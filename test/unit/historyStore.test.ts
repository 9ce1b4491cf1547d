/** The IndexedDB call history store, in Node with fake-indexeddb. */
import 'fake-indexeddb/auto';
import { NAMES, openHistoryDb, STORE, TERMS } from '../../src/background/history/db';
import { importFromPbx } from '../../src/background/history/import';
import { allRecords, previousCalls, queryHistory } from '../../src/background/history/queries';
import { applyRetention } from '../../src/background/history/retention';
import { HistoryStore, QUOTA_PROBLEM, type WriteContext } from '../../src/background/history/store';
import { nameEntryOf } from '../../src/background/history/terms';
import type { Call } from '../../src/shared/calls';
import type { HistoryQuery } from '../../src/shared/history';
import { matchesName, nameQuery } from '../../src/shared/history/search';
import type { HistoryEntry } from '../../src/shared/protocol';
import { answered, makeCall, missed, T0 } from '../support/historyFixtures';

const context: WriteContext = { country: 'DE', retention: { retentionDays: 0, maxCalls: 1_000_000 } };
const DAY = 86_400_000;
let dbCount = 0;
let store: HistoryStore;
let now = T0;

beforeEach(() => {
  dbCount += 1;
  const name = `history-test-${dbCount}`;
  now = T0 + 365 * DAY;
  store = new HistoryStore(
    (onGone) => openHistoryDb({ name, onGone }),
    () => now,
  );
});

afterEach(() => store.close());

const query = async (q: HistoryQuery) => queryHistory(await store.database(), q, 'DE');
const ids = (page: { records: { sessionId: string }[] }) => page.records.map((r) => r.sessionId);

/** n ended calls, one a minute from T0, numbers and names varied. */
async function seed(n: number, patch: (i: number) => Partial<Call> = () => ({})): Promise<Call[]> {
  const calls = Array.from({ length: n }, (_, i) =>
    answered(makeCall({ sessionId: `c${i}`, startedAt: T0 + i * 60_000, ...patch(i) })),
  );
  await store.recordCalls(calls, context);
  return calls;
}

describe('writing as the call progresses', () => {
  test('created, answered, ended: one record that follows the call', async () => {
    const ringing = makeCall();
    await store.recordCalls([ringing], context);
    expect((await query({ kind: 'recent' })).records).toEqual([
      expect.objectContaining({ sessionId: 's1', number: '+49 30 1234567', numberDisplay: '030 1234567' }),
    ]);
    expect((await query({ kind: 'recent' })).records[0]?.outcome).toBeUndefined();

    const talking: Call = { ...ringing, phase: 'connected', wasConnected: true, answeredAt: T0 + 4000 };
    await store.recordCalls([talking], context);
    expect((await query({ kind: 'recent' })).records[0]).toMatchObject({ answeredAt: T0 + 4000 });

    await store.recordCalls([answered(ringing, 64_000)], context);
    const [record] = (await query({ kind: 'recent' })).records;
    expect(record).toMatchObject({ outcome: 'answered', talkSeconds: 60, endedAt: T0 + 64_000, source: 'live' });
    expect((await query({ kind: 'recent' })).records).toHaveLength(1);
  });

  test('the end of a call is written with strict durability', async () => {
    const db = await store.database();
    const spy = jest.spyOn(Object.getPrototypeOf(db), 'transaction');
    try {
      const durabilities = () =>
        spy.mock.calls.filter((c) => c[1] === 'readwrite').map((c) => (c[2] as { durability?: string })?.durability);
      await store.recordCalls([makeCall()], context);
      expect(durabilities()).toEqual(['default']);
      await store.recordCalls([answered(makeCall())], context);
      expect(durabilities()).toEqual(['default', 'strict']);
    } finally {
      spy.mockRestore();
    }
  });

  test('notes and disposition survive the later writes of the call', async () => {
    await store.recordCalls([makeCall()], context);
    expect(await store.setNote({ sessionId: 's1', note: ' wants a callback ', disposition: 'callback' })).toBe(true);
    await store.recordCalls([answered(makeCall())], context);
    expect((await query({ kind: 'recent' })).records[0]).toMatchObject({
      note: 'wants a callback',
      disposition: 'callback',
      outcome: 'answered',
    });
    await store.setNote({ sessionId: 's1', note: '' });
    expect((await query({ kind: 'recent' })).records[0]?.note).toBeUndefined();
    expect((await query({ kind: 'recent' })).records[0]?.disposition).toBe('callback');
    expect(await store.setNote({ sessionId: 'nope', note: 'x' })).toBe(false);
  });

  test('the CRM lookup fills in a name the PBX did not give, searchable; a PBX name stays', async () => {
    await store.recordCalls([makeCall({ remoteName: undefined })], context);
    expect(ids(await query({ kind: 'search', text: 'schmidt' }))).toEqual([]);
    expect(await store.setFoundName('s1', ' Anna Schmidt ')).toBe(true);
    await store.recordCalls([answered(makeCall({ remoteName: undefined }))], context);
    expect((await query({ kind: 'recent' })).records[0]).toMatchObject({ name: 'Anna Schmidt', outcome: 'answered' });
    expect(ids(await query({ kind: 'search', text: 'schmidt' }))).toEqual(['s1']);
    expect(await store.setFoundName('s1', 'Somebody Else')).toBe(true);
    expect((await query({ kind: 'recent' })).records[0]?.name).toBe('Anna Schmidt');
    expect(await store.setCrmRecord('s1', { url: 'https://crm.example.com/c/1', title: 'Anna Schmidt' })).toBe(true);
    expect((await query({ kind: 'recent' })).records[0]?.crmRecord).toEqual({
      url: 'https://crm.example.com/c/1',
      title: 'Anna Schmidt',
    });
    expect(await store.setCrmRecord('s1', { url: 'javascript:alert(1)' })).toBe(false);
    expect(await store.setFoundName('nope', 'x')).toBe(false);
  });

  test('a name learnt later replaces the old search terms', async () => {
    await store.recordCalls([makeCall({ remoteName: undefined, remoteNumber: 'sip:alice@pbx' })], context);
    await store.recordCalls([makeCall({ remoteName: 'Alice Meyer', remoteNumber: '+49 30 1234567' })], context);
    expect(ids(await query({ kind: 'search', text: 'meyer' }))).toEqual(['s1']);
    expect(ids(await query({ kind: 'search', text: 'alice' }))).toEqual(['s1']);
    expect(ids(await query({ kind: 'search', text: '1234567' }))).toEqual(['s1']);
    const db = await store.database();
    // The number terms follow the new number; the name terms the new name, none of the old left.
    expect((await db.getAllKeys(TERMS)).map((key) => key[0])).toEqual(['d49301234567', 'p301234567', 'r76543210394']);
    const entries = await db.getAll(NAMES);
    expect(entries.map(({ id, startedAt, words }) => ({ id, startedAt, words }))).toEqual([
      { id: 's1', startedAt: T0, words: 'alice meyer' },
    ]);
    // Found by the new word alone and with the old one, by its index terms.
    expect(ids(await query({ kind: 'search', text: 'mey ali' }))).toEqual(['s1']);
    expect(await db.countFromIndex(NAMES, 'term', IDBKeyRange.bound(['pal me'], ['pal me', []]))).toBe(1);
  });

  test('a CRM record link is kept, only http(s)', async () => {
    await store.recordCalls([makeCall()], context);
    expect(await store.setCrmRecord('s1', { url: 'javascript:alert(1)' })).toBe(false);
    expect(await store.setCrmRecord('s1', { url: 'https://crm.example/c/1', title: 'Anna' })).toBe(true);
    expect((await query({ kind: 'recent' })).records[0]?.crmRecord).toEqual({
      url: 'https://crm.example/c/1',
      title: 'Anna',
    });
  });
});

describe('queries', () => {
  const numbers = ['+49 30 1234567', '030 7654321', '0049 89 5550100', '+1 212 555 0100', '1002', 'sip:alice@pbx'];
  const names = ['Anna Schmidt', 'Jürgen Müller', 'Schmitt & Söhne GmbH', 'John Doe', undefined, undefined];
  beforeEach(() => seed(60, (i) => ({ remoteNumber: numbers[i % 6] as string, remoteName: names[i % 6] })));

  test.each([
    ['+49 30 1234567'],
    ['030 1234567'],
    ['0049301234567'],
    ['030-123 45 67'],
    ['(030) 1234567'],
    ['+49 (0)30 1234567'],
  ])('a number in any format: %s', async (text) => {
    const page = await query({ kind: 'search', text, pageSize: 50 });
    expect(page.records).toHaveLength(10);
    expect(page.records.every((r) => r.e164 === '+49301234567')).toBe(true);
    // Newest first.
    expect(ids(page)[0]).toBe('c54');
  });

  test('part of a number, an extension, a foreign number', async () => {
    expect((await query({ kind: 'search', text: '4567' })).records.map((r) => r.number)).toEqual(
      Array(10).fill('+49 30 1234567'),
    );
    expect((await query({ kind: 'search', text: '1002' })).records).toHaveLength(10);
    expect((await query({ kind: 'search', text: '+1 (212) 555-0100' })).records).toHaveLength(10);
    expect((await query({ kind: 'search', text: '030 99' })).records).toHaveLength(0);
  });

  test('a name by the prefix of any word', async () => {
    const schm = await query({ kind: 'search', text: 'schm', pageSize: 100 });
    expect(new Set(schm.records.map((r) => r.name))).toEqual(new Set(['Anna Schmidt', 'Schmitt & Söhne GmbH']));
    expect((await query({ kind: 'search', text: 'muller' })).records).toHaveLength(10);
    expect((await query({ kind: 'search', text: 'SÖHNE schmi' })).records).toHaveLength(10);
    expect((await query({ kind: 'search', text: 'alice' })).records).toHaveLength(10);
    expect((await query({ kind: 'search', text: 'midt' })).records).toHaveLength(0);
  });

  test('a date range, alone and with a search', async () => {
    const from = T0 + 10 * 60_000;
    const to = T0 + 19 * 60_000;
    const page = await query({ kind: 'recent', from, to });
    expect(ids(page)).toEqual(Array.from({ length: 10 }, (_, i) => `c${19 - i}`));
    expect(ids(await query({ kind: 'search', text: 'anna', from, to }))).toEqual(['c18', 'c12']);
  });

  test('recent calls, paged, newest first, without overlap', async () => {
    const pages = await Promise.all([0, 1, 2].map((page) => query({ kind: 'recent', page, pageSize: 25 })));
    expect(pages.map((p) => p.hasMore)).toEqual([true, true, false]);
    const all = pages.flatMap(ids);
    expect(all).toEqual(Array.from({ length: 60 }, (_, i) => `c${59 - i}`));
    const search = await query({ kind: 'search', text: 'anna', page: 1, pageSize: 4 });
    expect(ids(search)).toEqual(['c30', 'c24', 'c18', 'c12']);
    expect(search.hasMore).toBe(true);
  });

  test('calls that started in the same millisecond are neither lost nor repeated across pages', async () => {
    await store.clear();
    // Three clusters of equal start times; pages of 1, 3 and 4 cut through them.
    await seed(14, (i) => ({ startedAt: T0 + Math.floor(i / 5) * 1000 }));
    const expected = Array.from({ length: 14 }, (_, i) => i)
      .sort((a, b) => Math.floor(b / 5) - Math.floor(a / 5) || (`c${b}` < `c${a}` ? -1 : 1))
      .map((i) => `c${i}`);
    for (const pageSize of [1, 3, 4]) {
      const seen: string[] = [];
      for (let page = 0; ; page++) {
        const result = await query({ kind: 'recent', page, pageSize });
        seen.push(...ids(result));
        if (!result.hasMore) break;
      }
      expect(seen).toEqual(expected);
    }
    const window = await query({ kind: 'recent', from: T0 + 1000, to: T0 + 1000, pageSize: 3, page: 1 });
    expect(ids(window)).toEqual(expected.slice(7, 9));
  });

  test('missed calls only', async () => {
    await store.recordCalls(
      [missed(makeCall({ sessionId: 'm1', startedAt: T0 - 5000 })), makeCall({ sessionId: 'live', startedAt: T0 })],
      context,
    );
    await store.recordCalls([missed(makeCall({ sessionId: 'm2', startedAt: T0 + DAY }))], context);
    expect(ids(await query({ kind: 'missed' }))).toEqual(['m2', 'm1']);
    expect(ids(await query({ kind: 'missed', to: T0 }))).toEqual(['m1']);
  });

  test('earlier calls with the same number', async () => {
    const found = await previousCalls(await store.database(), { sessionId: 'c54', number: '030 1234567' }, 'DE', 3);
    expect(ids({ records: found })).toEqual(['c48', 'c42', 'c36']);
    const ext = await previousCalls(await store.database(), { sessionId: 'x', number: '1002' }, 'DE', 50);
    expect(ext.every((r) => r.number === '1002')).toBe(true);
    expect(ext).toHaveLength(10);
  });
});

describe('searches with many matches', () => {
  test('more matches than are read whole: paged through the time index, newest first', async () => {
    // 700 calls from Anna Schmidt (over FETCH_ALL), every fifth from another number; others between.
    await seed(900, (i) =>
      i % 9 < 7
        ? { remoteName: 'Anna Schmidt', remoteNumber: i % 5 ? '+49 30 1234567' : '+49 40 999888' }
        : { remoteName: 'Bernd Schmitz', remoteNumber: '+49 30 7777777' },
    );
    const anna = Array.from({ length: 900 }, (_, i) => i)
      .filter((i) => i % 9 < 7)
      .reverse();
    const page0 = await query({ kind: 'search', text: 'schmidt', pageSize: 50 });
    expect(ids(page0)).toEqual(anna.slice(0, 50).map((i) => `c${i}`));
    expect(page0.hasMore).toBe(true);
    const page3 = await query({ kind: 'search', text: 'anna schm', page: 3, pageSize: 50 });
    expect(ids(page3)).toEqual(anna.slice(150, 200).map((i) => `c${i}`));
    const last = await query({ kind: 'search', text: 'ann', page: 13, pageSize: 50 });
    expect(ids(last)).toEqual(anna.slice(650).map((i) => `c${i}`));
    expect(last.hasMore).toBe(false);
    // Both words must match: "anna schmitz" is nobody.
    expect((await query({ kind: 'search', text: 'anna schmitz' })).records).toEqual([]);
    const byNumber = await query({ kind: 'search', text: '030 1234567', pageSize: 200 });
    expect(byNumber.records).toHaveLength(200);
    expect(byNumber.records.every((r) => r.e164 === '+49301234567')).toBe(true);
    const inRange = await query({ kind: 'search', text: 'schm', from: T0, to: T0 + 99 * 60_000, pageSize: 200 });
    expect(ids(inRange)).toEqual(Array.from({ length: 100 }, (_, i) => `c${99 - i}`));
  });
});

describe('name search through the names index', () => {
  // What the query must return, from every stored call: the newest first (start time, then
  // session id, both descending), every query word the prefix of a word of the name.
  async function reference(q: { text: string; from?: number; to?: number; page: number; pageSize: number }) {
    const words = [...new Set(nameQuery(q.text))];
    const { records } = await allRecords(await store.database(), q.from, q.to);
    const matching = words.length ? records.filter((r) => matchesName(words, r.nameWords)) : [];
    return cut(matching, q);
  }

  function cut(matching: { sessionId: string }[], q: { page: number; pageSize: number }) {
    const end = (q.page + 1) * q.pageSize;
    return { ids: matching.slice(q.page * q.pageSize, end).map((r) => r.sessionId), hasMore: matching.length > end };
  }

  test('pages, date ranges, ties and long words: the same calls a scan of every call finds', async () => {
    const names = [
      'Anna Schmidt',
      'Anna Annika Schmidtberger',
      'Annabelle Schmitz',
      'Jürgen Müller',
      'Schmitt & Söhne GmbH',
      'Zoé Ånström',
      'Mehmet Schmidt-Anna',
      undefined,
    ];
    // 600 calls; start times are shared by three calls, so pages cut through ties.
    await seed(600, (i) => ({
      remoteName: names[(i * 7) % names.length],
      remoteNumber: i % 11 === 0 ? 'sip:annette@pbx' : `+49 30 ${1_000_000 + (i % 50)}`,
      startedAt: T0 + Math.floor(i / 4) * 60_000 + (i % 4 === 3 ? 1 : 0),
    }));
    const texts = ['a', 'ann', 'anna', 'ANNA schm', 'schmidtb', 'schmidtberger', 'anna anna', 'schm ann zz'];
    texts.push('muller', 'söhne gmbh', 'annette', 'anstr', 'o', 'mehmet anna schmidt', 'nobody', '-- --');
    texts.push('ann anna', 'schmidt schm sch', 'an annik', 'gm so schmi');
    const windows = [{}, { from: T0 + 50 * 60_000, to: T0 + 120 * 60_000 }, { to: T0 + 30 * 60_000 + 1 }];
    let compared = 0;
    let nonEmpty = 0;
    for (const text of texts) {
      for (const window of windows) {
        const words = [...new Set(nameQuery(text))];
        const all = (await allRecords(await store.database(), window.from, window.to)).records;
        const matching = words.length ? all.filter((r) => matchesName(words, r.nameWords)) : [];
        for (const [page, pageSize] of [
          [0, 50],
          [0, 1],
          [3, 7],
          [1, 200],
          [40, 4],
        ] as const) {
          const q = { text, ...window, page, pageSize };
          const expected = cut(matching, q);
          const found = await query({ kind: 'search', ...q });
          expect({ q, ids: ids(found), hasMore: found.hasMore }).toEqual({ q, ...expected });
          expect(found.truncated).toBeUndefined();
          compared += 1;
          if (expected.ids.length) nonEmpty += 1;
        }
      }
    }
    // The comparison is not between two empty answers.
    expect(compared).toBe(texts.length * 15);
    expect(nonEmpty).toBeGreaterThan(compared / 3);
    // Broad words span many of the index's read chunks (the first one is 128 entries).
    expect((await reference({ text: 'a', page: 0, pageSize: 1000 })).ids.length).toBeGreaterThan(300);
  });

  test('the index holds the starts of each word up to four characters and of every two words up to two, newest first', async () => {
    await seed(2, (i) => ({ remoteName: i ? 'Ann Schmidtberger' : 'Ann' }));
    const db = await store.database();
    const entry = await db.get(NAMES, 'c1');
    expect(entry?.words).toBe('ann schmidtberger');
    expect(entry?.terms.every(([, negStart, id]) => negStart === -(T0 + 60_000) && id === 'c1')).toBe(true);
    expect(entry?.terms.map(([term]) => term).sort()).toEqual(
      [...['na', 'nan', 'nann', 'ns', 'nsc', 'nsch', 'nschm'], ...['pa s', 'pa sc', 'pan s', 'pan sc']].sort(),
    );
    // c1 started a minute after c0: it comes first under a shared term.
    const tx = db.transaction(NAMES);
    const order: string[] = [];
    for await (const cursor of tx.store.index('term').iterate(IDBKeyRange.bound(['nann'], ['nann', []])))
      order.push(cursor.value.id);
    expect(order).toEqual(['c1', 'c0']);
  });
});

describe('bad stored data', () => {
  test('a record that fails validation is skipped and reported, and queries go on', async () => {
    await seed(5);
    const db = await store.database();
    await db.put(STORE, { sessionId: 'bad1', startedAt: T0 + 1, numberKeys: ['4567'], nameWords: ['anna'] } as never);
    await db.put(STORE, {
      ...(await db.get(STORE, 'c2')),
      sessionId: 'bad2',
      direction: 'sideways',
    } as never);
    // Their search terms, as if they had been indexed before they were damaged.
    for (const sessionId of ['bad1', 'bad2']) {
      await db.put(TERMS, 0, ['r7654', T0 + 1, sessionId]);
      await db.put(NAMES, nameEntryOf({ sessionId, startedAt: T0 + 1, numberKeys: [], nameWords: ['anna'] }) as never);
    }
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const recent = await query({ kind: 'recent' });
      expect(recent.skipped).toBe(2);
      expect(ids(recent)).toEqual(['c4', 'c3', 'c2', 'c1', 'c0']);
      const search = await query({ kind: 'search', text: '4567' });
      expect(search.records).toHaveLength(5);
      expect(search.skipped).toBe(2);
      const byName = await query({ kind: 'search', text: 'anna' });
      expect([byName.records.length, byName.skipped]).toEqual([5, 2]);
      const exported = await allRecords(db);
      expect([exported.records.length, exported.skipped]).toEqual([5, 2]);
      expect(warn.mock.calls.map((c) => String(c[0])).join('\n')).toMatch(/skipped an invalid stored call \(bad1\)/);
      // A corrupt record under a live call's id is replaced by the call's next write.
      await db.put(STORE, { sessionId: 's1', junk: true } as never);
      await store.recordCalls([answered(makeCall())], context);
      expect(await db.get(STORE, 's1')).toMatchObject({ sessionId: 's1', outcome: 'answered' });
    } finally {
      warn.mockRestore();
    }
  });
});

describe('retention, clearing and quota', () => {
  test('by age and by count, oldest first', async () => {
    await seed(30, (i) => ({ startedAt: T0 + i * DAY }));
    const db = await store.database();
    // Days 0..29; keep 10 days back from day 29 → days 19..29 stay (11 calls).
    expect(await applyRetention(db, { retentionDays: 10, maxCalls: 1000 }, T0 + 29 * DAY)).toBe(19);
    expect(await applyRetention(db, { retentionDays: 0, maxCalls: 5 }, T0 + 29 * DAY)).toBe(6);
    expect(ids(await query({ kind: 'recent' }))).toEqual(['c29', 'c28', 'c27', 'c26', 'c25']);
    // Their search terms went with them.
    const termOwners = new Set((await db.getAllKeys(TERMS)).map((key) => key[2]));
    expect([...termOwners].sort()).toEqual(['c25', 'c26', 'c27', 'c28', 'c29']);
    const nameOwners = new Set(await db.getAllKeys(NAMES));
    expect([...nameOwners].sort()).toEqual(['c25', 'c26', 'c27', 'c28', 'c29']);
  });

  test('applied automatically after writes, throttled', async () => {
    const tight: WriteContext = { country: 'DE', retention: { retentionDays: 0, maxCalls: 100 } };
    const info = jest.spyOn(console, 'info').mockImplementation(() => undefined);
    for (let i = 0; i < 3; i++) {
      const calls = Array.from({ length: 60 }, (_, j) =>
        answered(makeCall({ sessionId: `b${i}-${j}`, startedAt: T0 + (i * 60 + j) * 1000 })),
      );
      await store.recordCalls(calls, tight);
      now += 11 * 60_000;
    }
    await store.settled();
    expect(info.mock.calls.map((c) => c[0])).toEqual([
      '[PopLine] history: retention removed 20 calls',
      '[PopLine] history: retention removed 60 calls',
    ]);
    info.mockRestore();
    const db = await store.database();
    expect(await db.count(STORE)).toBe(100);
    expect(await db.get(STORE, 'b0-0')).toBeUndefined();
    expect(await db.get(STORE, 'b2-59')).toBeDefined();
  });

  test('clear removes everything', async () => {
    await seed(12);
    expect(await store.clear()).toBe(12);
    expect((await query({ kind: 'recent' })).records).toEqual([]);
    expect(await (await store.database()).count(TERMS)).toBe(0);
    expect(await (await store.database()).count(NAMES)).toBe(0);
  });

  describe('a full quota', () => {
    const proto = globalThis.IDBObjectStore.prototype as unknown as {
      put: (...args: unknown[]) => unknown;
    };
    const realPut = proto.put;
    let limit = Number.POSITIVE_INFINITY;
    beforeAll(() => {
      // A disk that holds `limit` calls: adding one more fails the transaction as Chromium does.
      proto.put = function (this: unknown, value: { sessionId: string }, ...rest: unknown[]) {
        const self = this as {
          name: string;
          _rawObjectStore: { records: { size(): number; get(k: string): unknown } };
        };
        const raw = self._rawObjectStore.records;
        if (self.name === STORE && raw.size() >= limit && raw.get(value.sessionId) === undefined) {
          const tx = (this as unknown as { transaction: { _execRequestAsync(r: object): unknown } }).transaction;
          return tx._execRequestAsync({
            source: this,
            operation: () => {
              throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
            },
          });
        }
        return realPut.call(this, value, ...rest);
      } as never;
    });
    afterAll(() => {
      proto.put = realPut;
    });
    afterEach(() => {
      limit = Number.POSITIVE_INFINITY;
    });

    test('the oldest calls make room and the new call is written', async () => {
      await seed(400);
      limit = 400;
      const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
      await store.recordCalls([makeCall({ sessionId: 'new', startedAt: T0 + DAY })], context);
      warn.mockRestore();
      const db = await store.database();
      expect(await db.get(STORE, 'new')).toBeDefined();
      // 5% of 400 is 20, at least 200 go.
      expect(await db.count(STORE)).toBe(201);
      expect(await db.get(STORE, 'c199')).toBeUndefined();
      expect(await db.get(STORE, 'c200')).toBeDefined();
      expect(store.problem).toBeUndefined();
    });

    test('when nothing helps: a clear message, and the call is written once there is room', async () => {
      limit = 0;
      const quiet = [jest.spyOn(console, 'warn'), jest.spyOn(console, 'error')].map((s) =>
        s.mockImplementation(() => undefined),
      );
      await store.recordCalls([answered(makeCall({ sessionId: 'kept' }))], context);
      expect(store.problem).toBe(QUOTA_PROBLEM);
      const page = await query({ kind: 'recent' });
      expect(page.records).toEqual([]);
      limit = Number.POSITIVE_INFINITY;
      await store.recordCalls([makeCall({ sessionId: 'next' })], context);
      for (const spy of quiet) spy.mockRestore();
      expect(store.problem).toBeUndefined();
      expect(ids(await query({ kind: 'recent' })).sort()).toEqual(['kept', 'next']);
      expect((await query({ kind: 'recent' })).records.find((r) => r.sessionId === 'kept')?.outcome).toBe('answered');
    });
  });
});

describe('import from the PBX', () => {
  const entry = (i: number, patch: Partial<HistoryEntry> = {}): HistoryEntry => ({
    sessionId: `p${i}`,
    startTime: new Date(T0 - i * 60_000).toISOString(),
    direction: 'Inbound',
    caller: `+4930555${String(i).padStart(4, '0')}`,
    callee: '1001',
    state: 'CalleeHungUp',
    talkDuration: 30,
    ...patch,
  });
  const pbx = (entries: HistoryEntry[]) => {
    const requests: number[] = [];
    return {
      requests,
      async getCallHistory(page: number, rows: number) {
        requests.push(page);
        return { total: entries.length, entries: entries.slice(page * rows, (page + 1) * rows) };
      },
    };
  };
  const options = {
    rules: { extension: '1001', extraNumbers: [], monitorAll: false },
    country: 'DE',
    limit: 10_000,
    now: T0,
  };

  test('merged without duplicates, paged, twice, next to live calls', async () => {
    await store.recordCalls([answered(makeCall({ sessionId: 'p3', remoteName: 'Live name' }))], context);
    const entries = [
      ...Array.from({ length: 450 }, (_, i) => entry(i)),
      entry(900, { startTime: 'garbage' }),
      entry(901, { callee: '2002' }),
    ];
    const connector = pbx(entries);
    const first = await importFromPbx(connector, store, options);
    expect(first).toMatchObject({ added: 449, existing: 1, rejected: 2, total: 452 });
    expect(first.reasons[0]).toMatch(/p900: bad start time/);
    expect(connector.requests).toEqual([0, 1, 2]);
    const again = await importFromPbx(connector, store, options);
    expect(again).toMatchObject({ added: 0, existing: 450 });
    const db = await store.database();
    expect(await db.count(STORE)).toBe(450);
    // The live record was left as it was.
    expect(await db.get(STORE, 'p3')).toMatchObject({ source: 'live', name: 'Live name' });
    expect(await db.get(STORE, 'p4')).toMatchObject({ source: 'pbx', outcome: 'answered', talkSeconds: 30 });
    // Imported calls are searchable like live ones.
    expect(ids(await query({ kind: 'search', text: '030 5550007' }))).toEqual(['p7']);
  });

  test('a limit stops early', async () => {
    const connector = pbx(Array.from({ length: 450 }, (_, i) => entry(i)));
    expect(await importFromPbx(connector, store, { ...options, limit: 250 })).toMatchObject({ added: 250 });
    expect(connector.requests).toEqual([0, 1]);
  });
});
