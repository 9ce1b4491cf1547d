#!/usr/bin/env node
/**
 * Number detection in real Chromium: what it costs a CRM page. Prints its figures; asserts
 * nothing (a benchmark never fails on time, it reports).
 *   node bench/detect.mjs                 uses dist/chrome (npm run build first)
 *   POPLINE_DIST=/tmp/x node bench/detect.mjs
 *   node bench/detect.mjs --runs 5        repetitions per measurement (default 5)
 *   node bench/detect.mjs --only 1,2      some of the measurements below
 *
 * 1. Initial scan of a 1 MB page with 10,000 text nodes, cold (a fresh tab): PopLine's
 *    main-thread time and its longest task, from a DevTools trace (every task that ran
 *    PopLine's scripts, detect.js injection included), plus the detector's own slice timings.
 *    Targets: ≤ 40 ms, no task over 50 ms.
 * 2. The page adds 50 table rows (each with a phone number), 60 times: PopLine's work per
 *    batch (observer callback plus scan), p50/p95/max. Target: ≤ 3 ms p95.
 * 3. The page's own DOM-heavy script (builds, edits, re-sorts and clears a 5,000-row table)
 *    with and without PopLine: median run time. Target: ≤ 10 % slower.
 * 4. Mutations PopLine made to the page's tree during all of the above (a MutationObserver
 *    the page installs before PopLine runs). Target: 0.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import puppeteer from 'puppeteer-core';

const root = join(import.meta.dirname, '..');
const dist = join(process.env.POPLINE_DIST ?? join(root, 'dist'), 'chrome');
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const { values } = parseArgs({
  options: { runs: { type: 'string', default: '5' }, only: { type: 'string', default: '1,2,3,4' } },
});
const RUNS = Math.max(1, Number(values.runs) || 5);
const ONLY = new Set(values.only.split(','));

if (!existsSync(join(dist, 'detect.js'))) {
  console.error(`${dist} has no detect.js: build first (npm run build, or POPLINE_DIST=… node scripts/build.mjs)`);
  process.exit(1);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const quantile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];
const ms = (x) => `${x.toFixed(1)} ms`;

// ---------------------------------------------------------------------------------------------
// Pages

/** Records the page's tree changes from the start; the parser's own work is dropped at the end. */
const RECORDER = `<script>
  window.__mutations = [];
  const recorder = new MutationObserver((records) => { for (const r of records) window.__mutations.push(r); });
  recorder.observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
  document.addEventListener('DOMContentLoaded', () => { recorder.takeRecords(); window.__mutations.length = 0; });
  /** Changes not made by the page's own scripts (they mark what they touch). */
  window.foreignMutations = () => { recorder.takeRecords(); return window.__mutations.filter((r) => !window.__own.has(r.target)).length; };
  window.__own = new Set();
</script>`;

const NAMES = [
  'Maria Gonzalez',
  'James Wright',
  'Priya Raman',
  'Tom Becker',
  'Alicia Wu',
  'Daniel Okafor',
  'Hannah Schultz',
];
const NOTE =
  'Discussed the renewal of the service agreement and the new pricing tiers; customer asked for a written quote ' +
  'and a follow-up call next week, preferably in the morning before the weekly planning meeting starts. ';

/** 2,000 rows × 5 cells = 10,000 text nodes, about 1 MB of text, 1,000 phone numbers among dates, amounts and ids. */
function bigPage() {
  const rows = [];
  for (let i = 0; i < 2000; i++) {
    const n = String(i % 10000).padStart(4, '0');
    const phone = i % 2 === 0 ? `(212) 555-${n}` : `INV-2024-${String(i).padStart(6, '0')}`;
    rows.push(
      `<tr><td>${NAMES[i % NAMES.length]} ${i}</td><td>${phone}</td><td>03/${String((i % 28) + 1).padStart(2, '0')}/2024 14:${String(i % 60).padStart(2, '0')}</td>` +
        `<td>$${(i * 37.5).toFixed(2)} · order ${4500000000 + i}</td><td>${NOTE.repeat(2).slice(0, 430 + (i % 40))}</td></tr>`,
    );
  }
  return `<!doctype html><html><head><meta charset="utf-8"><title>Big CRM page</title>${RECORDER}</head>
<body><h1>Contacts</h1><table id="t"><tbody>${rows.join('\n')}</tbody></table></body></html>`;
}

