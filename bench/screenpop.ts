/**
 * Screen-pop latency against a floor: from the simulator sending the call's frame to the pop
 * painted in the CRM tab, for PopLine and for a bare extension that does the least a screen-pop
 * can, in the same Chromium, the same run, from the same simulator and the same frames.
 *
 * The floor (written by this bench into a temp dir, never committed): a MV3 manifest, a service
 * worker with one WebSocket to the simulator's /cti (the protocol's `connect` with its own token,
 * a `ping` every 20 s) that calls `chrome.tabs.sendMessage` to the CRM tab for every
 * `sessionCreated` (and every session of a `sessionsSnapshot`, which is how a restarted worker
 * hears of a call), and a content script that adds an element and sets its `textContent`. Its
 * content script keeps a port open to its worker and reopens it 30 ms after it breaks, as
 * PopLine's does (src/content/liveness.ts): that port is what starts a stopped worker again.
 *
 * Same frames, no cross-talk: PopLine connects as 1001 and the floor as 1002, each with a token
 * without `monitorAll`, so the bridge sends each only its own calls: PopLine's calls and the
 * floor's alternate (AB BA AB …, so neither always goes first), each after the other's card is gone
 * and a pause. The simulator runs without the team (presence), whose frames about one agent's call
 * would go to the other. Both content scripts are in the one CRM tab; both workers run with no
 * DevTools session of ours open on them (PopLine's is restarted once after it is configured).
 *
 * One clock. Start: `process.hrtime` in the simulator's process, read as the bridge hands the
 * frame to the agent's socket (a wrap of the hub's `send`), or, cold, as the call rings (the worker
 * is stopped, so no frame can go; the call reaches the new worker in the snapshot after its
 * reconnect). End: in the page, when the pop's element enters the document (MutationObserver), then
 * the next animation frame, then a task after that frame's rendering (a MessageChannel message):
 * there `performance.mark()`, read back from a Chromium trace (category blink.user_timing). On
 * Linux both are CLOCK_MONOTONIC: libuv's hrtime and Chromium's TimeTicks, which trace timestamps
 * are. The bench checks it before measuring: marks made between two hrtime readings must lie
 * between them in the trace (it stops if one does not). The old bench took its start from Node's
 * wall-clock time origin and its end from the page's, two estimates of the epoch in two processes.
 *
 * Also: warm with 500 other calls active (PopLine only: it reconnects with the demo token, which
 * monitors all calls; the floor sees only its own), bundle sizes, what the content script costs a
 * tab. Prints figures, and whether PopLine's p95 is within 2× the floor's (the goal), warm and
 * cold; asserts nothing. Figures go to artifacts/bench/screenpop.json (`npm run bench -- --compare`).
 *
 *   BENCH_CALLS (default 100)       warm samples, each of PopLine and the floor; also the busy run
 *   BENCH_COLD_CALLS (default 15)   cold samples, each
 *   BENCH_GAP_MS (default 100)      pause between calls, for the last call's after-work to settle
 *   BENCH_PROFILE=1                 also trace BENCH_PROFILE_CALLS (default 20) warm PopLine calls
 *                                   with the timeline and V8 categories, and say what the time went to
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser, Page } from 'puppeteer-core';
import type { Connection } from '../bridge/src/server/hub';
import { CHROME_DIST, stopServiceWorker, waitFor } from '../test/support/browsers';
import { type E2E, sleep, startE2E } from '../test/support/session';
import { saveFigures } from './_figures.mjs';

const WARM_CALLS = Number(process.env.BENCH_CALLS ?? 100);
const COLD_CALLS = Number(process.env.BENCH_COLD_CALLS ?? 15);
const GAP_MS = Number(process.env.BENCH_GAP_MS ?? 100);
const PROFILE = process.env.BENCH_PROFILE === '1';
const PROFILE_CALLS = Number(process.env.BENCH_PROFILE_CALLS ?? 20);
const GOAL = 2;

const POPLINE = { ext: '1001', token: 'bench-popline', tag: 'POPLINE-CARDS' } as const;
const FLOOR = { ext: '1002', token: 'bench-floor', tag: 'BARE-POP' } as const;
type Who = typeof POPLINE | typeof FLOOR;

/** CLOCK_MONOTONIC in µs (libuv's hrtime: the clock of Chromium's TimeTicks and trace timestamps on Linux). */
const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

