#!/usr/bin/env node
/**
 * Number detection in real Chromium: what it costs a CRM page. Prints its figures; asserts
 * nothing (a benchmark never fails on time, it reports).
 *   node bench/detect.mjs                 uses dist/chrome (npm run build first)
 *   POPLINE_DIST=/tmp/x node bench/detect.mjs
 *   node bench/detect.mjs --runs 5        repetitions per measurement (default 5)
 *   node bench/detect.mjs --only 1,2      some of the measurements below
 *   node bench/detect.mjs --peer-runs 3   repetitions of 5 (default 3: each is four browsers)
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
 * 5. PopLine against its peers on the same pages in the same run (issue 20): peer 1, the
 *    link-wrapping scanner (libphonenumber-js findNumbers, each match wrapped in <a href="tel:">),
 *    peer 2, plain findPhoneNumbersInText marking with the Highlight API; both served to the page
 *    as a script that runs after DOMContentLoaded and observes the page, as a content script would.
 *    Main-thread time (profiler) and longest task (trace) on the 1 MB page and the 50-row batches,
 *    DOM mutations, the DOM-heavy script run back to back plus 2 s for the deferred work (the
 *    page's main-thread busy time from the trace, against the page alone), precision and recall
 *    on both labelled corpora; then PopLine's ratio to each.
 * Figures: artifacts/bench/detect.json.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as esbuild from 'esbuild';
import puppeteer from 'puppeteer-core';
import { saveFigures } from './_figures.mjs';

const root = join(import.meta.dirname, '..');
const dist = join(process.env.POPLINE_DIST ?? join(root, 'dist'), 'chrome');
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    'peer-runs': { type: 'string', default: '3' },
    only: { type: 'string', default: '1,2,3,4,5' },
  },
});
const RUNS = Math.max(1, Number(values.runs) || 5);
const PEER_RUNS = Math.max(1, Number(values['peer-runs']) || 3);
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

// ---------------------------------------------------------------------------------------------
// Peers: what other click-to-dial extensions do, built here from libphonenumber-js (max metadata,
// as PopLine uses). Both scan every text node after the page has loaded (as a content script at
// document_idle would) and every node added later (a MutationObserver), default country US.

const PEER_COMMON = `
  const COUNTRY = 'US';
  const SKIP = 'a,script,style,textarea,input,select,[contenteditable]';
  function textNodes(root) {
    const nodes = [];
    if (root.nodeType === 3) { if (root.parentElement && !root.parentElement.closest(SKIP)) nodes.push(root); return nodes; }
    if (root.nodeType !== 1 && root.nodeType !== 9) return nodes;
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, {
      acceptNode: (n) => (n.parentElement && !n.parentElement.closest(SKIP) ? 1 : 2),
    });
    while (walker.nextNode()) nodes.push(walker.currentNode);
    return nodes;
  }
  function start(scan) {
    const run = () => {
      scan(document.body);
      window.__peerDone = true;
      const observer = new MutationObserver((records) => {
        observer.disconnect();
        for (const r of records) {
          if (r.type === 'characterData') scan(r.target);
          else for (const n of r.addedNodes) if (n.isConnected) scan(n);
        }
        observer.observe(document.body, { childList: true, subtree: true, characterData: true });
      });
      observer.observe(document.body, { childList: true, subtree: true, characterData: true });
    };
    // After DOMContentLoaded, like a content script: the page's recorder counts from there.
    if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', () => setTimeout(run, 0));
    else setTimeout(run, 0);
  }`;

const PEER_SOURCES = {
  // Peer 1: the link-wrapping scanner: findNumbers, each match wrapped in <a href="tel:">.
  'peer1.js': `import { findNumbers } from 'libphonenumber-js/max';
  ${PEER_COMMON}
  start((root) => {
    for (const node of textNodes(root)) {
      const text = node.data;
      const found = findNumbers(text, COUNTRY, { v2: true });
      if (!found.length) continue;
      const fragment = document.createDocumentFragment();
      let last = 0;
      for (const match of found) {
        fragment.append(text.slice(last, match.startsAt));
        const link = document.createElement('a');
        link.href = 'tel:' + match.number.number;
        link.textContent = text.slice(match.startsAt, match.endsAt);
        fragment.append(link);
        last = match.endsAt;
      }
      fragment.append(text.slice(last));
      node.replaceWith(fragment);
    }
  });`,
  // Peer 2: plain findPhoneNumbersInText, no traps, marking with the Highlight API (no DOM change).
  'peer2.js': `import { findPhoneNumbersInText } from 'libphonenumber-js/max';
  ${PEER_COMMON}
  const highlight = new Highlight();
  CSS.highlights.set('peer-phone', highlight);
  start((root) => {
    for (const node of textNodes(root)) {
      for (const match of findPhoneNumbersInText(node.data, COUNTRY)) {
        highlight.add(new StaticRange({ startContainer: node, startOffset: match.startsAt, endContainer: node, endOffset: match.endsAt }));
      }
    }
  });`,
};
const PEER_JS = {};

async function buildPeers() {
  for (const [name, contents] of Object.entries(PEER_SOURCES)) {
    const built = await esbuild.build({
      stdin: { contents, resolveDir: root, loader: 'js' },
      bundle: true,
      format: 'iife',
      minify: true,
      write: false,
      logLevel: 'error',
    });
    PEER_JS[name] = built.outputFiles[0].text;
  }
}

/** Precision and recall on both labelled corpora, for PopLine and the peers, in Node. */
async function corpusScores() {
  const entry = `
    import { findNumbers, findPhoneNumbersInText } from 'libphonenumber-js/max';
    import { findPhoneNumbers } from './src/shared/detect/findPhoneNumbers';
    import { CORPUS_DIR, readCorpus, scoreCorpus } from './test/support/detectCorpus';
    const adapt = (found) => found.map((m) => ({ start: m.startsAt, end: m.endsAt, e164: m.number.number, ext: m.number.ext }));
    const finders = {
      popline: findPhoneNumbers,
      peer1: (text, { defaultCountry }) => adapt(findNumbers(text, defaultCountry, { v2: true })),
      peer2: (text, { defaultCountry }) => adapt(findPhoneNumbersInText(text, defaultCountry)),
    };
    export function run() {
      const corpora = { main: readCorpus(), wide: readCorpus(CORPUS_DIR + '/wide') };
      const all = [...corpora.main, ...corpora.wide];
      const out = {};
      for (const [who, find] of Object.entries(finders)) {
        out[who] = {};
        for (const [name, pages] of Object.entries({ ...corpora, both: all })) {
          const s = scoreCorpus(find, pages);
          out[who][name] = { precision: s.precision, recall: s.recall, numbers: s.expected };
        }
      }
      return out;
    }`;
  const built = await esbuild.build({
    stdin: { contents: entry, resolveDir: root, loader: 'ts' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    write: false,
    logLevel: 'error',
    define: { __dirname: JSON.stringify(join(root, 'test/support')) },
  });
  mkdirSync(join(root, 'node_modules/.cache'), { recursive: true });
  const dir = mkdtempSync(join(root, 'node_modules/.cache/popline-detect-'));
  const file = join(dir, 'corpus.mjs');
  writeFileSync(file, built.outputFiles[0].text);
  try {
    return (await import(file)).run();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function serve() {
  const server = createServer((request, response) => {
    const url = new URL(request.url, 'http://x');
    const name = url.pathname.slice(1);
    if (PEER_JS[name]) {
      response.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store' });
      response.end(PEER_JS[name]);
      return;
    }
    const page = PAGES[name];
    response.writeHead(page ? 200 : 404, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    // ?peer=peer1: the page carries a peer's scanner, the way an extension's content script would run.
    const peer = url.searchParams.get('peer');
    const html = page ? page() : '';
    response.end(peer ? html.replace('</body>', `<script src="/${peer}.js"></script></body>`) : html);
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
  const prefix = `chrome-extension://${extensionId}/`;
  return scriptTime(profile, trace, (url) => (url.startsWith(prefix) ? url.slice(url.lastIndexOf('/') + 1) : ''));
}

/**
 * The main-thread time of the scripts `own(url)` names (it returns a script's name, or '' for
 * scripts of someone else): profiler samples with one of them on the stack, and the longest
 * trace task holding such a sample. `all` counts every own script, `detect` only detect.js.
 */
function scriptTime(profile, trace, own) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const scriptsOf = new Map();
  /** Which of PopLine's scripts are on a sample's stack. */
  const scripts = (id) => {
    if (scriptsOf.has(id)) return scriptsOf.get(id);
    const node = byId.get(id);
    const name = own(node?.callFrame.url ?? '');
    const result = new Set(parent.has(id) ? scripts(parent.get(id)) : []);
    if (name) result.add(name);
    scriptsOf.set(id, result);
    return result;
  };
  const events = JSON.parse(new TextDecoder().decode(trace)).traceEvents;
  const main = events.find(
    (e) =>
      e.name === 'thread_name' &&
      e.args?.name === 'CrRendererMain' &&
      events.some((x) => x.pid === e.pid && x.name === 'EvaluateScript' && own(String(x.args?.data?.url ?? ''))),
  );
  // A trace started after the scripts were loaded has no EvaluateScript: the page's main thread
  // is then the renderer main thread that worked most.
  const thread = main ?? busiestMainThread(events);
  const tasks = events
    .filter((e) => e.name === 'RunTask' && e.ph === 'X' && e.pid === thread?.pid && e.tid === thread?.tid)
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
      ['detect', on.has('detect.js') || on.has('peer1.js') || on.has('peer2.js')],
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

function busiestMainThread(events) {
  let best;
  let most = -1;
  for (const main of events.filter((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain')) {
    const total = events
      .filter((e) => e.name === 'RunTask' && e.ph === 'X' && e.pid === main.pid && e.tid === main.tid)
      .reduce((sum, t) => sum + t.dur, 0);
    if (total > most) [best, most] = [main, total];
  }
  return best;
}

/** Every task of the page's main thread in a trace (the renderer main thread that worked most). */
function mainThreadBusy(trace) {
  const events = JSON.parse(new TextDecoder().decode(trace)).traceEvents;
  const mains = events.filter((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain');
  let best = { total: 0, longest: 0 };
  for (const main of mains) {
    const tasks = events.filter(
      (e) => e.name === 'RunTask' && e.ph === 'X' && e.pid === main.pid && e.tid === main.tid,
    );
    const total = tasks.reduce((sum, t) => sum + t.dur / 1000, 0);
    if (total > best.total) best = { total, longest: Math.max(0, ...tasks.map((t) => t.dur / 1000)) };
  }
  return best;
}

/** Profiler and trace around `work`, on one page: the page's clock (CDP timestamps) for both. */
async function recorded(page, work) {
  const profiler = await page.createCDPSession();
  await profiler.send('Profiler.enable');
  await profiler.send('Profiler.setSamplingInterval', { interval: 100 });
  await page.tracing.start({ categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline'] });
  await profiler.send('Profiler.start');
  const value = await work();
  const { profile } = await profiler.send('Profiler.stop');
  const trace = await page.tracing.stop();
  await profiler.detach().catch(() => undefined);
  return { profile, trace, value };
}

const CONTENDERS = ['popline', 'peer1', 'peer2'];

/**
 * One contender (PopLine, peer 1, peer 2, or "none": the page alone) on the same three pages:
 * the 1 MB page's initial scan, 60 batches of 50 rows, the DOM-heavy script run back to back with
 * 2 s after it for the deferred work (the page's main-thread busy time, every task, from the trace).
 */
async function contender(origin, who) {
  const ctx = await launch(who === 'popline');
  const query = who === 'popline' || who === 'none' ? '' : `?peer=${who}`;
  const prefix = `chrome-extension://${ctx.extensionId}/`;
  const own =
    who === 'popline'
      ? (url) => (url.startsWith(prefix) ? url.slice(url.lastIndexOf('/') + 1) : '')
      : (url) => (url.endsWith(`/${who}.js`) ? `${who}.js` : '');
  const ready = async (page) => {
    if (who === 'popline') return waitForScan(page);
    if (who === 'none') return undefined;
    await page.waitForFunction(() => window.__peerDone === true, { timeout: 60_000 });
  };
  const marked = (page) =>
    page.evaluate(
      () =>
        (CSS.highlights.get('popline-phone')?.size ?? 0) +
        (CSS.highlights.get('peer-phone')?.size ?? 0) +
        document.querySelectorAll('a[href^="tel:"]').length,
    );
  const result = { who };
  try {
    if (who !== 'none') {
      const page = await ctx.browser.newPage();
      const scan = await recorded(page, async () => {
        await page.goto(`${origin}/big.html${query}`, { waitUntil: 'load' });
        await ready(page);
        await sleep(300);
      });
      const time = scriptTime(scan.profile, scan.trace, own).all;
      result.scan = { ms: time.total, longestTaskMs: time.longest, marked: await marked(page) };
      result.mutations = await page.evaluate(() => window.foreignMutations());
      await page.close();

      const grow = await ctx.browser.newPage();
      await grow.goto(`${origin}/growing.html${query}`);
      await ready(grow);
      const rows = await recorded(grow, async () => {
        for (let i = 0; i < 60; i++) {
          await grow.evaluate(() => window.addRows(50));
          await sleep(60);
        }
        await sleep(500);
      });
      const batchTime = scriptTime(rows.profile, rows.trace, own).all;
      result.batches = {
        msPerBatch: batchTime.total / 60,
        longestTaskMs: batchTime.longest,
        marked: await marked(grow),
      };
      result.mutations += await grow.evaluate(() => window.foreignMutations());
      await grow.close();
    }
    const heavy = await ctx.browser.newPage();
    await heavy.goto(`${origin}/heavy.html${query}`);
    await ready(heavy);
    await sleep(300);
    const busy = await recorded(heavy, async () => {
      const page = await heavy.evaluate(async (ops) => {
        let total = 0;
        for (const name of ops) total += (await window.op(name)).untilNextTask;
        total += (await window.worstCase()).untilNextTask;
        return total;
      }, OPS);
      await sleep(2000); // what the scanner does after the page's script: idle walks, background finding
      return page;
    });
    const own2 = who === 'none' ? { total: 0 } : scriptTime(busy.profile, busy.trace, own).all;
    result.heavy = { pageScriptMs: busy.value, mainThreadBusyMs: mainThreadBusy(busy.trace).total, ownMs: own2.total };
    await heavy.close();
  } finally {
    await ctx.close();
  }
  return result;
}

async function peers(origin) {
  await buildPeers();
  const runs = [];
  for (let run = 0; run < PEER_RUNS; run++) {
    // Interleaved: a busy moment on the machine hits every contender alike.
    for (const who of ['none', ...CONTENDERS]) runs.push(await contender(origin, who));
  }
  const med = (who, pick) => median(runs.filter((r) => r.who === who).map(pick));
  const none = med('none', (r) => r.heavy.mainThreadBusyMs);
  const out = {};
  for (const who of CONTENDERS) {
    out[who] = {
      scanMs: med(who, (r) => r.scan.ms),
      scanLongestTaskMs: med(who, (r) => r.scan.longestTaskMs),
      scanMarked: med(who, (r) => r.scan.marked),
      batchMs: med(who, (r) => r.batches.msPerBatch),
      batchLongestTaskMs: med(who, (r) => r.batches.longestTaskMs),
      batchMarked: med(who, (r) => r.batches.marked),
      mutations: med(who, (r) => r.mutations),
      heavyBusyMs: med(who, (r) => r.heavy.mainThreadBusyMs),
      heavyOwnMs: med(who, (r) => r.heavy.ownMs),
      pageSlowdown: med(who, (r) => r.heavy.mainThreadBusyMs) / none - 1,
    };
  }
  return { none: { heavyBusyMs: none }, ...out };
}

// ---------------------------------------------------------------------------------------------

const server = await serve();
const origin = `http://127.0.0.1:${server.address().port}`;
console.log(`PopLine number detection benchmark (${dist}, ${RUNS} runs each, Chromium headless)\n`);
const figures = {};
try {
  let foreign = 0;
  if (ONLY.has('1') || ONLY.has('4')) {
    const scans = await initialScan(origin);
    figures.initialScan = {
      detectMs: median(scans.map((s) => s.tasks.detect.total)),
      detectLongestTaskMs: median(scans.map((s) => s.tasks.detect.longest)),
      allMs: median(scans.map((s) => s.tasks.all.total)),
      allLongestTaskMs: median(scans.map((s) => s.tasks.all.longest)),
      ownAccountMs: median(scans.map((s) => s.stats.initialScanMs)),
    };
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
    figures.batches = {
      p50Ms: quantile(grow.batchMs, 0.5),
      p95Ms: quantile(grow.batchMs, 0.95),
      maxMs: Math.max(...grow.batchMs),
    };
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
        figures.heavy ??= {};
        figures.heavy[`${label.split(',')[0]} ${key}`] = { without: base, with: withIt, ratio: withIt / base };
        const what = key === 'script' ? 'script alone' : 'until its next task runs';
        console.log(
          `   ${label.padEnd(28)} ${what.padEnd(25)} without ${ms(base)}  with PopLine ${ms(withIt)}  → ${pct(base, withIt)}`,
        );
      }
    }
    console.log('   target: ≤ 10 % slower');
  }
  console.log(`\n4. Mutations PopLine made to the page's tree during the runs above: ${foreign}   target: 0`);
  figures.mutations = foreign;
  if (ONLY.has('5')) {
    const quality = await corpusScores();
    const side = await peers(origin);
    figures.peers = side;
    figures.quality = quality;
    const f = (x, digits = 1) => (x === undefined || Number.isNaN(x) ? '—' : x.toFixed(digits));
    const row = (label, pick, digits = 1) =>
      console.log(`   ${label.padEnd(44)} ${CONTENDERS.map((who) => f(pick(who), digits).padStart(10)).join(' ')}`);
    console.log(
      `\n5. PopLine and its peers, same pages, same run (median of ${PEER_RUNS}; main-thread time from the profiler, tasks from the trace)`,
    );
    console.log(`   ${''.padEnd(44)} ${['PopLine', 'peer 1', 'peer 2'].map((x) => x.padStart(10)).join(' ')}`);
    console.log('   peer 1: findNumbers, <a href="tel:"> around each; peer 2: findPhoneNumbersInText, Highlight API');
    row('1 MB page: main-thread time, ms', (w) => side[w].scanMs);
    row('1 MB page: longest task, ms', (w) => side[w].scanLongestTaskMs);
    row('1 MB page: numbers marked', (w) => side[w].scanMarked, 0);
    row('50-row batches: main-thread time per batch, ms', (w) => side[w].batchMs, 2);
    row('50-row batches: longest task, ms', (w) => side[w].batchLongestTaskMs);
    row('DOM mutations (scan + batches)', (w) => side[w].mutations, 0);
    row('page script + deferred work: busy ms', (w) => side[w].heavyBusyMs);
    row('  of which the scanner, ms', (w) => side[w].heavyOwnMs);
    row('  page slowdown vs no scanner, %', (w) => side[w].pageSlowdown * 100);
    for (const corpus of ['main', 'wide', 'both']) {
      row(
        `precision, ${corpus} corpus (${quality.popline[corpus].numbers} numbers)`,
        (w) => quality[w][corpus].precision,
        3,
      );
      row(`recall, ${corpus} corpus`, (w) => quality[w][corpus].recall, 3);
    }
    const ratio = (a, b) => (b === 0 ? (a === 0 ? '1.00×' : '∞') : `${(a / b).toFixed(2)}×`);
    for (const peer of ['peer1', 'peer2']) {
      const p = side.popline;
      const q = side[peer];
      console.log(
        `   PopLine / ${peer === 'peer1' ? 'peer 1' : 'peer 2'}: main-thread ${ratio(p.scanMs, q.scanMs)}, longest task ${ratio(p.scanLongestTaskMs, q.scanLongestTaskMs)}, ` +
          `per batch ${ratio(p.batchMs, q.batchMs)}, mutations ${p.mutations} vs ${q.mutations}, busy ${ratio(p.heavyBusyMs, q.heavyBusyMs)}, ` +
          `precision ${ratio(quality.popline.both.precision, quality[peer].both.precision)}, recall ${ratio(quality.popline.both.recall, quality[peer].both.recall)}`,
      );
    }
    const better = (key) => Math.max(quality.peer1.both[key], quality.peer2.both[key]);
    console.log(
      `   goals: main-thread ≤ 0.25× peer 1 (${ratio(side.popline.scanMs, side.peer1.scanMs)}), 0 mutations (${side.popline.mutations}), ` +
        `precision and recall ≥ the better peer's (${f(quality.popline.both.precision, 3)} vs ${f(better('precision'), 3)}, ${f(quality.popline.both.recall, 3)} vs ${f(better('recall'), 3)})`,
    );
  }
  saveFigures('detect', figures);
} finally {
  server.close();
}
