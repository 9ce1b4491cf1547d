/**
 * The options page and the popup in Chromium, from a fresh profile, as a new user would use
 * them: configure everything through the options page (a refused token, then a good one),
 * allow a CRM site (its content script is registered dynamically), receive a call there, dial
 * from the popup, import a settings file and export it again; and stored settings that are
 * corrupt or from an unknown schema version start PopLine on the defaults, saying so.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { Page, WebWorker } from 'puppeteer-core';
import { type Simulator, startSimulator } from '../../sim/server';
import { loadSettings } from '../../src/shared/settings';
import { type ExtensionBrowser, launchChromium, readCards, waitFor } from '../support/browsers';
import { connectionState, settingsFor } from '../support/extension';
import { grantHostPermission } from '../support/permissions';
import { countUpgrades } from '../support/upgrades';

jest.setTimeout(120_000);

let sim: Simulator;
let chromium: ExtensionBrowser;
let worker: WebWorker;
let options: Page;
const downloads = mkdtempSync(join(tmpdir(), 'popline-downloads-'));

beforeAll(async () => {
  sim = await startSimulator({ port: 0 });
  chromium = await launchChromium();
  worker = await chromium.worker();
  const session = await chromium.browser.target().createCDPSession();
  await session.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: downloads });
});

afterAll(async () => {
  await chromium?.close();
  await sim?.close();
  rmSync(downloads, { recursive: true, force: true });
});

const pageUrl = (name: string) => `chrome-extension://${chromium.extensionId}/${name}.html`;

async function openOptions(): Promise<Page> {
  const page = await chromium.browser.newPage();
  await page.goto(pageUrl('options'));
  await page.waitForSelector('form [name="save"]');
  return page;
}

/** Replaces a field's text by typing, as a user does (Preact sees every input event). */
async function fill(page: Page, selector: string, value: string): Promise<void> {
  await page.click(selector, { count: 3 });
  await page.keyboard.down('Control');
  await page.keyboard.press('a');
  await page.keyboard.up('Control');
  await page.keyboard.press('Backspace');
  await page.type(selector, value);
}

const text = (page: Page, selector: string) =>
  page.$eval(selector, (element) => element.textContent ?? '').catch(() => '');

async function testConnection(page: Page): Promise<{ outcome: string; text: string }> {
  await page.click('[name="testConnection"]');
  await waitFor(async () => (await page.$eval('.test-result', (e) => e.getAttribute('data-outcome'))) !== '', {
    what: 'the test result',
  });
  return page.$eval('.test-result', (e) => ({
    outcome: e.getAttribute('data-outcome') ?? '',
    text: e.textContent ?? '',
  }));
}

async function save(page: Page): Promise<string> {
  // The notice of this save, not the one already shown (an import's): the page clears the notice when
  // a save starts and shows its outcome when it ends; an observer set up before the click sees each.
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { savedNotices: string[] }).savedNotices = seen;
    // The page may draw the notice anew (after a save it reloads the settings): look it up each time.
    new MutationObserver(() => {
      const notice = document.querySelector('.notice');
      if (notice?.getAttribute('data-notice')) seen.push(notice.textContent ?? '');
    }).observe(document.body, { attributes: true, childList: true, subtree: true, characterData: true });
  });
  await page.click('[name="save"]');
  return waitFor(
    () =>
      page.evaluate(() => {
        const seen = (window as unknown as { savedNotices: string[] }).savedNotices;
        return seen[0];
      }),
    { what: 'the save notice' },
  );
}

const stored = (): Promise<Record<string, unknown>> =>
  worker.evaluate(async () => (await chrome.storage.local.get(['settings', 'credentials'])) as Record<string, unknown>);
/** Changes `follow.extraNumbers` in the stored settings (a connection setting: it reconnects). */
const setFollowExtras = (numbers: string[]) =>
  worker.evaluate(async (extra) => {
    const { settings } = (await chrome.storage.local.get('settings')) as { settings: { follow: object } };
    await chrome.storage.local.set({ settings: { ...settings, follow: { ...settings.follow, extraNumbers: extra } } });
  }, numbers);
const connectionSince = () =>
  worker.evaluate(async () => ((await chrome.storage.session.get('connection')).connection as { since: number }).since);