// ---------------------------------------------------------------------------------------------
// The floor: a bare extension, generated here.

function writeFloorExtension(ctiUrl: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'popline-floor-'));
  const manifest = {
    manifest_version: 3,
    name: 'PopLine bench floor',
    version: '1.0',
    background: { service_worker: 'worker.js' },
    content_scripts: [{ matches: ['http://127.0.0.1/*'], js: ['content.js'] }],
  };
  const worker = `
const tabs = new Set();
chrome.runtime.onConnect.addListener((port) => {
  const id = port.sender && port.sender.tab && port.sender.tab.id;
  if (id === undefined) return;
  tabs.add(id);
  port.onDisconnect.addListener(() => tabs.delete(id));
});
function pop(session) {
  const message = { sessionId: session.sessionId, text: (session.callerDisplayName || '') + ' ' + session.caller };
  for (const id of tabs) chrome.tabs.sendMessage(id, message).catch(() => {});
}
const socket = new WebSocket(${JSON.stringify(ctiUrl)});
socket.onopen = () =>
  socket.send(JSON.stringify({ op: 'connect', v: 1, token: ${JSON.stringify(FLOOR.token)}, extension: ${JSON.stringify(FLOOR.ext)} }));
socket.onmessage = (event) => {
  const frame = JSON.parse(event.data);
  if (frame.op === 'sessionCreated') pop(frame.session);
  else if (frame.op === 'sessionsSnapshot') for (const session of frame.sessions) pop(session);
};
setInterval(() => socket.readyState === 1 && socket.send(JSON.stringify({ op: 'ping', t: Date.now() })), 20000);
`;
  const content = `
const open = () => chrome.runtime.connect({ name: 'floor' }).onDisconnect.addListener(() => setTimeout(open, 30));
open();
chrome.runtime.onMessage.addListener((message) => {
  document.querySelector('bare-pop')?.remove();
  const element = document.createElement('bare-pop');
  element.style.cssText = 'position:fixed;right:16px;bottom:16px;background:#fff;padding:8px';
  element.textContent = message.text;
  document.documentElement.append(element);
});
`;
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  writeFileSync(join(dir, 'worker.js'), worker);
  writeFileSync(join(dir, 'content.js'), content);
  return dir;
}

// ---------------------------------------------------------------------------------------------
// Timing.

interface Quantiles {
  p50: number;
  p95: number;
  p99: number;
  n: number;
}

function quantiles(values: number[]): Quantiles {
  const sorted = [...values].sort((a, b) => a - b);
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? Number.NaN;
  return { p50: q(0.5), p95: q(0.95), p99: q(0.99), n: sorted.length };
}

const fmt = (q: Quantiles) =>
  `p50 ${q.p50.toFixed(1).padStart(6)}  p95 ${q.p95.toFixed(1).padStart(6)}  p99 ${q.p99.toFixed(1).padStart(6)} ms (n=${q.n})`;

const ratios = (a: Quantiles, floor: Quantiles) => ({
  p50: a.p50 / floor.p50,
  p95: a.p95 / floor.p95,
  p99: a.p99 / floor.p99,
});

/** A call measured: its start (µs, monotonic) and the name of the mark that ends it. */
interface Sample {
  who: Who;
  startUs: number;
  mark: string;
}

/** The bridge's writes to the agents' sockets, timed: the first frame naming `needle` sent to `ext`. */
class SendClock {
  private watch: { ext: string; needle: string; atUs?: number } | undefined;

  constructor(e2e: E2E) {
    const hub = e2e.sim.cti;
    const send = hub.send.bind(hub);
    hub.send = (c: Connection, frame: Record<string, unknown> | string) => {
      const at = monotonicUs();
      const sent = send(c, frame);
      const w = this.watch;
      if (
        sent &&
        w &&
        w.atUs === undefined &&
        c.extension === w.ext &&
        typeof frame === 'string' &&
        frame.includes(w.needle)
      )
        w.atUs = at;
      return sent;
    };
  }

