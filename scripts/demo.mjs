#!/usr/bin/env node
/**
 * `npm run demo`: builds, starts the PBX simulator with its demo CRM, launches Chromium with
 * PopLine loaded and configured for the simulator, and plays a scenario so the card pops; when
 * the call ends, the card's wrap-up counts down and the call is logged on the caller's record in
 * the demo CRM (docs/crm.md), which the demo checks and says.
 * With a display it opens a window and keeps running (Ctrl+C to stop); without one it runs
 * headless, saves screenshots of the popped card and of the logged call, and says where.
 *   npm run demo -- --scenario busy-day     play another scenario from sim/scenarios/
 *   npm run demo -- --headless              force headless even with a display
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import puppeteer from 'puppeteer-core';

const root = join(import.meta.dirname, '..');
// POPLINE_DIST: the extension built into another directory (as scripts/build.mjs does; the simulator stays in dist/sim).
const dist = process.env.POPLINE_DIST ?? join(root, 'dist');
const { values } = parseArgs({
  options: { scenario: { type: 'string', default: 'demo' }, headless: { type: 'boolean', default: false } },
});
const headless = values.headless || !process.env.DISPLAY;
const chromiumConfig = JSON.parse(readFileSync(join(root, 'scripts/chromium.json'), 'utf8'));
const chromium = process.env.CHROMIUM_PATH ?? chromiumConfig.path;

const step = (text) => console.log(`\n▶ ${text}`);
/** The card's wrap-up after the call: its note form and countdown, then the call is logged. */
const WRAP_UP_SECONDS = headless ? 5 : 30;
/**
 * The demo CRM's lookup, record and call-logging settings, from the extension's own presets
 * (src/shared/crm/presets.ts and crm/log/presets.ts, what an admin picks on the options page), on
 * the simulator's port: bundled from the source with esbuild, so the demo never drifts from them.
 */
async function demoCrmSettings(crm) {
  const { outputFiles } = await build({
    stdin: {
      contents: [
        "export { CRM_PRESETS, applyPreset } from './src/shared/crm/presets';",
        "export { LOG_PRESETS, applyLogPreset } from './src/shared/crm/log/presets';",
        "export { defaultSettings } from './src/shared/settings';",
      ].join('\n'),
      resolveDir: root,
      loader: 'ts',
    },
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    write: false,
    logLevel: 'warning',
  });
  const presets = await import(`data:text/javascript;base64,${Buffer.from(outputFiles[0].text).toString('base64')}`);
  const onThisPort = (value) => JSON.parse(JSON.stringify(value).replaceAll('http://127.0.0.1:8765', crm));
  const lookup = onThisPort(presets.CRM_PRESETS.find((preset) => preset.id === 'demo'));
  const log = onThisPort(presets.LOG_PRESETS.find((preset) => preset.id === 'demo'));
  const settings = presets.applyLogPreset(presets.applyPreset(presets.defaultSettings, lookup), log);
  return {
    // The caller is looked up from the CRM tab, with the agent's CRM login, and their record opens there as the call rings.
    lookup: settings.lookup,
    record: { ...settings.record, openInbound: 'ringing', openOutbound: 'never', openIn: 'crmTab' },
    // The call is logged on the caller's record after the card's wrap-up (docs/crm.md).
    crmlog: { ...settings.crmlog, when: 'wrapUp', wrapUpSeconds: WRAP_UP_SECONDS },
  };
}
/** The activities the demo CRM holds (its control API). */
const activities = async (origin) => (await (await fetch(`${origin}/control/crm`)).json()).activities?.list ?? [];
const clock = (seconds) => `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function freePort(preferred) {
  const tryPort = (port) =>
    new Promise((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(null));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(server.address()?.port ?? port)));
    });
  return (await tryPort(preferred)) ?? (await tryPort(0));
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

step('checking the browser');
execFileSync('node', [join(root, 'scripts/ensure-browsers.mjs')], { stdio: 'inherit' });

step('building the extension');
execFileSync('node', [join(root, 'scripts/build.mjs'), '--demo'], { stdio: 'inherit' });

step('starting the PBX simulator');
const port = await freePort(8765);
const sim = spawn('node', [join(root, 'dist/sim/main.js'), '--port', String(port)], {
  stdio: ['ignore', 'inherit', 'inherit'],
});
const origin = `http://127.0.0.1:${port}`;
await waitFor(async () => (await fetch(`${origin}/control/state`)).ok, 'the simulator');

