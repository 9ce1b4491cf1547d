#!/usr/bin/env node
/**
 * `npm run screenshots`: one picture of the caller card and one of the popup per UI language,
 * for a person to look at (artifacts/screenshots/<locale>-card.png and <locale>-popup.png).
 * Builds, starts the PBX simulator with its demo CRM (as `npm run demo` does), and for each
 * locale in extension/_locales launches Chromium in that language with PopLine configured for
 * the simulator, rings and answers a call on the demo CRM, and takes the two pictures.
 *   npm run screenshots -- --only fr,pl     just these locales
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import puppeteer from 'puppeteer-core';

const root = join(import.meta.dirname, '..');
const { values } = parseArgs({ options: { only: { type: 'string' } } });
const chromiumConfig = JSON.parse(readFileSync(join(root, 'scripts/chromium.json'), 'utf8'));
const chromium = process.env.CHROMIUM_PATH ?? chromiumConfig.path;
const out = join(root, 'artifacts/screenshots');
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const folders = readdirSync(join(root, 'extension/_locales'))
  .filter((folder) => !values.only || values.only.split(',').includes(folder))
  .sort();
/** Chrome's language for a locale folder: pt_PT → pt-PT. */
const languageOf = (folder) => folder.replace('_', '-');

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitFor(check, what, timeout = 20_000) {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    const value = await check().catch(() => null);
    if (value) return value;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * Chromium shows an extension in the browser's own UI language only when it has that
 * language's resources (Debian: chromium-l10n); without them every locale comes out English.
 */
function checkLanguagePacks() {
  const dir = join(dirname(chromium), '../lib/chromium/locales');
  const has = (name) => existsSync(join(dir, `${name}.pak`));
  const base = folders.filter((folder) => folder !== 'en' && !has(languageOf(folder)) && !has(folder.split('_')[0]));
  if (base.length) throw new Error(`Chromium has no ${base.join(', ')} UI language: apt-get install -y chromium-l10n`);
}

const post = (origin, path, body = {}) =>
  fetch(`${origin}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

/** The demo's settings: the simulator's CTI server and its demo CRM, looked up from the CRM tab. */
const settingsFor = (port, crm) => ({
  settings: {
    version: 1,
    connection: { connector: 'cti', serverUrl: `ws://127.0.0.1:${port}/cti`, extension: '1001', allowInsecure: false },
    crm: { sites: [{ pattern: 'http://127.0.0.1/*', card: true, detect: true, links: true }], homeUrl: '' },
    record: {
      openInbound: 'ringing',
      openOutbound: 'never',
      openIn: 'crmTab',
      urlTemplate: `${crm}/crm/contacts/{id}`,
      createTemplate: `${crm}/crm/contacts/new?phone={e164}`,
    },
    lookup: {
      mode: 'content',
      urlTemplate: `${crm}/crm/api/contacts?phone={number}`,
      listPath: 'contacts',
      namePath: 'name',
      companyPath: 'company',
      recordUrlPath: 'url',
      notePath: 'note',
      idPath: 'id',
    },
  },
  credentials: { token: 'popline-demo' },
});

async function shoot(folder, port) {
  const origin = `http://127.0.0.1:${port}`;
  const language = languageOf(folder);
  const userDataDir = mkdtempSync(join(tmpdir(), 'popline-shots-'));
  const browser = await puppeteer.launch({
    executablePath: chromium,
    headless: true,
    pipe: true,
    enableExtensions: true,
    userDataDir,
    defaultViewport: { width: 1100, height: 720 },
    args: [...chromiumConfig.args, `--lang=${language}`, `--accept-lang=${language}`],
    env: { ...process.env, LANGUAGE: language.replace('-', '_'), LANG: `${language.replace('-', '_')}.UTF-8` },
  });
  let sessionId;
  try {
    const extensionId = await browser.installExtension(join(root, 'dist/chrome'));
    const target = await browser.waitForTarget((t) => t.type() === 'service_worker' && t.url().includes(extensionId));
    const worker = await target.worker();
    await waitFor(() => worker.evaluate(() => !!chrome.runtime?.id), 'the extension');
    const ui = await worker.evaluate(() => chrome.i18n.getUILanguage());
    await worker.evaluate((values) => chrome.storage.local.set(values), settingsFor(port, origin));
    const page = (await browser.pages())[0] ?? (await browser.newPage());
    await page.goto(`${origin}/crm/`);
    await waitFor(
      async () => (await (await fetch(`${origin}/control/state`)).json()).clients > 0,
      'PopLine to connect',
    );
    // Anna rings (the CRM names her and her record opens in the tab); the agent answers.
    ({ sessionId } = await (await post(origin, '/control/call', { from: '+49 30 1234567', to: '1001' })).json());
    await waitFor(async () => page.url().endsWith('/crm/contacts/c-1001'), 'the record pop');
    await waitFor(() => page.evaluate(() => !!document.querySelector('popline-cards')), 'the card');
    await post(origin, `/control/sessions/${sessionId}/answer`);
    // Drawn and settled: the card has its size, and the answer has reached it.
    const box = await waitFor(async () => {
      const found = await (await page.$('popline-cards'))?.boundingBox();
      return found && found.height > 60 ? found : null;
    }, 'the card to be drawn');
    await sleep(1500);
    const margin = 12;
    const clip = {
      x: box.x - margin,
      y: box.y - margin,
      width: box.width + 2 * margin,
      height: box.height + 2 * margin,
    };
    await page.screenshot({ path: join(out, `${folder}-card.png`), clip });

    const popup = await browser.newPage();
    await popup.setViewport({ width: 380, height: 560 });
    await popup.goto(`chrome-extension://${extensionId}/popup.html`);
    await sleep(1500);
    await popup.screenshot({ path: join(out, `${folder}-popup.png`), fullPage: true });
    console.log(`✔ ${folder} (Chromium UI language ${ui})`);
  } finally {
    if (sessionId) await post(origin, `/control/sessions/${sessionId}/hangup`).catch(() => undefined);
    await browser.close().catch(() => undefined);
    rmSync(userDataDir, { recursive: true, force: true });
    // The next browser's "PopLine connected" must not be this one's connection, still closing.
    await waitFor(async () => (await (await fetch(`${origin}/control/state`)).json()).clients === 0, 'the disconnect');
  }
}

checkLanguagePacks();
// The demo build: the simulator's CRM is a CRM site from the start (scripts/manifest.mjs).
execFileSync('node', [join(root, 'scripts/build.mjs'), '--demo'], { stdio: 'inherit' });
mkdirSync(out, { recursive: true });
const port = await freePort();
const sim = spawn('node', [join(root, 'dist/sim/main.js'), '--port', String(port)], {
  stdio: ['ignore', 'ignore', 'inherit'],
});
let failed = 0;
try {
  await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/control/state`)).ok, 'the simulator');
  for (const folder of folders) {
    try {
      await shoot(folder, port);
    } catch (error) {
      failed++;
      console.error(`✘ ${folder}: ${error.message}`);
    }
  }
} finally {
  sim.kill();
}
console.log(`\nScreenshots in ${out}`);
process.exit(failed ? 1 : 0);