  expect(ext: string, needle: string): void {
    this.watch = { ext, needle };
  }

  take(): number {
    const at = this.watch?.atUs;
    this.watch = undefined;
    if (at === undefined) throw new Error('the bridge sent no frame of the call to the agent');
    return at;
  }
}

/** In the page: resolves `window.__benchPop` once `tag` enters the document, a frame is rendered, and `mark` is made. */
async function armProbe(page: Page, tag: string, mark: string): Promise<void> {
  await page.evaluate(
    (tag, mark) => {
      const w = window as unknown as { __benchPop?: Promise<string> };
      w.__benchPop = new Promise((resolve) => {
        const observer = new MutationObserver((records) => {
          if (!records.some((r) => [...r.addedNodes].some((n) => n.nodeName === tag))) return;
          observer.disconnect();
          requestAnimationFrame(() => {
            const channel = new MessageChannel();
            channel.port1.onmessage = () => {
              performance.mark(mark);
              resolve(mark);
            };
            channel.port2.postMessage(null);
          });
        });
        observer.observe(document.documentElement, { childList: true });
      });
    },
    tag,
    mark,
  );
}

async function popped(page: Page, what: string): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), 30_000);
  });
  try {
    await Promise.race([
      page.evaluate(() => (window as unknown as { __benchPop?: Promise<string> }).__benchPop),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

interface Bench {
  e2e: E2E;
  page: Page;
  floorId: string;
  sends: SendClock;
  counter: number;
}

const connected = (b: Bench, who: Who) =>
  waitFor(() => b.e2e.sim.cti.presence().has(who.ext), { what: `${who.ext} connected`, timeout: 30_000 });

async function settle(b: Bench): Promise<void> {
  await waitFor(() => b.page.evaluate(() => !document.querySelector('popline-cards')), {
    what: 'no card',
    timeout: 15_000,
  });
  await sleep(GAP_MS);
}

async function oneCall(b: Bench, who: Who, { cold = false } = {}): Promise<Sample> {
  await settle(b);
  await connected(b, who);
  b.counter += 1;
  const id = `bench-${b.counter}`;
  const mark = `popline-bench:${id}`;
  await armProbe(b.page, who.tag, mark);
  if (cold) {
    if (who === POPLINE) await b.e2e.chromium.stopWorker();
    else await stopServiceWorker(b.e2e.chromium.browser, b.floorId);
  }
  b.sends.expect(who.ext, `"${id}"`);
  const rang = monotonicUs();
  b.e2e.sim.pbx.ring({ id, from: '+49 30 1234567', name: 'Bench Caller', to: who.ext });
  await popped(b.page, `the pop of ${id} (${who.ext})`);
  const sent = b.sends.take();
  b.e2e.sim.pbx.answer(id);
  b.e2e.sim.pbx.hangup(id);
  return { who, startUs: cold ? rang : sent, mark };
}

/** `count` calls each, PopLine's and the floor's alternating, in pairs whose order alternates. */
async function pairs(b: Bench, count: number, options = {}): Promise<Sample[]> {
  const samples: Sample[] = [];
  for (let i = 0; i < count; i++) {
    const order = i % 2 ? [FLOOR, POPLINE] : [POPLINE, FLOOR];
    for (const who of order) samples.push(await oneCall(b, who, options));
  }
  return samples;
}

type TraceEvent = {
  name: string;
  cat?: string;
  ph: string;
  ts: number;
  dur?: number;
  pid: number;
  tid: number;
  args?: Record<string, unknown>;
};

/** A trace of the whole browser (every process: the tab, both workers) while `during` runs. */
async function traced(browser: Browser, categories: string[], during: () => Promise<void>): Promise<TraceEvent[]> {
  const session = await browser.target().createCDPSession();
  try {
    await session.send('Tracing.start', {
      transferMode: 'ReturnAsStream',
      traceConfig: { includedCategories: categories, excludedCategories: ['*'] },
    });
    let failure: unknown;
    await during().catch((error) => {
      failure = error ?? new Error('failed');
    });
    const complete = new Promise<string | undefined>((resolve) =>
      session.once('Tracing.tracingComplete', (event: { stream?: string }) => resolve(event.stream)),
    );
    await session.send('Tracing.end');
    const stream = await complete;
    let text = '';
    for (let eof = !stream; !eof; ) {
      const chunk = await session.send('IO.read', { handle: stream as string });
      text += chunk.base64Encoded ? Buffer.from(chunk.data, 'base64').toString('utf8') : chunk.data;
      eof = chunk.eof;
    }
    if (stream) await session.send('IO.close', { handle: stream });
    if (failure) throw failure;
    const parsed = JSON.parse(text || '{}') as { traceEvents?: TraceEvent[] } | TraceEvent[];
    return Array.isArray(parsed) ? parsed : (parsed.traceEvents ?? []);
  } finally {
    await session.detach().catch(() => undefined);
  }
}

/** The bench's marks in a trace, by name. */
function marksOf(events: TraceEvent[]): Map<string, number> {
  const marks = new Map<string, number>();
  for (const event of events)
    if (event.name.startsWith('popline-bench:') && !marks.has(event.name)) marks.set(event.name, event.ts);
  return marks;
}

/** Marks made between two hrtime readings must be between them in the trace: the two clocks are one. */
async function clockCheck(page: Page, rounds: number): Promise<Array<{ mark: string; before: number; after: number }>> {
  const brackets = [];
  for (let i = 0; i < rounds; i++) {
    const mark = `popline-bench:clock-${i}`;
    const before = monotonicUs();
    await page.evaluate((m) => void performance.mark(m), mark);
    brackets.push({ mark, before, after: monotonicUs() });
    await sleep(10);
  }
  return brackets;
}

const latencies = (samples: Sample[], marks: Map<string, number>, who: Who) =>
  samples
    .filter((s) => s.who === who)
    .map((s) => {
      const end = marks.get(s.mark);
      if (end === undefined) throw new Error(`the trace has no mark ${s.mark}`);
      return (end - s.startUs) / 1000;
    });

// ---------------------------------------------------------------------------------------------
// Where PopLine's time goes (BENCH_PROFILE=1).

async function profile(b: Bench): Promise<string[]> {
  const categories = [
    'devtools.timeline',
    'v8.execute',
    'blink.user_timing',
    'toplevel',
    'disabled-by-default-devtools.timeline',
  ];
  const samples: Sample[] = [];
  const traceEvents = await traced(b.e2e.chromium.browser, categories, async () => {
    for (let i = 0; i < PROFILE_CALLS; i++) samples.push(await oneCall(b, POPLINE));
  });
  const threads = new Map<string, string>();
  for (const e of traceEvents) {
    if (e.name === 'thread_name') threads.set(`${e.pid}:${e.tid}`, String((e.args as { name?: string })?.name));
    if (e.name === 'process_name') threads.set(`${e.pid}`, String((e.args as { name?: string })?.name));
  }
  const marks = marksOf(traceEvents);
  // Top-level work per thread inside each call's window (start → mark), summed over the calls.
  const busy = new Map<string, number>();
  const what = new Map<string, number>();
  let window = 0;
  const complete = traceEvents.filter(
    (e) => e.ph === 'X' && e.dur && (e.name === 'RunTask' || e.name === 'ThreadControllerImpl::RunTask'),
  );
  const inner = traceEvents.filter(
    (e) =>
      e.ph === 'X' &&
      e.dur &&
      [
        'FunctionCall',
        'EvaluateScript',
        'v8.run',
        'ParseHTML',
        'UpdateLayoutTree',
        'Layout',
        'Paint',
        'v8.compile',
        'MinorGC',
        'MajorGC',
        'V8.GC_SCAVENGER',
        'EventDispatch',
        'TimerFire',
        'FireAnimationFrame',
        'RunMicrotasks',
        'v8.callFunction',
        'CompileCode',
        'CompileScript',
      ].includes(e.name),
  );
  for (const s of samples) {
    const end = marks.get(s.mark);
    if (end === undefined) continue;
    window += end - s.startUs;
    const clip = (e: TraceEvent) => Math.max(0, Math.min(end, e.ts + (e.dur ?? 0)) - Math.max(s.startUs, e.ts));
    for (const e of complete) {
      const d = clip(e);
      if (!d) continue;
      const key = `${threads.get(String(e.pid)) ?? e.pid} / ${threads.get(`${e.pid}:${e.tid}`) ?? e.tid}`;
      busy.set(key, (busy.get(key) ?? 0) + d);
    }
    for (const e of inner) {
      const d = clip(e);
      if (!d) continue;
      const url = ((e.args?.data as { url?: string; functionName?: string } | undefined)?.url ?? '').replace(
        /^chrome-extension:\/\/[^/]+\//,
        '',
      );
      const key = `${e.name}${url ? ` ${url}` : ''} (${threads.get(`${e.pid}:${e.tid}`) ?? e.tid} of ${threads.get(String(e.pid)) ?? e.pid})`;
      what.set(key, (what.get(key) ?? 0) + d);
    }
  }
  const lat = latencies(samples, marks, POPLINE);
  const per = (us: number) => `${(us / 1000 / samples.length).toFixed(2).padStart(6)} ms`;
  const top = (m: Map<string, number>, n: number) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, v]) => `    ${per(v)}  ${k}`);
  return [
    `Profile: ${samples.length} warm PopLine calls traced (timeline, V8), ${fmt(quantiles(lat))}, mean window ${per(window)}`,
    '  busy time inside the call window, per call, by thread (tasks):',
    ...top(busy, 10),
    '  by event (nested: overlaps its task):',
    ...top(what, 16),
  ];
}

