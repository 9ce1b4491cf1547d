#!/usr/bin/env node
/**
 * Call history benchmark in real Chromium: bundles bench/history-page.ts (the real store from
 * src/background/history), serves it from a local HTTP server, inserts 200,000 calls through
 * the store's import path (1,000,000, the most history.maxCalls allows, with --calls 1000000:
 * over half an hour of inserting on a 2-core machine, as Chromium's LevelDB compacts ever more)
 * and times the queries the popup and the card make: each kind with different queries from a
 * seeded sequence, the kinds interleaved, each query against a floor read of as many calls on
 * the same database. Prints a table with the ratios and the goals, and saves
 * the figures to artifacts/bench/history.json (bench/_figures.mjs).
 *
 *   node bench/history.mjs [--calls 200000] [--queries 200] [--batch 1000] [--headful] [--json out.json]
 *                          [--profile queries.cpuprofile]   (a CPU profile of the renderer while querying)
 *
 * Figures depend on the machine; they are printed, never asserted.
 */
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as esbuild from 'esbuild';
import puppeteer from 'puppeteer-core';
import { saveFigures } from './_figures.mjs';

const QUERIES_READY = 'popline-bench: queries ready';
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

async function bundle() {
  const result = await esbuild.build({
    entryPoints: [join(root, 'bench/history-page.ts')],
    bundle: true,
    format: 'iife',
    target: 'chrome116',
    minify: true,
    write: false,
    logLevel: 'warning',
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  return result.outputFiles[0].text;
}

/** Serves the page and its script; the origin gets its own IndexedDB, as the extension does. */
async function serve(script) {
  const html =
    '<!doctype html><meta charset="utf-8"><title>PopLine history bench</title><script src="bench.js"></script>';
  const server = createServer((request, response) => {
    const body = request.url === '/bench.js' ? script : html;
    const type = request.url === '/bench.js' ? 'text/javascript' : 'text/html';
    response.writeHead(200, { 'content-type': `${type}; charset=utf-8` });
    response.end(body);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

async function directorySize(path) {
  let total = 0;
  for (const entry of await readdir(path, { withFileTypes: true }).catch(() => [])) {
    const full = join(path, entry.name);
    total += entry.isDirectory() ? await directorySize(full) : (await stat(full)).size;
  }
  return total;
}

/** A million calls take about half an hour to insert here (see docs/history.md): the default is a fifth. */
export const DEFAULT_CALLS = 200_000;
/** The goals of issue 20: every search and the recent pages, at p95. */
export const SEARCH_GOAL_MS = 10;
export const PAGE_GOAL_MS = 5;

/** Runs the benchmark; returns the figures (and prints nothing but `progress`). */
export async function runHistoryBench({
  calls = DEFAULT_CALLS,
  queries = 200,
  batch = 1000,
  headless = true,
  progress = () => undefined,
  profile: profileFile = undefined,
} = {}) {
  const script = await bundle();
  const server = await serve(script);
  const profile = await mkdtemp(join(tmpdir(), 'popline-bench-'));
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM_PATH,
    headless,
    pipe: true,
    // One evaluate runs the whole bench: minutes at a million calls.
    protocolTimeout: 0,
    userDataDir: profile,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--disable-extensions'],
  });
  try {
    const page = await browser.newPage();
    page.setDefaultTimeout(0);
    let session;
    page.on('console', async (message) => {
      if (message.text() !== QUERIES_READY) return progress(message.text());
      session = await page.createCDPSession();
      await session.send('Profiler.enable');
      await session.send('Profiler.setSamplingInterval', { interval: 200 });
      await session.send('Profiler.start');
      await page.evaluate(() => globalThis.startQueries());
    });
    const { port } = server.address();
    await page.goto(`http://127.0.0.1:${port}/`);
    const result = await page.evaluate(
      (options) => globalThis.runHistoryBench(options),
      /** @type {never} */ ({ calls, queries, batch, pause: !!profileFile }),
    );
    if (session) {
      const { profile } = await session.send('Profiler.stop');
      await writeFile(profileFile, JSON.stringify(profile));
      progress(`CPU profile of the queries (renderer) written to ${profileFile}`);
    }
    const version = await browser.version();
    await page.close();
    // Let Chromium flush and compact the database before measuring the files.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const diskBytes = await directorySize(join(profile, 'Default', 'IndexedDB'));
    return { ...result, queries, batch, diskBytes, browser: version };
  } finally {
    await browser.close().catch(() => undefined);
    server.close();
    await rm(profile, { recursive: true, force: true });
  }
}

const mb = (bytes) => (bytes === null ? 'n/a' : `${(bytes / 1024 / 1024).toFixed(1)} MB`);

const ratio = (t) => (t.floor.p95 > 0 ? Math.round((t.query.p95 / t.floor.p95) * 10) / 10 : null);

/** Which goals the figures meet: every search p95 and every recent/missed page p95. */
export function historyGoals(result) {
  const entries = Object.entries(result.timings);
  const worst = (prefix) =>
    entries.filter(([name]) => prefix.test(name)).reduce((max, [, t]) => Math.max(max, t.query.p95), 0);
  const search = worst(/^search/);
  const pages = worst(/^(recent|missed)/);
  return {
    searchP95Max: search,
    searchMet: search <= SEARCH_GOAL_MS,
    pageP95Max: pages,
    pageMet: pages <= PAGE_GOAL_MS,
  };
}

/** The figures as a small table. */
export function formatHistoryBench(result) {
  const rows = [
    ['figure', 'p50 ms', 'p95 ms', 'max ms', 'calls found (avg)', 'floor p50', 'floor p95', 'p95 / floor p95'],
    ...Object.entries(result.timings).map(([name, t]) => [
      name,
      t.query.p50,
      t.query.p95,
      t.query.max,
      t.query.hits,
      t.floor.p50,
      t.floor.p95,
      `${ratio(t)}×`,
    ]),
    [
      'live write: end of a call (durable)',
      result.liveWrite.p50,
      result.liveWrite.p95,
      result.liveWrite.max,
      '',
      '',
      '',
      '',
    ],
  ];
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => String(row[column]).length)));
  const line = (row) => row.map((cell, column) => String(cell).padEnd(widths[column])).join('  ');
  const goals = historyGoals(result);
  const verdict = (met) => (met ? 'met' : 'NOT met');
  return [
    `Call history in ${result.browser}: ${result.calls.toLocaleString('en')} calls`,
    `  bulk insert: ${result.insertPerSecond.toLocaleString('en')} calls/s (${result.insertSeconds} s, batches of ${result.batch} through the store's import path)`,
    `  size on disk: ${mb(result.diskBytes)} (profile IndexedDB directory); storage.estimate(): ${mb(result.usageBytes)}`,
    `  floor: one getAll on the startedAt index of as many calls as the query found, from a random time, after each query`,
    `  queries: ${result.queries} of each kind, each one different (seeded), kinds interleaved in a shuffled order`,
    '',
    ...rows.map(line).map((text, index) => (index === 1 ? `${'-'.repeat(text.length)}\n${text}` : text)),
    '',
    `  goal: every search p95 <= ${SEARCH_GOAL_MS} ms: ${verdict(goals.searchMet)} (slowest search p95 ${goals.searchP95Max} ms)`,
    `  goal: recent and missed pages p95 <= ${PAGE_GOAL_MS} ms: ${verdict(goals.pageMet)} (slowest p95 ${goals.pageP95Max} ms)`,
  ].join('\n');
}