step(`launching Chromium (${headless ? 'headless' : 'with a window'})`);
const userDataDir = mkdtempSync(join(tmpdir(), 'popline-demo-'));
const browser = await puppeteer.launch({
  executablePath: chromium,
  headless,
  pipe: true,
  enableExtensions: true,
  userDataDir,
  defaultViewport: headless ? { width: 1280, height: 800 } : null,
  args: chromiumConfig.args,
});
const stop = async (code = 0) => {
  await browser.close().catch(() => undefined);
  sim.kill();
  process.exit(code);
};
process.on('SIGINT', () => void stop(0));

try {
  const extensionId = await browser.installExtension(join(dist, 'chrome'));
  const target = await browser.waitForTarget((t) => t.type() === 'service_worker' && t.url().includes(extensionId));
  const worker = await target.worker();
  await waitFor(() => worker.evaluate(() => !!chrome.runtime?.id), 'the extension');
  await worker.evaluate(
    (url, crmSettings) =>
      chrome.storage.local.set({
        settings: {
          version: 1,
          connection: { connector: 'cti', serverUrl: url, extension: '1001', allowInsecure: false },
          // The demo build's CRM site (the store build has none: docs/security.md).
          crm: { sites: [{ pattern: 'http://127.0.0.1/*', card: true, detect: true, links: true }], homeUrl: '' },
          ...crmSettings,
        },
        credentials: { token: 'popline-demo' },
      }),
    `ws://127.0.0.1:${port}/cti`,
    await demoCrmSettings(origin),
  );
  const page = (await browser.pages())[0] ?? (await browser.newPage());
  await page.goto(`${origin}/crm/`);
  await waitFor(async () => (await (await fetch(`${origin}/control/state`)).json()).clients > 0, 'PopLine to connect');

  step(`playing the "${values.scenario}" scenario`);
  await fetch(`${origin}/control/scenario`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: values.scenario }),
  });
  // The CRM names the caller (the PBX knows only the number) and her record opens in the tab.
  await waitFor(async () => page.url().endsWith('/crm/contacts/c-1001'), 'the record pop');
  await waitFor(() => page.evaluate(() => !!document.querySelector('popline-cards')), 'the card');
  await sleep(1500);
  mkdirSync(join(root, 'artifacts'), { recursive: true });
  if (headless) {
    const file = join(root, 'artifacts/demo-card.png');
    await page.screenshot({ path: file });
    console.log(`\n✔ The card popped, the CRM named the caller, her record opened. Screenshot: ${file}`);
  } else console.log('\n✔ The card popped in the Chromium window.');

  // The call ends, the card's wrap-up counts down (its note form is open there), and the call
  // is logged as an activity on Anna's record, once.
  step(`waiting for the call to end and be logged in the demo CRM (a ${WRAP_UP_SECONDS} s wrap-up on the card)`);
  const [activity] = await waitFor(
    async () => {
      const list = (await activities(origin)).filter((a) => a.contactId === 'c-1001');
      return list.length ? list : null;
    },
    'the call to be logged in the demo CRM',
    90_000,
  );
  const fields = activity.fields ?? {};
  await page.goto(`${origin}/crm/contacts/c-1001`);
  await waitFor(() => page.evaluate(() => document.querySelectorAll('.logged-call').length > 0), 'the logged call');
  const said = `The call is on Anna Schmidt's record in the demo CRM: activity ${activity.id}, ${fields.direction}, ${fields.outcome}, ${clock(Number(fields.durationSeconds) || 0)} talk time.`;
  if (headless) {
    const file = join(root, 'artifacts/demo-logged.png');
    await page.screenshot({ path: file });
    console.log(`\n✔ ${said} Screenshot: ${file}`);
    await stop(0);
  } else {
    console.log(`\n✔ ${said} Make more calls from another terminal:
    npm run sim -- call --port ${port} --from "+44 20 7946 0958" --name "Oliver Brown" --to 1001
  Press Ctrl+C here to stop.`);
  }
} catch (error) {
  console.error(`demo failed: ${error.message}`);
  await stop(1);
}