// ---------------------------------------------------------------------------------------------
// Sizes and the content script's cost (as before).

function bundleSizes(): { lines: string[]; figures: Record<string, { kib: number; gzipKib: number }> } {
  const lines: string[] = [];
  const figures: Record<string, { kib: number; gzipKib: number }> = {};
  for (const file of readdirSync(CHROME_DIST)
    .filter((f) => f.endsWith('.js'))
    .sort()) {
    const path = join(CHROME_DIST, file);
    const kib = statSync(path).size / 1024;
    const gzipKib = gzipSync(readFileSync(path)).length / 1024;
    figures[file] = { kib: Math.round(kib * 10) / 10, gzipKib: Math.round(gzipKib * 10) / 10 };
    lines.push(`  ${file.padEnd(16)} ${kib.toFixed(1).padStart(7)} KiB   gzip ${gzipKib.toFixed(1).padStart(6)} KiB`);
  }
  return { lines, figures };
}

/** JS heap and script time of the same CRM page with PopLine's content script and without. */
async function contentCost(e2e: E2E): Promise<{ heapKiB: number; scriptMs: number; rounds: number }> {
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
  return { heapKiB: Math.round(heapDelta / 1024), scriptMs: Math.round(scriptDelta * 10) / 10, rounds };
}

// ---------------------------------------------------------------------------------------------

