/**
 * The call history benchmark's page side (bundled by bench/history.mjs and run in Chromium):
 * fills the real store (src/background/history) with synthetic calls through its bulk path and
 * times the queries the popup and the card make, each against a floor read on the same database.
 * Times are measured here, in the page, with performance.now().
 */
import { type HistoryDb, openHistoryDb, STORE } from '../src/background/history/db';
import { queryHistory } from '../src/background/history/queries';
import { HistoryStore, type WriteContext } from '../src/background/history/store';
import type { Call } from '../src/shared/calls';
import type { EndReason } from '../src/shared/calls/state';
import { type HistoryQuery, recordFromCall } from '../src/shared/history';

export interface BenchOptions {
  calls: number;
  batch: number;
  queries: number;
  /** Wait for startQueries() before timing the queries (for a CPU profile of them alone). */
  pause?: boolean;
}

export interface Timing {
  p50: number;
  p95: number;
  max: number;
  n: number;
  /** Average number of calls a query returned. */
  hits: number;
}

export interface BenchResult {
  calls: number;
  insertSeconds: number;
  insertPerSecond: number;
  liveWrite: Timing;
  /** Each kind of query, and its floor (see floorRead) measured alongside. */
  timings: Record<string, { query: Timing; floor: Timing }>;
  usageBytes: number | null;
}

const COUNTRY = 'DE';
const DAY = 86_400_000;
const FIRST = [
  ...['Anna', 'Jürgen', 'Maria', 'Péter', 'Olivia', 'John', 'Chloé', 'Ahmed', 'Yuki', 'Lars', 'Sofia', 'Max'],
  ...['Lena', 'Tomás', 'Emma', 'Noah', 'Zoé', 'Mateo', 'Ingrid', 'Kofi', 'Aiko', 'Mehmet', 'Nina', 'Oskar'],
  ...['Clara', 'Felix', 'Hana', 'Ivan', 'Julia', 'Karl', 'Lucía', 'Marek', 'Nora', 'Paul', 'Rosa', 'Sven'],
];
// 30 × 20 made-up surnames, a realistic spread (a real customer base has thousands of names).
const LAST = ['Schm', 'Müll', 'Kov', 'Garc', 'Jon', 'Dub', 'Nak', 'Hans', 'Ross', 'Nov', 'Bau', 'Wag', 'Fisch']
  .concat(['Web', 'Mey', 'Wolf', 'Schä', 'Kell', 'Rich', 'Hoff', 'Lang', 'Kra', 'Zim', 'Brau', 'Hart', 'Lor', 'Sim'])
  .concat(['Vog', 'Hub', 'Ber'])
  .flatMap((stem) =>
    ['idt', 'er', 'ács', 'ia', 'es', 'ois', 'amura', 'en', 'i', 'ak', 'mann', 'ner', 'berg', 'ke', 'horst']
      .concat(['stein', 'feld', 'ová', 'ović', 'sson'])
      .map((end) => stem + end),
  );
const OUTCOMES: readonly EndReason[] = ['answered', 'answered', 'answered', 'answered', 'missed', 'missed', 'busy'];

/** A deterministic random sequence, so every run stores the same calls. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1_664_525 + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

interface Contact {
  /** The digits after +49. */
  national: string;
  name: string | undefined;
}

function contacts(count: number, rand: () => number): Contact[] {
  return Array.from({ length: count }, () => {
    const area = ['30', '40', '89', '221', '69', '711', '151', '170'][Math.floor(rand() * 8)] as string;
    const local = String(Math.floor(rand() * 9_000_000) + 1_000_000);
    const named = rand() < 0.8;
    const name = named
      ? `${FIRST[Math.floor(rand() * FIRST.length)]} ${LAST[Math.floor(rand() * LAST.length)]}`
      : undefined;
    return { national: `${area}${local}`, name };
  });
}

/** The same number the way different PBXs and agents write it. */
const FORMATS = [
  (n: string) => `+49 ${n.slice(0, 2)} ${n.slice(2)}`,
  (n: string) => `0${n}`,
  (n: string) => `0049${n}`,
  (n: string) => `+49${n}`,
  (n: string) => `(0${n.slice(0, 2)}) ${n.slice(2, 5)}-${n.slice(5)}`,
];