test('a new user configures PopLine through the options page, takes a call and dials from the popup', async () => {
  options = await openOptions();
  expect(await options.$('[data-banner="settings-defaults"]')).toBeNull();

  await fill(options, '[name="connection.serverUrl"]', sim.ctiUrl);
  await fill(options, '[name="connection.extension"]', '1001');
  await fill(options, '[name="credential.token"]', 'not-the-token');
  const refused = await testConnection(options);
  expect(refused.outcome).toBe('denied');
  expect(refused.text).toContain('Access denied');

  await fill(options, '[name="credential.token"]', 'popline-demo');
  const accepted = await testConnection(options);
  expect(accepted.outcome).toBe('connected');
  // The simulator is the bridge with a simulator source: it names itself, and the token's rights are listed.
  expect(accepted.text).toMatch(
    /^Connected as Demo Agent\. These settings work\.Server: PopLine bridge \d+\.\d+\.\d+\.This token may: place calls, control calls, read the call history, see every call\.$/,
  );
  // A test saves nothing.
  expect((await stored()).credentials).toBeUndefined();

  // The CRM runs on localhost, which only the user can allow (see support/permissions.ts).
  await grantHostPermission(chromium, 'http://localhost/*');
  await options.type('#add-site', 'http://localhost:8080/crm/contacts');
  await options.click('.add-site button');
  await options.waitForSelector('tr[data-pattern="http://localhost/*"]');
  await waitFor(async () => (await text(options, 'tr[data-pattern="http://localhost/*"] .access')) === 'Allowed', {
    what: 'the site shown as allowed',
  });
  await options.select('[name="phone.defaultCountry"]', 'DE');
  await options.select('[name="cards.target"]', 'allCrmTabs');

  expect(await save(options)).toContain('Saved. The changes apply now.');
  await waitFor(async () => (await connectionState(worker)) === 'ACCESS_GRANTED', { what: 'the connection' });
  const { settings, credentials } = await stored();
  expect(credentials).toEqual({ token: 'popline-demo' });
  expect(settings).toMatchObject({
    connection: { serverUrl: sim.ctiUrl, extension: '1001' },
    phone: { defaultCountry: 'DE' },
    cards: { target: 'allCrmTabs' },
  });

  // The content script is registered for the allowed site only, and it runs there.
  const registered = await worker.evaluate(() => chrome.scripting.getRegisteredContentScripts());
  expect(registered.map((script) => script.matches)).toEqual([['http://localhost/*']]);
  const crm = await chromium.browser.newPage();
  await crm.goto(sim.crmUrl.replace('127.0.0.1', 'localhost'));
  await crm.bringToFront();
  const call = sim.pbx.ring({ from: '+49 30 1234567', name: 'Anna Schmidt', to: '1001' });
  const [card] = await waitFor(
    async () => {
      const cards = await readCards(crm);
      return cards.length ? cards : null;
    },
    { what: 'the card on the allowed CRM site' },
  );
  expect(card).toMatchObject({ sessionId: call.sessionId, name: 'Anna Schmidt', number: '030 1234567' });

  // A display setting applies at once, without a new connection.
  const since = await connectionSince();
  const attempts = countUpgrades(sim.cti);
  try {
    await options.bringToFront();
    await fill(options, '[name="cards.fadeAfterSeconds"]', '20');
    expect(await save(options)).toContain('Saved');
    await waitFor(
      async () => ((await stored()).settings as { cards: { fadeAfterSeconds: number } }).cards.fadeAfterSeconds === 20,
    );
    // Positive control: a change the connection depends on, stored after the display one, reconnects.
    // The worker handles changes in order, so when that one's attempt lands, the display change has
    // been handled: one attempt in all means it made none.
    await setFollowExtras(['1099']);
    await waitFor(async () => attempts.count >= 1 && (await connectionSince()) !== since, { what: 'the reconnect' });
    await waitFor(async () => (await connectionState(worker)) === 'ACCESS_GRANTED', { what: 'connected again' });
    expect(attempts.count).toBe(1);
    await setFollowExtras([]);
    await waitFor(async () => attempts.count >= 2 && (await connectionState(worker)) === 'ACCESS_GRANTED', {
      what: 'connected as before',
    });
  } finally {
    attempts.stop();
  }

  // The popup: the connection in words, the call in progress, and a dial from the keyboard.
  const popup = await chromium.browser.newPage();
  await popup.setViewport({ width: 360, height: 600 });
  await popup.goto(pageUrl('popup'));
  await waitFor(async () => (await text(popup, '.status')) === 'Connected', { what: 'the popup status' });
  await waitFor(async () => (await text(popup, `.call[data-session="${call.sessionId}"] .name`)) === 'Anna Schmidt', {
    what: 'the active call in the popup',
  });
  sim.pbx.hangup(call.sessionId);
  await popup.type('#dial-number', '030 98765432');
  expect(await popup.$eval('#dial-number', (e) => (e as HTMLInputElement).value)).toBe('030 98765432');
  await waitFor(async () => (await text(popup, '#dial-hint')).includes('+493098765432'), { what: 'the dial hint' });
  await popup.keyboard.press('Enter');
  const dialled = await waitFor(() => sim.pbx.active().find((c) => c.dialedNumber === '+493098765432'), {
    what: 'the call placed from the popup',
  });
  expect(dialled).toBeTruthy();
  await waitFor(async () => (await text(popup, '.dialer .message')).includes('Your phone rings first'));
  await popup.close();
  await crm.close();
});

