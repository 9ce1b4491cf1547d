/**
 * What each bundle is made of, and what PopLine's content script costs a CRM tab.
 *
 * Bundles: the top inputs of each of dist/chrome's bundles by bytes in the minified output, from
 * the metafile the build writes (scripts/bundle-report.mjs), against the goal for content.js, the
 * one bundle in every CRM tab (≤ 50 KiB).
 *
 * Heap: the same demo CRM page in the same Chromium, the same run, three ways, each in a new tab,
 * then a full GC (HeapProfiler.collectGarbage) and the renderer's JS heap (Runtime.getHeapUsage:
 * the page's isolate, its main world and the content script's isolated world together):
 *   plain  on localhost, where no PopLine script runs (the floor);
 *   idle   on 127.0.0.1, a CRM site: content.js, no call;
 *   card   on 127.0.0.1 with a ringing call's card (content.js and the card UI, cards.js).
 * The figures are idle − plain and card − plain (goal ≤ 300 KiB idle), and the ratios to plain.
 * Prints figures, saves them to artifacts/bench/bundle.json; asserts nothing.
 *
 *   BENCH_ROUNDS (default 5)  rounds of the three probes, alternating (mean and spread reported)
 */
import { statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { CDPSession, Page } from 'puppeteer-core';
import { formatBundleInputs, readBundleInputs } from '../scripts/bundle-report.mjs';
import { CHROME_DIST, waitFor } from '../test/support/browsers';
import { type E2E, sleep, startE2E } from '../test/support/session';
// biome-ignore lint/suspicious/noTsIgnore: bench/_figures.d.mts types it where that file is present; not everywhere yet
// @ts-ignore
import { saveFigures } from './_figures.mjs';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const CONTENT_GOAL_KIB = 50;
const HEAP_GOAL_KIB = 300;

async function heapOf(session: CDPSession): Promise<number> {
  // Twice: the first GC can leave what finalisers freed for the next.
  await session.send('HeapProfiler.collectGarbage');
  await session.send('HeapProfiler.collectGarbage');
  const { usedSize } = await session.send('Runtime.getHeapUsage');
  return usedSize;
}

async function probe(e2e: E2E, url: string, withCard: boolean): Promise<number> {
  const page: Page = await e2e.chromium.browser.newPage();
  const session = await page.createCDPSession();
  await session.send('HeapProfiler.enable');
  await page.goto(url);
  await page.bringToFront();
  let sessionId: string | undefined;
  if (withCard) {
    // The content script has said hello (the tab is a CRM tab) before the call rings.
    await sleep(1000);
    sessionId = e2e.sim.pbx.ring({ from: '+49 30 1234567', name: 'Bench Caller', to: '1001' }).sessionId;
    await waitFor(() => page.evaluate(() => !!document.querySelector('popline-cards')), {
      what: 'the card',
      timeout: 15_000,
    });
  }
  await sleep(1500);
  const heap = await heapOf(session);
  if (sessionId) {
    e2e.sim.pbx.hangup(sessionId);
    await sleep(200);
  }
  await page.close();
  return heap;
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
const kib = (bytes: number) => Math.round(bytes / 1024);

export async function main(): Promise<void> {
  const bundles = readBundleInputs(dirname(CHROME_DIST), 'chrome', 10);
  const content = statSync(join(CHROME_DIST, 'content.js')).size;

  const e2e = await startE2E();
  const rounds = { plain: [] as number[], idle: [] as number[], card: [] as number[] };
  try {
    await e2e.setup({ cards: { fadeAfterSeconds: 0 } });
    const crm = e2e.sim.crmUrl;
    const plain = crm.replace('127.0.0.1', 'localhost');
    await probe(e2e, plain, false); // warm-up, not counted
    for (let i = 0; i < ROUNDS; i++) {
      rounds.plain.push(await probe(e2e, plain, false));
      rounds.idle.push(await probe(e2e, crm, false));
      rounds.card.push(await probe(e2e, crm, true));
    }
  } finally {
    await e2e.close();
  }
  const floor = mean(rounds.plain);
  const added = (which: number[]) => which.map((heap, i) => heap - (rounds.plain[i] ?? floor));
  const idle = added(rounds.idle);
  const card = added(rounds.card);
  const spread = (values: number[]) => `${kib(Math.min(...values))}…${kib(Math.max(...values))}`;

  console.log(`
What makes up dist/chrome's bundles (bytes in the minified output; top 10 inputs each)
${formatBundleInputs(bundles).join('\n')}
content.js (in every CRM tab)    ${(content / 1024).toFixed(1)} KiB   goal ≤ ${CONTENT_GOAL_KIB} KiB   ${content <= CONTENT_GOAL_KIB * 1024 ? 'met' : 'NOT met'}
JS heap of a CRM tab (after GC, mean of ${ROUNDS}, same run)
  plain page (no PopLine script)  ${kib(floor)} KiB
  added, no call (content.js)     ${kib(mean(idle))} KiB (${spread(idle)})   ${(mean(rounds.idle) / floor).toFixed(3)}× plain   goal ≤ ${HEAP_GOAL_KIB} KiB   ${mean(idle) <= HEAP_GOAL_KIB * 1024 ? 'met' : 'NOT met'}
  added, a card shown (+cards.js) ${kib(mean(card))} KiB (${spread(card)})   ${(mean(rounds.card) / floor).toFixed(3)}× plain`);

  saveFigures('bundle', {
    bundles: Object.fromEntries(
      bundles.map((bundle) => [
        bundle.file,
        {
          bytes: bundle.bytes,
          top: Object.fromEntries(bundle.inputs.map(({ input, bytes }) => [input, bytes])),
          rest: bundle.rest,
        },
      ]),
    ),
    contentJsBytes: content,
    heapKiB: {
      plain: kib(floor),
      addedIdle: kib(mean(idle)),
      addedWithCard: kib(mean(card)),
      ratioIdle: mean(rounds.idle) / floor,
      ratioWithCard: mean(rounds.card) / floor,
    },
  });
}
