/**
 * The call history benchmark's page side (bundled by bench/history.mjs and run in Chromium):
 * fills the real store (src/background/history) with synthetic calls and times the queries
 * the popup and the card make. Times are measured here, in the page, with performance.now().
 */
import { openHistoryDb } from '../src/background/history/db';
import { queryHistory } from '../src/background/history/queries';
import { HistoryStore, type WriteContext } from '../src/background/history/store';
import type { Call } from '../src/shared/calls';
import type { EndReason } from '../src/shared/calls/state';
import type { HistoryQuery } from '../src/shared/history';

export interface BenchOptions {
  calls: number;
  batch: number;
  queries: number;
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
  timings: Record<string, Timing>;
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

function makeCalls(count: number, people: Contact[], rand: () => number, now: number): Call[] {
  return Array.from({ length: count }, (_, i) => {
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

function timing(samples: number[], hits: number[]): Timing {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  const round = (ms: number) => Math.round(ms * 100) / 100;
  const avgHits = hits.reduce((a, b) => a + b, 0) / Math.max(1, hits.length);
  return { p50: round(at(0.5)), p95: round(at(0.95)), max: round(at(1)), n: samples.length, hits: round(avgHits) };
}

async function timeQueries(store: HistoryStore, queries: HistoryQuery[]): Promise<Timing> {
  const db = await store.database();
  await queryHistory(db, queries[0] as HistoryQuery, COUNTRY); // warm-up
  const samples: number[] = [];
  const hits: number[] = [];
  for (const query of queries) {
    const start = performance.now();
    const page = await queryHistory(db, query, COUNTRY);
    samples.push(performance.now() - start);
    hits.push(page.records.length);
  }
  return timing(samples, hits);
}

async function run({ calls: count, batch, queries: n }: BenchOptions): Promise<BenchResult> {
  const rand = random(20_250_310);
  const now = Date.now();
  const context: WriteContext = { country: COUNTRY, retention: { retentionDays: 0, maxCalls: 1_000_000 } };
  const store = new HistoryStore((onGone) => openHistoryDb({ name: 'popline-history-bench', onGone }));
  await store.clear();
  const people = contacts(Math.max(100, Math.floor(count / 5)), rand);
  const calls = makeCalls(count, people, rand, now);

  const insertStart = performance.now();
  for (let i = 0; i < calls.length; i += batch) await store.recordCalls(calls.slice(i, i + batch), context);
  const insertSeconds = (performance.now() - insertStart) / 1000;

  // One live call as the background writes it: created, answered, ended (the last one durable).
  const live: number[] = [];
  for (let i = 0; i < 50; i++) {
    const base = makeCalls(1, people, rand, now)[0] as Call;
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

  const pick = <T>(list: readonly T[]) => list[Math.floor(rand() * list.length)] as T;
  const someone = () => pick(people);
  const byNumber = Array.from({ length: n }, (_, i) => ({
    kind: 'search' as const,
    text: (FORMATS[(i + 1) % FORMATS.length] as (x: string) => string)(someone().national),
    pageSize: 50,
  }));
  const byDigits = Array.from({ length: n }, () => ({
    kind: 'search' as const,
    text: someone().national.slice(-4),
    pageSize: 50,
  }));
  const byName = Array.from({ length: n }, () => ({
    kind: 'search' as const,
    text: `${pick(FIRST).slice(0, 3)} ${pick(LAST).slice(0, 4)}`,
    pageSize: 50,
  }));
  const recent = Array.from({ length: n }, () => ({ kind: 'recent' as const, pageSize: 50 }));
  const deep = Array.from({ length: n }, () => ({ kind: 'recent' as const, pageSize: 50, page: 20 }));
  const missed = Array.from({ length: n }, () => ({ kind: 'missed' as const, pageSize: 50 }));
  const week = Array.from({ length: n }, () => {
    const to = now - Math.floor(rand() * 200 * DAY);
    return { kind: 'recent' as const, from: to - 7 * DAY, to, pageSize: 50 };
  });

  const timings: Record<string, Timing> = {
    'search: a whole number, any format': await timeQueries(store, byNumber),
    'search: last 4 digits': await timeQueries(store, byDigits),
    'search: name word prefixes': await timeQueries(store, byName),
    'recent: first page of 50': await timeQueries(store, recent),
    'recent: page 21 of 50': await timeQueries(store, deep),
    'missed: first page of 50': await timeQueries(store, missed),
    'date range: one week, first page': await timeQueries(store, week),
  };
  const estimate = await navigator.storage?.estimate?.();
  await store.close();
  return {
    calls: count,
    insertSeconds: Math.round(insertSeconds * 100) / 100,
    insertPerSecond: Math.round(count / insertSeconds),
    liveWrite: timing(live, []),
    timings,
    usageBytes: estimate?.usage ?? null,
  };
}

(globalThis as unknown as { runHistoryBench: typeof run }).runHistoryBench = run;