/** The figures to save: numbers only, ratios and goals included. */
export function historyFigures(result) {
  const goals = historyGoals(result);
  return {
    calls: result.calls,
    insertSeconds: result.insertSeconds,
    insertPerSecond: result.insertPerSecond,
    diskMB: result.diskBytes === null ? null : Math.round((result.diskBytes / 1024 / 1024) * 10) / 10,
    liveWrite: result.liveWrite,
    queries: Object.fromEntries(
      Object.entries(result.timings).map(([name, t]) => [name, { ...t, ratioP95: ratio(t) }]),
    ),
    goals: {
      searchP95Max: goals.searchP95Max,
      searchMet: goals.searchMet ? 1 : 0,
      pageP95Max: goals.pageP95Max,
      pageMet: goals.pageMet ? 1 : 0,
    },
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({
    options: {
      calls: { type: 'string', default: String(DEFAULT_CALLS) },
      queries: { type: 'string', default: '200' },
      batch: { type: 'string', default: '1000' },
      headful: { type: 'boolean', default: false },
      profile: { type: 'string' },
      json: { type: 'string' },
    },
  });
  const result = await runHistoryBench({
    calls: Number(values.calls),
    queries: Number(values.queries),
    batch: Number(values.batch),
    headless: !values.headful,
    progress: (text) => console.error(`   ${text}`),
    profile: values.profile,
  });
  console.log(formatHistoryBench(result));
  saveFigures('history', historyFigures(result));
  if (values.json) await writeFile(values.json, `${JSON.stringify(result, null, 2)}\n`);
}