function makeCalls(count: number, people: Contact[], rand: () => number, now: number, first = 0): Call[] {
  return Array.from({ length: count }, (_, k) => {
    const i = first + k;
    const who = people[Math.floor(rand() * people.length)] as Contact;
    const startedAt = now - Math.floor(rand() * 300 * DAY);
    const outcome = OUTCOMES[Math.floor(rand() * OUTCOMES.length)] as EndReason;
    const answered = outcome === 'answered';
    const call: Call = {
      sessionId: `bench-${i}`,
      phase: 'ended',
      rawState: 'Completed',
      stateKnown: true,
      direction: rand() < 0.7 ? 'inbound' : 'outbound',
      remoteNumber: (FORMATS[i % FORMATS.length] as (n: string) => string)(who.national),
      localNumber: '1001',
      startedAt,
      endedAt: startedAt + 20_000 + Math.floor(rand() * 600_000),
      endReason: outcome,
      wasConnected: answered,
      seq: i + 1,
    };
    if (who.name) call.remoteName = who.name;
    if (answered) call.answeredAt = startedAt + 5000;
    return call;
  });
}

function timing(samples: number[], hits: number[] = []): Timing {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  const round = (ms: number) => Math.round(ms * 100) / 100;
  const avgHits = hits.reduce((a, b) => a + b, 0) / Math.max(1, hits.length);
  return { p50: round(at(0.5)), p95: round(at(0.95)), max: round(at(1)), n: samples.length, hits: round(avgHits) };
}

/** A kind of query, and how to make a different one of it each time. */
interface Kind {
  name: string;
  make: () => HistoryQuery;
}

/**
 * The floor: the least IndexedDB can do to answer with as many calls, on the same database in
 * the same run: one getAll of that many calls on the `startedAt` index from a random time.
 */
async function floorRead(db: HistoryDb, count: number, at: number): Promise<number> {
  const start = performance.now();
  await db.getAllFromIndex(STORE, 'startedAt', IDBKeyRange.lowerBound(at), Math.max(1, count));
  return performance.now() - start;
}

/**
 * Times every kind, each query different (from the seeded sequence) and the kinds interleaved
 * in a shuffled order, so no query finds what the one before it left in a cache; each query is
 * followed by its floor read of as many calls.
 */
async function timeKinds(
  db: HistoryDb,
  kinds: Kind[],
  n: number,
  rand: () => number,
  span: [number, number],
): Promise<Record<string, { query: Timing; floor: Timing }>> {
  const order = kinds.flatMap((kind) => Array.from({ length: n }, () => kind));
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j] as Kind, order[i] as Kind];
  }
  for (const kind of kinds) for (let i = 0; i < 3; i++) await queryHistory(db, kind.make(), COUNTRY); // warm-up
  const samples = new Map(
    kinds.map((kind) => [kind, { query: [] as number[], floor: [] as number[], hits: [] as number[] }]),
  );
  for (const kind of order) {
    const query = kind.make();
    const start = performance.now();
    const page = await queryHistory(db, query, COUNTRY);
    const took = performance.now() - start;
    const own = samples.get(kind);
    own?.query.push(took);
    own?.hits.push(page.records.length);
    own?.floor.push(await floorRead(db, page.records.length, span[0] + rand() * (span[1] - span[0])));
  }
  return Object.fromEntries(
    kinds.map((kind) => {
      const own = samples.get(kind) as { query: number[]; floor: number[]; hits: number[] };
      return [kind.name, { query: timing(own.query, own.hits), floor: timing(own.floor) }];
    }),
  );
}

/** Said on the console before the queries when `pause` is set; `startQueries()` lets them run. */
const QUERIES_READY = 'popline-bench: queries ready';

