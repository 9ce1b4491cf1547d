/**
 * The chaos test: 200 calls for the agent among background traffic, with the socket dropped
 * and the worker stopped at random moments. 0 missed, 0 duplicated, every outcome right; then
 * the fixed seeds that once found bugs.
 * A longer run (1,000 calls) is `node bench/chaos.mjs`.
 */
import type { Page } from 'puppeteer-core';
import { runChaos } from '../support/chaos';
import { type E2E, startE2E } from '../support/session';

jest.setTimeout(15 * 60_000);

let e2e: E2E;
let target: Page;
let other: Page;

beforeAll(async () => {
  e2e = await startE2E();
  await e2e.setup({ cards: { target: 'lastCrmTab', fadeAfterSeconds: 600 } });
  other = await e2e.openCrm();
  target = await e2e.openCrm('contacts/c-1001');
});
afterAll(() => e2e?.close());

async function chaosRun(seed: number, calls: number) {
  const result = await runChaos(e2e, target, other, { calls, seed, traffic: 30, dropRate: 0.05, stopRate: 0.03 });
  // The seed is printed with every run, so a failing one can be replayed with CHAOS_SEED.
  console.log(`chaos seed ${seed}: ${JSON.stringify({ ...result, problems: result.problems.slice(0, 10) })}`);
  expect(result.calls).toBe(calls);
  // Real chaos happened: sockets dropped and workers confirmed stopped (not just attempted).
  expect(result.drops).toBeGreaterThan(0);
  expect(result.workerStops).toBeGreaterThan(0);
  expect(result.problems).toEqual([]);
  expect(result).toMatchObject({ missed: 0, duplicated: 0, wrongState: 0 });
}

test('200 calls through dropped sockets and stopped workers: none missed, none duplicated', async () => {
  await chaosRun(Number(process.env.CHAOS_SEED ?? Date.now() % 1_000_000), Number(process.env.CHAOS_CALLS ?? 200));
});

/**
 * Seeds that once found bugs (a lost push between two documents, a stale revision, a reconcile race;
 * 723878: two drops each soon after a grant backed the reconnect off past 15 s, and a call was missed).
 */
test.each([
  [7, 80],
  [42, 80],
  [99, 80],
  [723878, 200],
])('the seed %i that once found a bug: %i calls, none missed', async (seed, calls) => {
  await chaosRun(seed, calls);
});