test('a settings file is imported, saved, and exported again the same', async () => {
  const file = loadSettings(settingsFor(sim.ctiUrl)).settings;
  file.cards = { target: 'none', fadeAfterSeconds: 45, notifications: false };
  file.phone.defaultCountry = 'HU';
  file.crm.sites = [
    { pattern: 'http://127.0.0.1/*', card: true, detect: false, links: true },
    { pattern: 'http://localhost/*', card: true, detect: true, links: false },
  ];
  const path = join(downloads, 'import.json');
  writeFileSync(path, JSON.stringify(file, null, 2));
  await options.bringToFront();
  await options.reload();
  await options.waitForSelector('[name="importFile"]');

  const bad = join(downloads, 'bad.json');
  writeFileSync(bad, '{"version": 1, "cards": {"target": "everywhere"}}');
  const input = await options.$('[name="importFile"]');
  await (input as unknown as { uploadFile(path: string): Promise<void> }).uploadFile(bad);
  await waitFor(async () => (await text(options, '.notice')).includes('bad.json was not imported'));
  expect(await text(options, '.notice')).toContain('cards.target');
  expect((await stored()).settings).toMatchObject({ cards: { target: 'allCrmTabs' } });

  await (input as unknown as { uploadFile(path: string): Promise<void> }).uploadFile(path);
  await waitFor(async () => (await text(options, '.notice')).includes('Imported'));
  expect(await options.$eval('[name="cards.target"]', (e) => (e as HTMLSelectElement).value)).toBe('none');
  expect(await save(options)).toContain('Saved');
  const plain = (value: unknown) => JSON.parse(JSON.stringify(value));
  await waitFor(async () => isDeepStrictEqual(plain((await stored()).settings), plain(file)), {
    what: 'the imported settings stored',
  });

  await options.click('[name="export"]');
  // The finished file: while Chromium writes it, it is named ….json.crdownload, then renamed.
  const exported = await waitFor(
    () =>
      readdirSync(downloads).find(
        (name) =>
          name.startsWith('popline-settings-') &&
          name.endsWith('.json') &&
          readFileSync(join(downloads, name), 'utf8').endsWith('\n'),
      ),
    { what: 'the exported file' },
  );
  const roundTrip = JSON.parse(readFileSync(join(downloads, exported), 'utf8'));
  expect(roundTrip).toEqual(file);
  expect(JSON.stringify(roundTrip)).not.toContain('popline-demo');
});

test.each([
  ['corrupt', 'this is not { json'],
  ['from an unknown schema version', { version: 99, connection: { serverUrl: 'wss://future.example/cti' } }],
])('stored settings that are %s: PopLine starts on the defaults, says so, and keeps working', async (_kind, bad) => {
  await worker.evaluate((value) => chrome.storage.local.set({ settings: value }), bad as never);
  const page = await openOptions();
  await page.waitForSelector('[data-banner="settings-defaults"]');
  expect(await text(page, '[data-banner="settings-defaults"]')).toContain('PopLine is using the defaults');
  // The defaults name no server: an unreadable address means "do not connect" (docs/security.md).
  expect(await page.$eval('[name="connection.serverUrl"]', (e) => (e as HTMLInputElement).value)).toBe('');
  const popup = await chromium.browser.newPage();
  await popup.goto(pageUrl('popup'));
  await popup.waitForSelector('.status-header .warning');
  expect(await text(popup, '.status-header .warning')).toContain('could not be read');
  await popup.close();

  // Still working: the user fixes the address on the options page and is connected again.
  await fill(page, '[name="connection.serverUrl"]', sim.ctiUrl);
  expect(await save(page)).toContain('Saved');
  await waitFor(async () => (await connectionState(worker)) === 'ACCESS_GRANTED', { what: 'connected again' });
  await waitFor(async () => !(await page.$('[data-banner="settings-defaults"]')), { what: 'the banner gone' });
  await page.close();
});