async function run({ calls: count, batch, queries: n, pause = false }: BenchOptions): Promise<BenchResult> {
  const rand = random(20_250_310);
  const now = Date.now();
  const context: WriteContext = { country: COUNTRY, retention: { retentionDays: 0, maxCalls: 1_000_000 } };
  const store = new HistoryStore((onGone) => openHistoryDb({ name: 'popline-history-bench', onGone }));
  await store.clear();
  const people = contacts(Math.max(100, Math.floor(count / 5)), rand);

  // The bulk path (importRecords: one transaction per batch), with the records the live path
  // makes; the calls are made batch by batch so a million never sit in memory at once.
  let insertMs = 0;
  for (let i = 0; i < count; i += batch) {
    const records = makeCalls(Math.min(batch, count - i), people, rand, now, i).map((call) =>
      recordFromCall(call, COUNTRY, now),
    );
    const start = performance.now();
    await store.importRecords(records);
    insertMs += performance.now() - start;
    if ((i / batch) % 100 === 99)
      console.log(`inserted ${i + batch} calls, ${Math.round(((i + batch) / insertMs) * 1000)} calls/s`);
  }
  const insertSeconds = insertMs / 1000;

  // One live call as the background writes it: created, answered, ended (the last one durable).
  const live: number[] = [];
  for (let i = 0; i < 50; i++) {
    const base = makeCalls(1, people, rand, now, count + i)[0] as Call;
    const ringing: Call = { ...base, sessionId: `live-${i}`, phase: 'ringing', startedAt: now };
    delete ringing.endedAt;
    delete ringing.endReason;
    delete ringing.answeredAt;
    for (const step of [ringing, { ...ringing, phase: 'connected' as const, answeredAt: now + 1000 }]) {
      await store.recordCalls([step], context);
    }
    const start = performance.now();
    await store.recordCalls([{ ...ringing, phase: 'ended', answeredAt: now + 1000, endedAt: now + 9000 }], context);
    live.push(performance.now() - start);
  }

  // The queries come from their own seeded sequence: the same ones every run, each one different.
  const qrand = random(4_242);
  const pick = <T>(list: readonly T[]) => list[Math.floor(qrand() * list.length)] as T;
  const below = (k: number) => Math.floor(qrand() * k);
  const someone = () => pick(people);
  const kinds: Kind[] = [
    {
      name: 'search: a whole number, any format',
      make: () => ({ kind: 'search', text: pick(FORMATS)(someone().national), pageSize: 50 }),
    },
    {
      name: 'search: last 4 digits',
      make: () => ({ kind: 'search', text: someone().national.slice(-4), pageSize: 50 }),
    },
    {
      name: 'search: name, two word prefixes',
      make: () => ({ kind: 'search', text: `${pick(FIRST).slice(0, 3)} ${pick(LAST).slice(0, 4)}`, pageSize: 50 }),
    },
    {
      name: 'search: name, one word prefix (1-4 letters)',
      make: () => ({ kind: 'search', text: pick(pick([FIRST, LAST])).slice(0, 1 + below(4)), pageSize: 50 }),
    },
    { name: 'recent: first page of 50', make: () => ({ kind: 'recent', pageSize: 50 }) },
    { name: 'recent: page 2-41 of 50', make: () => ({ kind: 'recent', pageSize: 50, page: 1 + below(40) }) },
    { name: 'missed: page 1-10 of 50', make: () => ({ kind: 'missed', pageSize: 50, page: below(10) }) },
    {
      name: 'date range: one week, first page',
      make: () => {
        const to = now - below(200 * DAY);
        return { kind: 'recent', from: to - 7 * DAY, to, pageSize: 50 };
      },
    },
  ];
  const db = await store.database();
  if (pause) {
    // The Node side starts a CPU profile of the queries alone, then lets them run.
    const go = new Promise<void>((resolve) => {
      (globalThis as unknown as { startQueries: () => void }).startQueries = resolve;
    });
    console.log(QUERIES_READY);
    await go;
  }
  const timings = await timeKinds(db, kinds, n, qrand, [now - 300 * DAY, now]);
  const estimate = await navigator.storage?.estimate?.();
  await store.close();
  return {
    calls: count,
    insertSeconds: Math.round(insertSeconds * 100) / 100,
    insertPerSecond: Math.round(count / insertSeconds),
    liveWrite: timing(live),
    timings,
    usageBytes: estimate?.usage ?? null,
  };
}

(globalThis as unknown as { runHistoryBench: typeof run }).runHistoryBench = run;