/** A small CRM table the page grows by 50 rows at a time. */
function growingPage() {
  return `<!doctype html><html><head><meta charset="utf-8"><title>Growing list</title>${RECORDER}
<script>
  let added = 0;
  window.addRows = (count) => {
    const body = document.querySelector('#t tbody');
    for (let i = 0; i < count; i++, added++) {
      const row = document.createElement('tr');
      const n = String(added % 10000).padStart(4, '0');
      row.innerHTML = '<td>Lead ' + added + '</td><td>(415) 555-' + n + '</td><td>03/12/2024</td><td>Order 45' + String(10000000 + added) + '</td><td>$' + (added * 3).toFixed(2) + '</td>';
      window.__own.add(body);
      body.append(row);
    }
  };
</script></head>
<body><h1>Leads</h1><table id="t"><tbody><tr><td>Seed</td><td>(212) 555-0100</td></tr></tbody></table></body></html>`;
}

/**
 * The page's own DOM-heavy work, two kinds, on a page nothing else watches:
 * - "list app": the operations of the js-framework-benchmark in plain DOM code, on a CRM-like
 *   list whose rows carry phone numbers (create 1,000 rows, replace them, update every 10th,
 *   select, swap, remove, create 10,000, append 1,000, clear);
 * - "worst case": 5,000 rows appended one by one to the live table, a text edit in each,
 *   all re-sorted one by one, then removed: about 20,000 observed changes in one go.
 */
function heavyPage() {
  return `<!doctype html><html><head><meta charset="utf-8"><title>Heavy page</title>
<style>.danger{background:#fdd}</style>
<script>
  const NAMES = ['Maria', 'James', 'Priya', 'Tom', 'Alicia', 'Daniel', 'Hannah', 'Victor', 'Grace', 'Samuel'];
  const COMPANIES = ['Brightline', 'Nimbus', 'Harbor', 'Okafor', 'Lakeside', 'Desert', 'Kim', 'Price'];
  let nextId = 1;
  let rows = [];
  const template = document.createElement('tr');
  template.innerHTML = '<td class="id"></td><td><a class="name"></a></td><td class="phone"></td><td><a class="remove">×</a></td>';
  const body = () => document.getElementById('list');
  function data(count) {
    return Array.from({ length: count }, () => {
      const id = nextId++;
      return { id, name: NAMES[id % 10] + ' ' + COMPANIES[id % 8] + ' ' + id, phone: '(212) 555-' + String(id % 10000).padStart(4, '0') };
    });
  }
  function row(item) {
    const tr = template.cloneNode(true);
    tr.firstChild.textContent = item.id;
    tr.childNodes[1].firstChild.textContent = item.name;
    tr.childNodes[2].textContent = item.phone;
    return tr;
  }
  function add(count) { for (const item of data(count)) { const tr = row(item); rows.push(tr); body().appendChild(tr); } }
  function clear() { body().textContent = ''; rows = []; }
  window.ops = {
    create1k() { clear(); add(1000); },
    replace1k() { clear(); add(1000); },
    update10th() { for (let i = 0; i < rows.length; i += 10) { const label = rows[i].childNodes[1].firstChild.firstChild; label.nodeValue = label.nodeValue + ' !!!'; } },
    select() { rows[5].className = 'danger'; },
    swap() { const a = rows[1], b = rows[998], after = b.nextSibling; body().insertBefore(b, a); body().insertBefore(a, after); [rows[1], rows[998]] = [b, a]; },
    remove() { rows[500].remove(); rows.splice(500, 1); },
    create10k() { clear(); add(10000); },
    append1k() { add(1000); },
    clear,
  };
  /** One operation, and the time until the page's next task can run (observer callbacks included). */
  window.op = (name) => new Promise((resolve) => {
    const started = performance.now();
    window.ops[name]();
    const script = performance.now() - started;
    setTimeout(() => resolve({ script, untilNextTask: performance.now() - started }), 0);
  });
  window.worstCase = () => new Promise((resolve) => {
    const started = performance.now();
    const table = document.getElementById('t');
    const tbody = document.createElement('tbody');
    table.append(tbody);
    for (let i = 0; i < 5000; i++) {
      const tr = document.createElement('tr');
      for (const text of ['Contact ' + i, '(646) 555-' + String(i % 10000).padStart(4, '0'), '2024-03-01', '$' + (i * 1.5).toFixed(2)]) {
        const cell = document.createElement('td');
        cell.textContent = text;
        tr.append(cell);
      }
      tbody.append(tr);
    }
    for (const cell of tbody.querySelectorAll('tr > td:nth-child(4)')) cell.firstChild.data = cell.firstChild.data + ' paid';
    for (const tr of [...tbody.rows].reverse()) tbody.append(tr);
    tbody.remove();
    const script = performance.now() - started;
    setTimeout(() => resolve({ script, untilNextTask: performance.now() - started }), 0);
  });
</script></head><body><h1>Contacts</h1><table><tbody id="list"></tbody></table><table id="t"></table></body></html>`;
}

