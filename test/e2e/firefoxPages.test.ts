/**
 * Firefox (issue 19): PopLine set up through its own options page, as a new user would, then a
 * call popped in the demo CRM and seen in the toolbar popup, live and then in its recent calls.
 * The extension's pages are reached as `launchFirefox().extensionPage` describes (a pinned UUID
 * and `--remote-allow-system-access`); the background is observed through the messages an
 * extension page sends (`getStatus`), as the popup itself does.
 */
import type { Page } from 'puppeteer-core';
import { type Simulator, startSimulator } from '../../sim/server';
import { FIREFOX_DIST, launchFirefox, readCardsBidi, waitFor } from '../support/browsers';

jest.setTimeout(120_000);

let sim: Simulator;
let firefox: Awaited<ReturnType<typeof launchFirefox>>;

beforeAll(async () => {
  sim = await startSimulator({ port: 0 });
  firefox = await launchFirefox();
  await firefox.browser.installExtension(FIREFOX_DIST);
});
afterAll(async () => {
  await firefox?.close();
  await sim?.close();
});

/** A message from an extension page to the background, as the popup and options page send them. */
const ask = (page: Page, type: string, body: unknown = {}) =>
  page.evaluate(
    (envelope) =>
      (
        globalThis as unknown as { browser: { runtime: { sendMessage(m: unknown): Promise<unknown> } } }
      ).browser.runtime.sendMessage(envelope),
    { popline: 1, type, body },
  ) as Promise<Record<string, unknown>>;

async function fill(page: Page, selector: string, value: string): Promise<void> {
  await page.$eval(selector, (element) => {
    (element as HTMLInputElement).select();
  });
  await page.keyboard.press('Backspace');
  await page.type(selector, value);
}

const text = (page: Page, selector: string) =>
  page.$eval(selector, (element) => element.textContent ?? '').catch(() => '');

test('in Firefox: configured in the options page, a call pops in the CRM and shows in the popup', async () => {
  const options = await firefox.extensionPage('options.html');
  await options.waitForSelector('form [name="save"]');
  // Positive control for what follows: a fresh profile is not connected.
  expect(await ask(options, 'getStatus')).toMatchObject({ state: 'DISCONNECTED' });

  await fill(options, '[name="connection.serverUrl"]', sim.ctiUrl);
  await fill(options, '[name="connection.extension"]', '1001');
  await fill(options, '[name="credential.token"]', 'popline-demo');
  await options.click('[name="testConnection"]');
  await waitFor(
    async () => (await options.$eval('.test-result', (e) => e.getAttribute('data-outcome'))) === 'connected',
    {
      what: 'Test connection to say connected',
    },
  );
  expect(await text(options, '.test-result')).toContain('These settings work');
  // The demo CRM becomes a CRM site (the demo build already has its host permission).
  await options.type('#add-site', `${sim.crmUrl}`);
  await options.click('.add-site button');
  await options.waitForSelector('tr[data-pattern="http://127.0.0.1/*"]');
  await options.click('[name="save"]');
  await waitFor(async () => (await text(options, '.notice')).includes('Saved'), { what: 'the save notice' });
  await waitFor(async () => (await ask(options, 'getStatus')).state === 'ACCESS_GRANTED', {
    what: 'the background to connect',
  });

  // Issue 18, gap 1 in Firefox: content scripts can read storage.local there, so neither the
  // token nor the settings may be in it. They are in the extension origin's IndexedDB.
  const local = await options.evaluate(async () =>
    JSON.stringify(
      await (
        globalThis as unknown as { browser: { storage: { local: { get(k: null): Promise<unknown> } } } }
      ).browser.storage.local.get(null),
    ),
  );
  expect(local).not.toContain('popline-demo');
  expect(local).not.toContain(sim.ctiUrl);
  const config = await options.evaluate(
    () =>
      new Promise<string[]>((resolve, reject) => {
        const open = indexedDB.open('popline-config');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => resolve([...open.result.objectStoreNames]);
      }),
  );
  expect(config.length).toBeGreaterThan(0);

  // Every tab is opened before the call rings: Firefox shows the call's notification in a window
  // of its own, and a tab created while that window is the newest fails in BiDi
  // (browsingContext.create: "getTabBrowser(...) is undefined").
  const crm = await firefox.browser.newPage();
  await crm.goto(sim.crmUrl);
  const popup = await firefox.extensionPage('popup.html');
  await crm.bringToFront();
  const call = sim.pbx.ring({ from: '+49 30 1234567', name: 'Anna Schmidt', to: '1001' });
  const card = await waitFor(async () => (await readCardsBidi(crm)).find((c) => c.sessionId === call.sessionId), {
    what: 'the card in Firefox',
    timeout: 30_000,
  });
  expect(card).toMatchObject({ name: 'Anna Schmidt', state: 'Ringing' });

  await waitFor(() => popup.$(`li.call[data-session="${call.sessionId}"]`), { what: 'the ringing call in the popup' });
  sim.pbx.answer(call.sessionId);
  await waitFor(
    async () =>
      (await popup
        .$eval(`li.call[data-session="${call.sessionId}"]`, (e) => e.getAttribute('data-phase'))
        .catch(() => '')) === 'connected',
    { what: 'the popup to follow the answer' },
  );
  sim.pbx.hangup(call.sessionId);
  // Opened again (reloaded in its tab), the popup lists it among the recent calls (the history,
  // in Firefox's IndexedDB).
  await waitFor(
    async () =>
      (
        (await ask(popup, 'historyQuery', { kind: 'recent' })).records as { sessionId: string; outcome?: string }[]
      ).some((r) => r.sessionId === call.sessionId && r.outcome === 'answered'),
    { what: 'the ended call in the history' },
  );
  await popup.evaluate(() => location.reload());
  const row = await waitFor(() => popup.$(`li.recent-row[data-session="${call.sessionId}"]`), {
    what: 'the call in the recent calls',
  });
  expect(await row.evaluate((e) => e.getAttribute('data-outcome'))).toBe('answered');
  expect(await row.evaluate((e) => e.textContent)).toContain('Anna Schmidt');
});
