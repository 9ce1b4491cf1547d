/**
 * The extension against the production bridge (bridge/src/server, started as `npm run bridge`
 * starts it, with a simulator source), configured the way an agent does it: the server address
 * and the one-time enrolment code the administrator printed, typed into the options page. The
 * token never reaches the page; "Test connection" names the bridge and the granted permissions;
 * a call rung on the bridge's PBX pops a card; the same code a second time is refused.
 */
import type { Page } from 'puppeteer-core';
import { type Simulator, startSimulator } from '../../sim/server';
import { startTestBridge, type TestBridge } from '../bridge/fixture';
import { type ExtensionBrowser, launchChromium, waitFor } from '../support/browsers';
import { configure, settingsFor } from '../support/extension';
import { cardOf, waitForCard } from '../support/session';

jest.setTimeout(120_000);

let bridge: TestBridge;
/** Only for its demo CRM page; its own CTI server stays unused. */
let crm: Simulator;
let chromium: ExtensionBrowser;
let options: Page;

beforeAll(async () => {
  bridge = await startTestBridge();
  crm = await startSimulator({ port: 0 });
  chromium = await launchChromium();
});

afterAll(async () => {
  await chromium?.close();
  await crm?.close();
  await bridge?.stop();
});

async function fill(page: Page, selector: string, value: string): Promise<void> {
  await page.click(selector, { count: 3 });
  await page.keyboard.press('Backspace');
  await page.type(selector, value);
}

async function enrolWith(code: string): Promise<{ outcome: string; text: string }> {
  const answers = () => options.$eval('.enrol-result', (e) => Number(e.getAttribute('data-answers')));
  const before = await answers();
  if (process.env.DEBUG_ENROL) console.log('enrol: clicking', before);
  await fill(options, '[name="enrolCode"]', code);
  await options.click('[name="enrol"]');
  await waitFor(async () => (await answers()) > before || null, { what: 'the enrolment result' });
  return options.$eval('.enrol-result', (e) => ({
    outcome: e.getAttribute('data-outcome') ?? '',
    text: e.textContent ?? '',
  }));
}

test('an agent enrols with a one-time code, is connected to the bridge, and gets its calls', async () => {
  const { code } = bridge.running.authority.createEnrolment({
    extensions: ['1001'],
    permissions: ['dial', 'control', 'history'],
    ttlSeconds: 3600,
    fullName: 'Jane Doe',
  });
  // The agent's CRM site is set (the demo CRM's); no server and no token yet.
  await configure(await chromium.worker(), settingsFor(''), '');
  options = await chromium.browser.newPage();
  await options.goto(`chrome-extension://${chromium.extensionId}/options.html`);
  await options.waitForSelector('form [name="save"]');
  await fill(options, '[name="connection.serverUrl"]', bridge.url);
  // Before enrolling the bridge has no agent: the count below is not a leftover.
  expect(bridge.running.bridge.hub.grantedCount).toBe(0);

  // Typed as a person copies it: lower case, with spaces.
  expect(await enrolWith(` ${code.toLowerCase().replace(/-/g, ' - ')} `)).toEqual({
    outcome: 'ok',
    text: 'Enrolled as Jane Doe: PopLine now follows extension 1001 and has saved its token.',
  });
  const stored = await (await chromium.worker()).evaluate(
    async () => (await chrome.storage.local.get(['settings', 'credentials'])) as Record<string, unknown>,
  );
  const settings = stored.settings as { connection: { serverUrl: string; extension: string } };
  expect(settings.connection).toMatchObject({ serverUrl: bridge.url, extension: '1001' });
  const token = (stored.credentials as { token: string }).token;
  expect(token.length).toBeGreaterThan(20);
  expect(bridge.running.authority.verify(token, '1001')).toMatchObject({ ok: true, extension: '1001' });
  // The options page saw who it is, never the token.
  expect(await options.content()).not.toContain(token);
  expect(await options.$eval('[name="credential.token"]', (e) => (e as HTMLInputElement).value)).toBe('');

  await waitFor(() => bridge.running.bridge.hub.grantedCount === 1 || null, { what: 'the extension to connect' }).catch(
    async (error) => {
      const connection = await (await chromium.worker()).evaluate(
        async () => (await chrome.storage.session.get('connection')).connection,
      );
      throw new Error(`${(error as Error).message}; the extension says ${JSON.stringify(connection)}`);
    },
  );

  await options.click('[name="testConnection"]');
  await waitFor(async () => (await options.$eval('.test-result', (e) => e.getAttribute('data-outcome'))) || null, {
    what: 'the test result',
  });
  const lines = await options.$$eval('.test-result p', (ps) => ps.map((p) => p.textContent));
  expect(lines[0]).toBe('Connected as Jane Doe. These settings work.');
  expect(lines[1]).toMatch(/^Server: PopLine bridge \d+\.\d+\.\d+\.$/);
  expect(lines[2]).toBe('This token may: place calls, control calls, read the call history.');

  const crmTab = await chromium.browser.newPage();
  await crmTab.goto(crm.crmUrl);
  await crmTab.bringToFront();
  const call = bridge.pbx.ring({ from: '+4930123456', to: '1001', name: 'Anna Schmidt' });
  const card = await waitForCard(crmTab, call.sessionId);
  expect(card.name).toBe('Anna Schmidt');
  // A call for another extension is not this agent's (the bridge does not even send it).
  const other = bridge.pbx.ring({ from: '+4930999999', to: '1002' });
  const next = bridge.pbx.ring({ from: '+4930777777', to: '1001' });
  await waitForCard(crmTab, next.sessionId);
  expect(await cardOf(crmTab, other.sessionId)).toBeUndefined();
});

test('the same code a second time is refused, in words, and nothing changes', async () => {
  const { code } = bridge.running.authority.createEnrolment({
    extensions: ['1002'],
    permissions: ['dial'],
    ttlSeconds: 3600,
  });
  // The agent is back on the options page (a tab in the background draws nothing, so it could not be clicked).
  await options.bringToFront();
  expect((await enrolWith(code)).outcome).toBe('ok');
  const credentials = async () =>
    (await chromium.worker()).evaluate(async () => (await chrome.storage.local.get('credentials')).credentials);
  const before = await credentials();
  const again = await enrolWith(code);
  expect(again.outcome).toBe('usedCode');
  expect(again.text).toBe('This code was already used or has expired. Ask your administrator for a new one.');
  const unknown = await enrolWith('ZZZZ-ZZZZ-ZZZZ-ZZZZ');
  expect(unknown.outcome).toBe('unknownCode');
  expect(await credentials()).toEqual(before);
});