const OPS = ['create1k', 'replace1k', 'update10th', 'select', 'swap', 'remove', 'create10k', 'append1k', 'clear'];

const PAGES = { 'big.html': bigPage, 'growing.html': growingPage, 'heavy.html': heavyPage };

function serve() {
  const server = createServer((request, response) => {
    const page = PAGES[new URL(request.url, 'http://x').pathname.slice(1)];
    response.writeHead(page ? 200 : 404, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    response.end(page ? page() : '');
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

// ---------------------------------------------------------------------------------------------
// Browser

async function launch(withPopLine) {
  const userDataDir = mkdtempSync(join(tmpdir(), 'popline-bench-'));
  const browser = await puppeteer.launch({
    executablePath: chromiumPath,
    headless: true,
    pipe: true,
    enableExtensions: withPopLine,
    userDataDir,
    args: JSON.parse(readFileSync(join(root, 'scripts/chromium.json'), 'utf8')).args,
    defaultViewport: { width: 1280, height: 800 },
  });
  let extensionId;
  if (withPopLine) {
    extensionId = await browser.installExtension(dist);
    const target = await browser.waitForTarget((t) => t.type() === 'service_worker' && t.url().includes(extensionId));
    const worker = await target.worker();
    for (let i = 0; i < 100; i++) {
      if (await worker.evaluate(() => typeof chrome !== 'undefined' && !!chrome.storage).catch(() => false)) break;
      await sleep(50);
    }
    // Detection on for 127.0.0.1, cards off (the benchmark measures detection, not cards).
    await worker.evaluate(() =>
      chrome.storage.local.set({
        settings: {
          version: 1,
          phone: { defaultCountry: 'US' },
          crm: { sites: [{ pattern: 'http://127.0.0.1/*', card: false, detect: true, links: true }], homeUrl: '' },
        },
        credentials: { token: '' },
      }),
    );
  }
  return {
    browser,
    extensionId,
    async close() {
      await browser.close().catch(() => undefined);
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Evaluates in PopLine's content-script world (the page cannot; the DevTools protocol can). */
async function inPopLine(page, expression) {
  const session = await page.createCDPSession();
  const contexts = [];
  session.on('Runtime.executionContextCreated', ({ context }) => contexts.push(context));
  await session.send('Runtime.enable');
  try {
    const context = contexts.find((c) => c.auxData?.type === 'isolated' && c.origin?.startsWith('chrome-extension://'));
    if (!context) return undefined;
    const { result } = await session.send('Runtime.evaluate', {
      expression,
      contextId: context.id,
      returnByValue: true,
    });
    return result.value;
  } finally {
    await session.detach().catch(() => undefined);
  }
}

const STATS = "globalThis[Symbol.for('popline.detector')]?.stats()";

async function waitForScan(page) {
  for (let i = 0; i < 400; i++) {
    const stats = await inPopLine(page, STATS);
    if (stats?.initialDone) return stats;
    await sleep(50);
  }
  throw new Error('the initial scan did not finish');
}

/**
 * PopLine's share of the page's main thread, measured from outside it: the sampling profiler
 * (100 µs) says which samples ran PopLine's scripts (content.js, and detect.js for detection);
 * the trace says which task each sample belonged to.
 */
function popLineTime(profile, trace, extensionId) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const scriptsOf = new Map();
  /** Which of PopLine's scripts are on a sample's stack. */
  const scripts = (id) => {
    if (scriptsOf.has(id)) return scriptsOf.get(id);
    const node = byId.get(id);
    const url = node?.callFrame.url ?? '';
    const own = url.startsWith(`chrome-extension://${extensionId}/`) ? url.slice(url.lastIndexOf('/') + 1) : '';
    const result = new Set(parent.has(id) ? scripts(parent.get(id)) : []);
    if (own) result.add(own);
    scriptsOf.set(id, result);
    return result;
  };
  const events = JSON.parse(new TextDecoder().decode(trace)).traceEvents;
  const main = events.find(
    (e) =>
      e.name === 'thread_name' &&
      e.args?.name === 'CrRendererMain' &&
      events.some(
        (x) => x.pid === e.pid && x.name === 'EvaluateScript' && String(x.args?.data?.url).includes(extensionId),
      ),
  );
  const tasks = events
    .filter((e) => e.name === 'RunTask' && e.ph === 'X' && e.pid === main?.pid && e.tid === main?.tid)
    .sort((a, b) => a.ts - b.ts);
  const result = { all: { total: 0, tasks: new Set() }, detect: { total: 0, tasks: new Set() } };
  let time = profile.startTime;
  profile.samples.forEach((sample, index) => {
    time += profile.timeDeltas[index] ?? 0;
    const on = scripts(sample);
    if (!on.size) return;
    const weight = (profile.timeDeltas[index + 1] ?? profile.timeDeltas[index] ?? 0) / 1000;
    const task = tasks.findLast((t) => t.ts <= time && time <= t.ts + t.dur);
    for (const [key, hit] of [
      ['all', true],
      ['detect', on.has('detect.js')],
    ]) {
      if (!hit) continue;
      result[key].total += weight;
      if (task) result[key].tasks.add(task);
    }
  });
  const longest = (set) => Math.max(0, ...[...set].map((task) => task.dur / 1000));
  return {
    all: { total: result.all.total, longest: longest(result.all.tasks) },
    detect: { total: result.detect.total, longest: longest(result.detect.tasks) },
  };
}

// ---------------------------------------------------------------------------------------------
// Measurements

/** With BENCH_PROFILE_TOP=1: where PopLine's main-thread time goes, by function (self time). */
function printTopFunctions(profile) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map();
  const deltas = profile.timeDeltas;
  profile.samples.forEach((id, index) => {
    const node = byId.get(id);
    const { url, functionName, lineNumber } = node.callFrame;
    const key = url.startsWith('chrome-extension://')
      ? `${url.split('/').pop()}:${functionName || '(anon)'}:${lineNumber + 1}`
      : `(${functionName || node.callFrame.url.split('/').pop() || 'native'})`;
    self.set(key, (self.get(key) ?? 0) + (deltas[index + 1] ?? 0) / 1000);
  });
  const top = [...self.entries()]
    .filter(([key]) => key.includes('.js:') || key.startsWith('(garbage') || key.startsWith('(program'))
    .sort((a, b) => b[1] - a[1])
    .slice(0, 15);
  for (const [key, ms] of top) console.log(`   ${ms.toFixed(1).padStart(7)} ms  ${key}`);
}

async function initialScan(origin) {
  const results = [];
  for (let run = 0; run < RUNS; run++) {
    const popline = await launch(true);
    try {
      const page = await popline.browser.newPage();
      const profiler = await page.createCDPSession();
      await profiler.send('Profiler.enable');
      await profiler.send('Profiler.setSamplingInterval', { interval: 100 });
      await page.tracing.start({ categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline'] });
      await profiler.send('Profiler.start');
      await page.goto(`${origin}/big.html`, { waitUntil: 'load' });
      const stats = await waitForScan(page);
      await sleep(300);
      const { profile } = await profiler.send('Profiler.stop');
      if (process.env.BENCH_PROFILE_TOP) printTopFunctions(profile);
      const trace = await page.tracing.stop();
      const tasks = popLineTime(profile, trace, popline.extensionId);
      const marked = await page.evaluate(() => CSS.highlights.get('popline-phone')?.size ?? 0);
      const textNodes = await page.evaluate(() => {
        const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        let count = 0;
        while (walker.nextNode()) count++;
        return count;
      });
      const bytes = await page.evaluate(() => document.body.textContent.length);
      const foreign = await page.evaluate(() => window.foreignMutations());
      results.push({ stats, tasks, marked, textNodes, bytes, foreign });
    } finally {
      await popline.close();
    }
  }
  return results;
}

async function batches(origin) {
  const popline = await launch(true);
  try {
    const page = await popline.browser.newPage();
    await page.goto(`${origin}/growing.html`);
    await waitForScan(page);
    const before = (await inPopLine(page, STATS)).batchMs.length;
    for (let i = 0; i < 60; i++) {
      await page.evaluate(() => window.addRows(50));
      await sleep(60);
    }
    await sleep(500);
    const stats = await inPopLine(page, STATS);
    const painted = await page.evaluate(() => CSS.highlights.get('popline-phone')?.size ?? 0);
    const foreign = await page.evaluate(() => window.foreignMutations());
    return { batchMs: stats.batchMs.slice(before), marked: stats.marked, painted, repaint: stats.repaint, foreign };
  } finally {
    await popline.close();
  }
}

async function heavyScript(origin) {
  const runOnce = async (withPopLine) => {
    const browser = await launch(withPopLine);
    try {
      const page = await browser.browser.newPage();
      await page.goto(`${origin}/heavy.html`);
      if (withPopLine) await waitForScan(page);
      const app = { script: 0, untilNextTask: 0 };
      for (const name of OPS) {
        const result = await page.evaluate((op) => window.op(op), name);
        app.script += result.script;
        app.untilNextTask += result.untilNextTask;
        // Spaced out: what PopLine does after an operation (idle-time walk, background finding) is
        // measured in 1 and 2; here the question is what the operation itself costs the page.
        await sleep(800);
      }
      // Spaced out, so PopLine faces each burst with its observer on (no backing off from the last one).
      await sleep(1500);
      const worst = await page.evaluate(() => window.worstCase());

      return { app, worst };
    } finally {
      await browser.close();
    }
  };
  const without = [];
  const withIt = [];
  // Alternate, so a busy moment on the machine hits both sides alike.
  for (let run = 0; run < RUNS; run++) {
    without.push(await runOnce(false));
    withIt.push(await runOnce(true));
  }
  return { without, withIt };
}

// ---------------------------------------------------------------------------------------------

const server = await serve();
const origin = `http://127.0.0.1:${server.address().port}`;
console.log(`PopLine number detection benchmark (${dist}, ${RUNS} runs each, Chromium headless)\n`);
try {
  let foreign = 0;
  if (ONLY.has('1') || ONLY.has('4')) {
    const scans = await initialScan(origin);
    const first = scans[0];
    foreign += scans.reduce((n, s) => n + s.foreign, 0);
    const line = (label, values) =>
      console.log(`   ${label.padEnd(58)} median ${ms(median(values))}  max ${ms(Math.max(...values))}`);
    console.log(
      `1. Initial scan, cold: ${first.textNodes} text nodes, ${(first.bytes / 1e6).toFixed(2)} MB of text, ${first.marked} numbers marked`,
    );
    console.log(
      `   (${first.stats.sent} text nodes hold seven digits or more and go to the background to be searched)`,
    );
    line(
      "detect.js on the page's main thread (profiler)",
      scans.map((s) => s.tasks.detect.total),
    );
    line(
      'longest task running detect.js (trace)',
      scans.map((s) => s.tasks.detect.longest),
    );
    line(
      "all of PopLine's scripts, content.js included (profiler)",
      scans.map((s) => s.tasks.all.total),
    );
    line(
      "longest task running any of PopLine's scripts (trace)",
      scans.map((s) => s.tasks.all.longest),
    );
    line(
      "the detector's own account of its slices (walk, send, paint)",
      scans.map((s) => s.stats.initialScanMs),
    );
    line(
      "the detector's longest slice",
      scans.map((s) => s.stats.initialLongestSliceMs),
    );
    console.log('   targets: ≤ 40 ms, no task over 50 ms');
  }
  if (ONLY.has('2') || ONLY.has('4')) {
    const grow = await batches(origin);
    foreign += grow.foreign;
    console.log(
      `\n2. 50 new table rows, ${grow.batchMs.length} batches: ${grow.marked} numbers marked in the end, ` +
        `${grow.painted} of them painted (past 250, those near the viewport)`,
    );
    console.log(
      `   keeping the painted window up to date: ${grow.repaint.count} times, ${ms(grow.repaint.ms)} in all, longest ${ms(grow.repaint.longest)}`,
    );
    console.log(
      `   PopLine time per batch  p50 ${ms(quantile(grow.batchMs, 0.5))}  p95 ${ms(quantile(grow.batchMs, 0.95))}  max ${ms(Math.max(...grow.batchMs))}   target: ≤ 3 ms p95`,
    );
  }
  if (ONLY.has('3') || ONLY.has('4')) {
    const heavy = await heavyScript(origin);
    const pct = (a, b) => `${(((b - a) / a) * 100).toFixed(1)} %`;
    console.log("\n3. The page's own DOM-heavy script, without and with PopLine (median of runs)");
    for (const [label, pick] of [
      ['list app, 9 operations', (r) => r.app],
      ['worst case, 20,000 changes', (r) => r.worst],
    ]) {
      for (const key of ['script', 'untilNextTask']) {
        const base = median(heavy.without.map((r) => pick(r)[key]));
        const withIt = median(heavy.withIt.map((r) => pick(r)[key]));
        const what = key === 'script' ? 'script alone' : 'until its next task runs';
        console.log(
          `   ${label.padEnd(28)} ${what.padEnd(25)} without ${ms(base)}  with PopLine ${ms(withIt)}  → ${pct(base, withIt)}`,
        );
      }
    }
    console.log('   target: ≤ 10 % slower');
  }
  console.log(`\n4. Mutations PopLine made to the page's tree during the runs above: ${foreign}   target: 0`);
} finally {
  server.close();
}
