/**
 * Policy in Chromium (docs/settings.md, "Policy"): a managed policy file in
 * /etc/chromium/policies/managed/ with a `3rdparty.extensions.<id>` section, read by the browser
 * itself into `chrome.storage.managed`. The policy's server and token connect PopLine with nothing
 * stored locally; its values win over the user's and are locked on the options page; a value it
 * does not set stays the user's. The file is removed in afterAll, whatever happened: this test
 * holds the browser lock, so no other Chromium reads it meanwhile.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import { type Simulator, startSimulator } from '../../sim/server';
import { type ExtensionBrowser, launchChromium, readCards, waitFor } from '../support/browsers';
import { connectionState, DEMO_CRM_SITE } from '../support/extension';

jest.setTimeout(120_000);

const POLICY_DIR = '/etc/chromium/policies/managed';
const POLICY_FILE = join(POLICY_DIR, `popline-e2e-${process.pid}.json`);

let sim: Simulator;
let chromium: ExtensionBrowser;

afterAll(async () => {
  rmSync(POLICY_FILE, { force: true });
  await chromium?.close();
  await sim?.close();
});

/** Writes the policy for PopLine and has Chromium read it again now (chrome://policy's "Reload policies"). */
async function deployPolicy(policy: object): Promise<void> {
  mkdirSync(POLICY_DIR, { recursive: true });
  writeFileSync(POLICY_FILE, JSON.stringify({ '3rdparty': { extensions: { [chromium.extensionId]: policy } } }));
  const page = await chromium.browser.newPage();
  try {
    await page.goto('chrome://policy');
    await page.evaluate(() => (chrome as unknown as { send(name: string): void }).send('reloadPolicies'));
  } finally {
    await page.close();
  }
}

const managed = async () =>
  (await chromium.worker()).evaluate(() => chrome.storage.managed.get(null)) as Promise<Record<string, unknown>>;

test('the policy connects PopLine, wins over the user, is locked on the options page; the rest stays the user’s', async () => {
  sim = await startSimulator({ port: 0 });
  chromium = await launchChromium();
  const worker = await chromium.worker();
  // The user's own settings, before any policy: another server, cards nowhere, their country.
  await worker.evaluate(
    (site) =>
      chrome.storage.local.set({
        settings: {
          version: 1,
          connection: { serverUrl: 'ws://127.0.0.1:9/cti', extension: '1001' },
          cards: { target: 'none' },
          phone: { defaultCountry: 'HU' },
          crm: { sites: [site] },
        },
      }),
    DEMO_CRM_SITE,
  );
  // Positive control: without a policy, the user's (unreachable) server is what PopLine uses.
  await waitFor(async () => (await connectionState(await chromium.worker())) !== 'ACCESS_GRANTED', {
    what: 'not connected without the policy',
  });
  expect(await managed()).toEqual({});

  await deployPolicy({
    settings: { connection: { serverUrl: sim.ctiUrl, extension: '1001' }, cards: { target: 'allCrmTabs' } },
    token: 'popline-demo',
  });
  await waitFor(async () => Object.keys(await managed()).length > 0, { what: 'Chromium to hand PopLine the policy' });
  await waitFor(async () => (await connectionState(await chromium.worker())) === 'ACCESS_GRANTED', {
    what: 'connected with the policy’s server and token',
  });
  // Nothing of it was copied into the user's storage: the token is the policy's alone.
  const local = (await (await chromium.worker()).evaluate(() => chrome.storage.local.get(null))) as Record<
    string,
    unknown
  >;
  expect(local.credentials).toBeUndefined();
  expect(JSON.stringify(local)).not.toContain('popline-demo');

  // The policy's cards.target wins over the user's "none": a call shows on the CRM page.
  const crm: Page = await chromium.browser.newPage();
  await crm.goto(sim.crmUrl);
  await crm.bringToFront();
  const call = sim.pbx.ring({ from: '+36 1 234 5678', name: 'Kovács Péter', to: '1001' });
  const [card] = await waitFor(
    async () => {
      const cards = await readCards(crm);
      return cards.length ? cards : null;
    },
    { what: 'the card (the policy says every CRM tab)' },
  );
  // The user's country (not set by policy) formats the number.
  expect(card).toMatchObject({ sessionId: call.sessionId, name: 'Kovács Péter', number: '(06 1) 234 5678' });
  sim.pbx.hangup(call.sessionId);

  // The options page: the policy's fields are locked and say so, the user's are not.
  const options = await chromium.browser.newPage();
  await options.goto(`chrome-extension://${chromium.extensionId}/options.html`);
  await options.waitForSelector('form [name="save"]');
  const field = (path: string) =>
    options.$eval(`[name="${path}"]`, (e) => ({
      value: (e as HTMLInputElement).value,
      disabled: (e as HTMLInputElement).disabled,
      note: e.closest('.field')?.querySelector('.lock-note')?.textContent ?? '',
    }));
  expect(await field('connection.serverUrl')).toEqual({
    value: sim.ctiUrl,
    disabled: true,
    note: '🔒 Set by your administrator',
  });
  expect(await field('cards.target')).toMatchObject({ value: 'allCrmTabs', disabled: true });
  expect(await field('phone.defaultCountry')).toEqual({ value: 'HU', disabled: false, note: '' });
  const token = await options.$('[name="credential.token"]');
  expect(await token?.evaluate((e) => (e as HTMLInputElement).disabled)).toBe(true);
  expect(await options.$eval('.field.locked', () => true).catch(() => false)).toBe(true);
  await options.close();
  await crm.close();
});

test('a policy’s token is used only with the policy’s own server, never sent to the user’s', async () => {
  // The user's server is the simulator now, with no token of their own; the policy gives a token only.
  await (await chromium.worker()).evaluate(async (url) => {
    const { settings } = (await chrome.storage.local.get('settings')) as { settings: { connection: object } };
    await chrome.storage.local.set({ settings: { ...settings, connection: { serverUrl: url, extension: '1001' } } });
  }, sim.ctiUrl);
  await deployPolicy({ token: 'popline-demo' });
  await waitFor(async () => (await managed()).settings === undefined, { what: 'the new policy' });
  const detail = () =>
    chromium
      .worker()
      .then((w) => w.evaluate(async () => (await chrome.storage.session.get('connection')).connection))
      .then((c) => c as { state: string; detail?: string });
  await waitFor(async () => (await detail()).detail?.includes('no token is set'), {
    what: 'PopLine to find no token it may use',
  });
  expect((await detail()).state).toBe('DISCONNECTED');
  // Positive control: the user's own token for the same server connects.
  await (await chromium.worker()).evaluate(() => chrome.storage.local.set({ credentials: { token: 'popline-demo' } }));
  await waitFor(async () => (await detail()).state === 'ACCESS_GRANTED', { what: 'connected with the user’s token' });
});
