/**
 * Screen-pop latency: from the simulator sending `sessionCreated` to the card painted in the
 * CRM tab (the card host entering the page, then the next animation frame), over real
 * Chromium and a real WebSocket. Warm (worker running), with 500 other calls active on the
 * PBX, and cold (the worker stopped just before the call). Also bundle sizes and what the
 * content script costs a tab. Prints figures; asserts nothing.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Page } from 'puppeteer-core';
import { CHROME_DIST, waitFor } from '../test/support/browsers';
import { type E2E, sleep, startE2E } from '../test/support/session';

const WARM_CALLS = Number(process.env.BENCH_CALLS ?? 200);
const COLD_CALLS = Number(process.env.BENCH_COLD_CALLS ?? 40);
const now = () => performance.timeOrigin + performance.now();

function quantiles(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? Number.NaN;
  return `p50 ${q(0.5).toFixed(1)} ms   p95 ${q(0.95).toFixed(1)} ms   p99 ${q(0.99).toFixed(1)} ms   (n=${sorted.length})`;
}

/** In the page: the time the card host enters the document, then the frame after it. */
async function armPaintProbe(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __painted?: number };
    w.__painted = undefined;
    const observer = new MutationObserver((records) => {
      if (!records.some((r) => [...r.addedNodes].some((n) => n.nodeName === 'POPLINE-CARDS'))) return;
      observer.disconnect();
      requestAnimationFrame(() => {
        w.__painted = performance.timeOrigin + performance.now();
      });
    });
    observer.observe(document.documentElement, { childList: true });
  });
}

async function oneCall(e2e: E2E, page: Page, { stopWorkerFirst = false } = {}): Promise<number> {
  await waitFor(() => page.evaluate(() => !document.querySelector('popline-cards')), {
    what: 'no card',
    timeout: 15_000,
  });
  await armPaintProbe(page);
  if (stopWorkerFirst) await e2e.chromium.stopWorker();
  const sent = now();
  const call = e2e.sim.pbx.ring({ from: '+49 30 1234567', name: 'Bench Caller', to: '1001' });
  const painted = await waitFor(() => page.evaluate(() => (window as unknown as { __painted?: number }).__painted), {
    what: 'the card',
    timeout: 30_000,
  });
  e2e.sim.pbx.answer(call.sessionId);
  e2e.sim.pbx.hangup(call.sessionId);
  return painted - sent;
}

async function measure(e2e: E2E, page: Page, count: number, options = {}): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    samples.push(await oneCall(e2e, page, options));
    await sleep(20);
  }
  return samples;
}

function bundleSizes(): string[] {
  const lines: string[] = [];
  for (const file of readdirSync(CHROME_DIST)
    .filter((f) => f.endsWith('.js'))
    .sort()) {
    const path = join(CHROME_DIST, file);
    const size = statSync(path).size;
    const gzip = gzipSync(readFileSync(path)).length;
    lines.push(
      `  ${file.padEnd(16)} ${(size / 1024).toFixed(1).padStart(7)} KiB   gzip ${(gzip / 1024).toFixed(1).padStart(6)} KiB`,
    );
  }
  return lines;
}

/** JS heap and script time of the same CRM page with PopLine's content script and without. */
async function contentCost(e2e: E2E): Promise<string[]> {
  const probe = async (url: string) => {
    const page = await e2e.chromium.browser.newPage();
    const session = await page.createCDPSession();
    await session.send('Performance.enable');
    await page.goto(url);
    await sleep(1500);
    await session.send('HeapProfiler.collectGarbage');
    const { usedSize } = await session.send('Runtime.getHeapUsage');
    const { metrics } = await session.send('Performance.getMetrics');
    const script = metrics.find((m) => m.name === 'ScriptDuration')?.value ?? 0;
    await page.close();
    return { heap: usedSize, script: script * 1000 };
  };
  const rounds = 5;
  let heapDelta = 0;
  let scriptDelta = 0;
  for (let i = 0; i < rounds; i++) {
    // 127.0.0.1 is a CRM site (the content script runs); localhost is not.
    const crm = await probe(e2e.sim.crmUrl);
    const plain = await probe(e2e.sim.crmUrl.replace('127.0.0.1', 'localhost'));
    heapDelta += (crm.heap - plain.heap) / rounds;
    scriptDelta += (crm.script - plain.script) / rounds;
  }
  return [
    `  JS heap added to a CRM tab     ${(heapDelta / 1024).toFixed(0)} KiB (after GC, mean of ${rounds})`,
    `  script time added at load      ${scriptDelta.toFixed(1)} ms`,
  ];
}

export async function main(): Promise<void> {
  const e2e = await startE2E();
  try {
    await e2e.setup({ cards: { fadeAfterSeconds: 0 } });
    const page = await e2e.openCrm();
    await measure(e2e, page, 10); // warm-up, not counted
    const warm = await measure(e2e, page, WARM_CALLS);
    e2e.sim.traffic.start({ calls: 500, holdMs: 20_000 });
    await sleep(2000);
    const busy = await measure(e2e, page, WARM_CALLS);
    e2e.sim.traffic.stop();
    const cold = await measure(e2e, page, COLD_CALLS, { stopWorkerFirst: true });
    const cost = await contentCost(e2e);
    console.log(`
Screen-pop latency, sessionCreated sent → card painted (Chromium ${await e2e.chromium.browser.version()})
  warm                           ${quantiles(warm)}   target p95 ≤ 50 ms
  warm, 500 other calls active   ${quantiles(busy)}
  cold (worker stopped)          ${quantiles(cold)}   target p95 ≤ 400 ms
Bundle sizes (dist/chrome)
${bundleSizes().join('\n')}
Content script, per CRM tab
${cost.join('\n')}`);
  } finally {
    await e2e.close();
  }
}