export async function main(): Promise<void> {
  const e2e = await startE2E({ team: undefined });
  const floorDir = writeFloorExtension(e2e.sim.ctiUrl);
  try {
    const tokens = e2e.sim.cti.options.tokens;
    const only = { dial: true, control: true, history: true, monitorAll: false };
    tokens[POPLINE.token] = { extension: POPLINE.ext, userName: 'agent', fullName: 'Demo Agent', permissions: only };
    tokens[FLOOR.token] = { extension: FLOOR.ext, userName: 'floor', permissions: only };
    const floorId = await e2e.chromium.browser.installExtension(floorDir);
    const patch = { cards: { fadeAfterSeconds: 0 } };
    await e2e.setup(patch, POPLINE.token);
    const page = await e2e.openCrm();
    const b: Bench = { e2e, page, floorId, sends: new SendClock(e2e), counter: 0 };
    await connected(b, POPLINE);
    // Configuring it opened a DevTools session on PopLine's worker; the floor's has none.
    await e2e.chromium.stopWorker();
    await connected(b, FLOOR);
    await pairs(b, 5); // warm-up, not counted

    let brackets: Awaited<ReturnType<typeof clockCheck>> = [];
    let warm: Sample[] = [];
    let cold: Sample[] = [];
    const events = await traced(e2e.chromium.browser, ['blink.user_timing'], async () => {
      brackets = await clockCheck(page, 20);
      warm = await pairs(b, WARM_CALLS);
      cold = await pairs(b, COLD_CALLS, { cold: true });
    });
    const marks = marksOf(events);
    const outside = brackets.filter(({ mark, before, after }) => {
      const at = marks.get(mark);
      return at === undefined || at < before || at > after;
    });
    if (outside.length)
      throw new Error(
        `the trace's clock is not the simulator's: ${outside.length} of ${brackets.length} marks fell outside their hrtime brackets`,
      );
    const widest = Math.max(...brackets.map((x) => x.after - x.before)) / 1000;

    const result = (samples: Sample[]) => {
      const popline = quantiles(latencies(samples, marks, POPLINE));
      const floor = quantiles(latencies(samples, marks, FLOOR));
      const ratio = ratios(popline, floor);
      return { popline, floor, ratio, goalMet: ratio.p95 <= GOAL ? 1 : 0 };
    };
    const warmResult = result(warm);
    const coldResult = result(cold);

    const profileLines = PROFILE ? await profile(b) : [];

    // Busy: PopLine reconnects with the demo token (monitorAll) so that it hears the 500 other calls.
    await e2e.setup(patch);
    await e2e.chromium.stopWorker();
    await connected(b, POPLINE);
    e2e.sim.traffic.start({ calls: 500, holdMs: 20_000 });
    await sleep(2000);
    const busySamples: Sample[] = [];
    const busyEvents = await traced(e2e.chromium.browser, ['blink.user_timing'], async () => {
      for (let i = 0; i < 3; i++) await oneCall(b, POPLINE); // warm-up
      for (let i = 0; i < WARM_CALLS; i++) busySamples.push(await oneCall(b, POPLINE));
    });
    e2e.sim.traffic.stop();
    const busy = quantiles(latencies(busySamples, marksOf(busyEvents), POPLINE));

    await e2e.chromium.browser.uninstallExtension(floorId); // its content script would count as PopLine's
    const cost = await contentCost(e2e);
    const sizes = bundleSizes();
    const version = await e2e.chromium.browser.version();
    const row = (name: string, r: typeof warmResult) =>
      [
        `  ${name.padEnd(6)} PopLine  ${fmt(r.popline)}`,
        `         floor    ${fmt(r.floor)}`,
        `         PopLine / floor   p50 ${r.ratio.p50.toFixed(2)}×   p95 ${r.ratio.p95.toFixed(2)}×   p99 ${r.ratio.p99.toFixed(2)}×   goal p95 ≤ ${GOAL}×: ${r.goalMet ? 'met' : 'NOT met'}`,
      ].join('\n');
    console.log(`
Screen-pop latency, frame sent by the simulator → pop painted (${version}); one clock (CLOCK_MONOTONIC),
clock check: ${brackets.length} marks inside their hrtime brackets (widest ${widest.toFixed(2)} ms); floor = a bare extension
${row('warm', warmResult)}
${row('cold', coldResult)}   (cold: from the ring, the worker stopped just before)
  busy   PopLine  ${fmt(busy)}   500 other calls active; ${(busy.p95 / warmResult.popline.p95).toFixed(2)}× warm p95
Bundle sizes (${CHROME_DIST})
${sizes.lines.join('\n')}
Content script, per CRM tab
  JS heap added to a CRM tab     ${cost.heapKiB} KiB (after GC, mean of ${cost.rounds})
  script time added at load      ${cost.scriptMs.toFixed(1)} ms${profileLines.length ? `\n${profileLines.join('\n')}` : ''}`);
    saveFigures('screenpop', {
      chromium: version,
      clock: { marks: brackets.length, widestBracketMs: widest },
      warm: warmResult,
      cold: coldResult,
      busy: { popline: busy, toWarmP95: busy.p95 / warmResult.popline.p95 },
      bundles: sizes.figures,
      content: cost,
    });
  } finally {
    await e2e.close();
    rmSync(floorDir, { recursive: true, force: true });
  }
}
