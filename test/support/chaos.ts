/**
 * The chaos run behind test/e2e/chaos.test.ts and bench/chaos.mjs: calls for the agent among
 * background traffic, with the socket dropped and the service worker stopped at random
 * moments. Every call must end with exactly one card, in the target tab only, showing the
 * right outcome. Seeded, so a failing run can be replayed.
 */
import type { Page } from 'puppeteer-core';
import { clickCardControl, readCards, waitFor } from './browsers';
import { type E2E, sleep } from './session';

export type Outcome = 'answered' | 'missed' | 'busy' | 'rejected';

export interface ChaosOptions {
  calls: number;
  seed: number;
  /** Background calls between other extensions, kept active throughout. */
  traffic: number;
  /** Chance, at each step, of dropping every socket / stopping the worker. */
  dropRate: number;
  stopRate: number;
  onProgress?: (done: number) => void;
}

export interface ChaosResult {
  calls: number;
  missed: number;
  duplicated: number;
  wrongState: number;
  drops: number;
  workerStops: number;
  problems: string[];
  seconds: number;
}

/** mulberry32: small, fast, good enough to replay a run from its seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const OUTCOMES: Outcome[] = ['answered', 'missed', 'busy', 'rejected'];

export async function runChaos(e2e: E2E, target: Page, other: Page, options: ChaosOptions): Promise<ChaosResult> {
  const rng = random(options.seed);
  const pick = <T>(items: readonly T[]) => items[Math.floor(rng() * items.length)] as T;
  const result: ChaosResult = {
    calls: 0,
    missed: 0,
    duplicated: 0,
    wrongState: 0,
    drops: 0,
    workerStops: 0,
    problems: [],
    seconds: 0,
  };
  const started = Date.now();
  e2e.sim.traffic.start({ calls: options.traffic, holdMs: 5000 });

  const trace = process.env.CHAOS_DEBUG ? (text: string) => console.log(`${Date.now() - started} ${text}`) : () => {};
  const chaos = async () => {
    if (rng() < options.dropRate) {
      e2e.sim.cti.dropAll();
      result.drops += 1;
      trace('drop');
    }
    if (rng() < options.stopRate) {
      // Only confirmed stops count: a worker that was not running at that moment was not stopped.
      if (await e2e.chromium.stopWorker({ ifRunning: true })) {
        result.workerStops += 1;
        trace('worker stopped');
      }
    }
  };

  let number = 0;
  while (result.calls < options.calls) {
    const size = Math.min(options.calls - result.calls, 1 + Math.floor(rng() * 3));
    const plans = Array.from({ length: size }, () => {
      number += 1;
      const call = e2e.sim.pbx.ring({
        from: `+4930${String(1_000_000 + number)}`,
        name: `Caller ${number}`,
        to: '1001',
      });
      return { id: call.sessionId, outcome: pick(OUTCOMES), hold: rng() < 0.3 };
    });
    // Play each call's remaining steps, interleaved, with chaos between steps.
    const steps = plans.flatMap((plan) => {
      const { pbx } = e2e.sim;
      const list: (() => void)[] = [];
      if (plan.outcome === 'answered') {
        list.push(() => pbx.answer(plan.id));
        if (plan.hold)
          list.push(
            () => pbx.hold(plan.id),
            () => pbx.unhold(plan.id),
          );
        list.push(() => pbx.hangup(plan.id));
      } else if (plan.outcome === 'missed') list.push(() => pbx.miss(plan.id));
      else if (plan.outcome === 'busy') list.push(() => pbx.busy(plan.id));
      else list.push(() => pbx.reject(plan.id));
      return list.map((run, index) => ({ plan, index, run }));
    });
    const cursor = new Map(plans.map((plan) => [plan.id, 0]));
    while (steps.length) {
      // Any call's next step may come next: calls interleave as on a real line.
      const ready = steps.filter((step) => step.index === cursor.get(step.plan.id));
      const step = pick(ready);
      steps.splice(steps.indexOf(step), 1);
      step.run();
      trace(`${step.plan.id} step ${step.index} (${step.plan.outcome})`);
      cursor.set(step.plan.id, step.index + 1);
      await sleep(Math.floor(rng() * 120));
      await chaos();
    }
    for (const plan of plans) {
      const card = await waitFor(
        async () => {
          const cards = (await readCards(target)).filter((c) => c.sessionId === plan.id);
          // The final state: the outcome a reconnect guessed is corrected from history a moment later.
          return cards.length > 1 || (cards.length && cards.every((c) => c.outcome === plan.outcome)) ? cards : null;
        },
        { timeout: 15_000, what: `the end of ${plan.id}` },
      ).catch(async () => {
        const cards = (await readCards(target)).filter((c) => c.sessionId === plan.id);
        return cards.some((c) => c.phase === 'ended') ? cards : null;
      });
      if (!card) {
        result.missed += 1;
        const seen = (await readCards(target)).filter((c) => c.sessionId === plan.id).map((c) => c.phase);
        result.problems.push(
          `${plan.id}: no ended card (expected ${plan.outcome}; shown: ${seen.join() || 'none'}; connections: ${e2e.sim.cti.grantedCount})`,
        );
        continue;
      }
      if (card.length > 1) {
        result.duplicated += 1;
        result.problems.push(`${plan.id}: ${card.length} cards`);
      }
      if (card[0]?.outcome !== plan.outcome) {
        result.wrongState += 1;
        const stored = process.env.CHAOS_DEBUG ? JSON.stringify(await storedCall(e2e, plan.id)) : '';
        result.problems.push(`${plan.id}: ${card[0]?.outcome} instead of ${plan.outcome} ${stored}`);
      }
    }
    const elsewhere = (await readCards(other)).filter((c) => plans.some((plan) => plan.id === c.sessionId));
    if (elsewhere.length) {
      result.duplicated += elsewhere.length;
      result.problems.push(`cards in the other tab: ${elsewhere.map((c) => c.sessionId).join(', ')}`);
    }
    for (const plan of plans) await clickCardControl(target, plan.id, 'Close').catch(() => undefined);
    result.calls += plans.length;
    options.onProgress?.(result.calls);
  }
  e2e.sim.traffic.stop();
  result.seconds = (Date.now() - started) / 1000;
  return result;
}

/** The call as the background stored it (debugging a failed run). */
async function storedCall(e2e: E2E, id: string): Promise<unknown> {
  const page = await e2e.chromium.browser.newPage();
  try {
    await page.goto(`chrome-extension://${e2e.chromium.extensionId}/popup.html`);
    return await page.evaluate(async (sessionId) => {
      const { book } = await chrome.storage.session.get('book');
      const b = book as {
        calls: Record<string, unknown>;
        closed: Record<string, number>;
        gapSince?: number;
        liveAt?: number;
      };
      return { call: b.calls[sessionId], closed: b.closed[sessionId], gapSince: b.gapSince, liveAt: b.liveAt };
    }, id);
  } finally {
    await page.close();
  }
}
