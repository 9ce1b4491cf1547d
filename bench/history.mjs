#!/usr/bin/env node
/**
 * Call history benchmark in real Chromium: bundles bench/history-page.ts (the real store from
 * src/background/history), serves it from a local HTTP server, inserts 100,000 calls and times
 * the queries the popup and the card make. Prints a table; exports `runHistoryBench` for
 * scripts/bench.mjs.
 *
 *   node bench/history.mjs [--calls 100000] [--queries 200] [--headful]
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

/** Runs the benchmark; returns the figures (and prints nothing). */
export async function runHistoryBench({ calls = 100_000, queries = 200, batch = 1000, headless = true } = {}) {
  const script = await bundle();
  const server = await serve(script);
  const profile = await mkdtemp(join(tmpdir(), 'popline-bench-'));
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM_PATH,
    headless,
    pipe: true,
    userDataDir: profile,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--disable-extensions'],
  });
  try {
    const page = await browser.newPage();
    page.setDefaultTimeout(0);
    const { port } = server.address();
    await page.goto(`http://127.0.0.1:${port}/`);
    const result = await page.evaluate(
      (options) => globalThis.runHistoryBench(options),
      /** @type {never} */ ({ calls, queries, batch }),
    );
    const version = await browser.version();
    await page.close();
    // Let Chromium flush and compact the database before measuring the files.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const diskBytes = await directorySize(join(profile, 'Default', 'IndexedDB'));
    return { ...result, diskBytes, browser: version };
  } finally {
    await browser.close().catch(() => undefined);
    server.close();
    await rm(profile, { recursive: true, force: true });
  }
}

const mb = (bytes) => (bytes === null ? 'n/a' : `${(bytes / 1024 / 1024).toFixed(1)} MB`);

/** The figures as a small table. */
export function formatHistoryBench(result) {
  const rows = [
    ['figure', 'p50 ms', 'p95 ms', 'max ms', 'calls found (avg)'],
    ...Object.entries(result.timings).map(([name, t]) => [name, t.p50, t.p95, t.max, t.hits]),
    ['live write: end of a call (durable)', result.liveWrite.p50, result.liveWrite.p95, result.liveWrite.max, ''],
  ];
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => String(row[column]).length)));
  const line = (row) => row.map((cell, column) => String(cell).padEnd(widths[column])).join('  ');
  return [
    `Call history in ${result.browser}: ${result.calls.toLocaleString('en')} calls`,
    `  bulk insert: ${result.insertPerSecond.toLocaleString('en')} calls/s (${result.insertSeconds} s, batches through the live write path)`,
    `  size on disk: ${mb(result.diskBytes)} (profile IndexedDB directory); storage.estimate(): ${mb(result.usageBytes)}`,
    `  targets: search by number p95 <= 10 ms, recent page p95 <= 5 ms`,
    '',
    ...rows.map(line).map((text, index) => (index === 1 ? `${'-'.repeat(text.length)}\n${text}` : text)),
  ].join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({
    options: {
      calls: { type: 'string', default: '100000' },
      queries: { type: 'string', default: '200' },
      headful: { type: 'boolean', default: false },
      json: { type: 'string' },
    },
  });
  const result = await runHistoryBench({
    calls: Number(values.calls),
    queries: Number(values.queries),
    headless: !values.headful,
  });
  console.log(formatHistoryBench(result));
  if (values.json) await writeFile(values.json, `${JSON.stringify(result, null, 2)}\n`);
}
