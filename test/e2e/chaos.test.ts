/**
 * The chaos test: 200 calls for the agent among background traffic, with the socket dropped
 * and the worker stopped at random moments. 0 missed, 0 duplicated, every outcome right.
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

test('200 calls through dropped sockets and stopped workers: none missed, none duplicated', async () => {
  const seed = Number(process.env.CHAOS_SEED ?? Date.now() % 1_000_000);
  const result = await runChaos(e2e, target, other, {
    calls: Number(process.env.CHAOS_CALLS ?? 200),
    seed,
    traffic: 30,
    dropRate: 0.05,
    stopRate: 0.03,
  });
  console.log(`chaos seed ${seed}: ${JSON.stringify({ ...result, problems: result.problems.slice(0, 10) })}`);
  expect(result.calls).toBe(200);
  expect(result.drops + result.workerStops).toBeGreaterThan(5);
  expect(result.problems).toEqual([]);
  expect(result).toMatchObject({ missed: 0, duplicated: 0, wrongState: 0 });
});
