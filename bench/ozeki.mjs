#!/usr/bin/env node
/**
 * The Ozeki HTTP API connector in real Chromium against the simulator's Ozeki mode: how fast a
 * ringing call becomes a card when calls are learnt by polling, and what the polling costs the
 * PBX. Prints its figures; asserts nothing (a benchmark never fails on time, it reports).
 *   node bench/ozeki.mjs                      uses dist/chrome (npm run build first)
 *   POPLINE_DIST=/tmp/x node bench/ozeki.mjs  a build elsewhere
 *   node bench/ozeki.mjs --calls 40 --idle-seconds 60 --phase-seconds 20
 *
 * 1. Ring-to-card latency at the default polling interval (1 s idle): from the simulated PBX
 *    starting to ring the agent to PopLine's card host entering the CRM page, p50/p95/max over
 *    `--calls` calls rung at random moments. Target: p95 within the interval plus 50 ms.
 * 2. Load on the PBX, per agent: ListActiveCalls requests per minute while idle, while a call
 *    of the agent rings (the faster interval), while it is talking, and while the PBX answers
 *    with broken XML (the connection backs off).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as esbuild from 'esbuild';
import puppeteer from 'puppeteer-core';

const root = join(import.meta.dirname, '..');
const dist = join(process.env.POPLINE_DIST ?? join(root, 'dist'), 'chrome');
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const { values } = parseArgs({
  options: {
    calls: { type: 'string', default: '40' },
    'idle-seconds': { type: 'string', default: '60' },
    'phase-seconds': { type: 'string', default: '20' },
  },
});
const CALLS = Math.max(5, Number(values.calls) || 40);
const IDLE_S = Math.max(10, Number(values['idle-seconds']) || 60);
const PHASE_S = Math.max(5, Number(values['phase-seconds']) || 20);
const POLL_IDLE_MS = 1000;
const POLL_RINGING_MS = 250;

if (!existsSync(join(dist, 'manifest.json'))) {
  console.error(`${dist} is not built: npm run build, or POPLINE_DIST=… node scripts/build.mjs`);
  process.exit(1);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const now = () => performance.timeOrigin + performance.now();
const quantile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(q * xs.length) - 1)];
const ms = (x) => `${Math.round(x)} ms`;

async function waitFor(check, what, timeout = 20_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** The simulator from its sources, bundled for Node on the fly (the bench runs without jest). */
async function loadSimulator() {
  const dir = mkdtempSync(join(tmpdir(), 'popline-bench-sim-'));
  const outfile = join(dir, 'server.cjs');
  await esbuild.build({
    entryPoints: [join(root, 'sim/server.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // ws's optional native helpers.
    external: ['bufferutil', 'utf-8-validate'],
    define: { 'import.meta.url': 'importMetaUrl' },
    banner: {
      js: `const importMetaUrl = require('node:url').pathToFileURL(${JSON.stringify(join(root, 'sim/server.ts'))}).href;`,
    },
    outfile,
    logLevel: 'warning',
  });
  const module = await import(outfile);
  return { startSimulator: module.startSimulator, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

async function launch() {
  const userDataDir = mkdtempSync(join(tmpdir(), 'popline-bench-'));
  const browser = await puppeteer.launch({
    executablePath: chromiumPath,
    headless: true,
    pipe: true,
    enableExtensions: true,
    userDataDir,
    args: JSON.parse(readFileSync(join(root, 'scripts/chromium.json'), 'utf8')).args,
  });
  const extensionId = await browser.installExtension(dist);
  const target = await browser.waitForTarget(
    (t) => t.type() === 'service_worker' && t.url().startsWith(`chrome-extension://${extensionId}/`),
  );
  const worker = await target.worker();
  await waitFor(() => worker.evaluate(() => !!globalThis.chrome?.storage), 'the service worker');
  return {
    browser,
    worker,
    close: () => browser.close().finally(() => rmSync(userDataDir, { recursive: true, force: true })),
  };
}

/** Requests per minute of `command` in the simulator's log between two times. */
function perMinute(ozeki, from, to, command = 'ListActiveCalls') {
  const count = ozeki.stats.log.filter(
    (entry) => entry.command === command && entry.at >= from && entry.at < to,
  ).length;
  return (count * 60_000) / (to - from);
}

async function main() {
  const { startSimulator, cleanup } = await loadSimulator();
  const sim = await startSimulator({ port: 0, ozeki: { shape: 'xe', keepEndedMs: 0 } });
  const chromium = await launch();
  try {
    const settings = {
      version: 1,
      connection: { connector: 'ozeki', extension: '1001' },
      ozeki: {
        apiUrl: sim.ozeki.apiUrl,
        ozmlUrl: sim.ozeki.ozmlTemplate,
        apiExtension: '9994',
        pollIdleMs: POLL_IDLE_MS,
        pollRingingMs: POLL_RINGING_MS,
      },
      cards: { fadeAfterSeconds: 0, notifications: false },
    };
    await chromium.worker.evaluate((s) => chrome.storage.local.set({ settings: s }), settings);
    await waitFor(
      () =>
        chromium.worker.evaluate(
          async () => (await chrome.storage.session.get('connection')).connection?.state === 'ACCESS_GRANTED',
        ),
      'the connection',
    );
    const page = await chromium.browser.newPage();
    await page.goto(sim.crmUrl);
    await page.bringToFront();
    // The card's host enters the page when a card shows and leaves when none does: the page
    // itself can time that (the card inside is in a closed shadow root).
    await page.evaluate(() => {
      window.__hostShown = [];
      new MutationObserver((records) => {
        for (const record of records) {
          for (const node of record.addedNodes) {
            if (node.nodeName === 'POPLINE-CARDS') window.__hostShown.push(performance.timeOrigin + performance.now());
          }
        }
      }).observe(document.documentElement, { childList: true });
    });
    const hostPresent = () => page.evaluate(() => !!document.querySelector('popline-cards'));
    const shownCount = () => page.evaluate(() => window.__hostShown.length);

    console.log(
      `PopLine Ozeki HTTP API connector, Chromium, simulator (XE shape); polling ${POLL_IDLE_MS} ms idle, ${POLL_RINGING_MS} ms ringing`,
    );

    // 1. Ring-to-card latency.
    const latencies = [];
    /** From the poll that first saw the call to the card: the work PopLine does. */
    const processing = [];
    await sleep(1500);
    for (let i = 0; i < CALLS; i++) {
      await sleep(Math.random() * POLL_IDLE_MS);
      const before = await shownCount();
      const rangAt = now();
      const call = sim.pbx.ring({ from: `+4930555${String(i).padStart(4, '0')}`, name: `Bench ${i}`, to: '1001' });
      await waitFor(async () => (await shownCount()) > before, `the card of call ${i}`);
      const [shownAt] = await page.evaluate((index) => window.__hostShown.slice(index), before);
      latencies.push(shownAt - rangAt);
      const poll = sim.ozeki.stats.log.find((entry) => entry.command === 'ListActiveCalls' && entry.at >= rangAt);
      if (poll) processing.push(shownAt - poll.at);
      // Answered long enough for a poll to see it, so the card fades at once (missed cards stay).
      sim.pbx.answer(call.sessionId);
      await sleep(POLL_RINGING_MS * 2);
      sim.pbx.hangup(call.sessionId);
      await waitFor(async () => !(await hostPresent()), 'the card to go');
    }
    const p50 = quantile(latencies, 0.5);
    const p95 = quantile(latencies, 0.95);
    const target = POLL_IDLE_MS + 50;
    console.log(`\n1. Ring-to-card latency over ${CALLS} calls (target p95 <= ${target} ms)`);
    console.log(
      `   p50 ${ms(p50)}   p95 ${ms(p95)}   max ${ms(Math.max(...latencies))}   min ${ms(Math.min(...latencies))}   -> ${p95 <= target ? 'within target' : 'OVER TARGET'}`,
    );

    console.log(
      `   of which from the poll that saw the call to the card: p50 ${ms(quantile(processing, 0.5))}   p95 ${ms(quantile(processing, 0.95))}   max ${ms(Math.max(...processing))}`,
    );

    // 2. Load on the PBX.
    const ozeki = sim.ozeki;
    const idleFrom = now();
    await sleep(IDLE_S * 1000);
    const idle = perMinute(ozeki, idleFrom, now());
    const ringing = sim.pbx.ring({ from: '+4930999', name: 'Load', to: '1001' });
    await waitFor(hostPresent, 'the ringing card');
    const ringFrom = now();
    await sleep(PHASE_S * 1000);
    const ringingLoad = perMinute(ozeki, ringFrom, now());
    sim.pbx.answer(ringing.sessionId);
    await sleep(1500);
    const talkFrom = now();
    await sleep(PHASE_S * 1000);
    const talking = perMinute(ozeki, talkFrom, now());
    sim.pbx.hangup(ringing.sessionId);
    ozeki.fault = { body: 'truncated', command: 'ListActiveCalls' };
    await sleep(3000);
    const brokenFrom = now();
    await sleep(PHASE_S * 1000 * 1.5);
    const broken = perMinute(ozeki, brokenFrom, now());
    ozeki.fault = undefined;
    console.log('\n2. Load on the PBX, ListActiveCalls requests per minute, one agent');
    console.log(`   idle (${IDLE_S} s)                      ${idle.toFixed(1)}`);
    console.log(`   a call of the agent ringing (${PHASE_S} s)  ${ringingLoad.toFixed(1)}`);
    console.log(`   a call of the agent talking (${PHASE_S} s)  ${talking.toFixed(1)}`);
    console.log(`   the PBX answering broken XML (${PHASE_S * 1.5} s, backing off)  ${broken.toFixed(1)}`);
    console.log(`   every command in the run: ${JSON.stringify(ozeki.stats.byCommand)}`);
  } finally {
    await chromium.close();
    await sim.close();
    cleanup();
  }
}

main().catch((error) => {
  console.error(`bench/ozeki: ${error.message}`);
  process.exit(1);
});
