/**
 * System notifications in Chromium (docs/cards.md): what each says (a ringing call with and without
 * a name, a missed call, refused access), the `cards.notifications: false` switch, and what a
 * click opens (the CRM tab used last, else the CRM's home page; the options page for access).
 * What a notification says is read where PopLine hands it to Chrome: `chrome.notifications.create`
 * in the worker, recorded and passed on (Chrome's API lists only ids).
 */
import type { Page } from 'puppeteer-core';
import { waitFor } from '../support/browsers';
import { type E2E, startE2E } from '../support/session';

jest.setTimeout(120_000);

let e2e: E2E;

type Shown = { id: string; title: string; message: string };

beforeAll(async () => {
  e2e = await startE2E();
});
afterAll(() => e2e?.close());
afterEach(async () => {
  for (const call of e2e.sim.pbx.active()) e2e.sim.pbx.hangup(call.sessionId);
  for (const page of await e2e.chromium.browser.pages()) if (page.url().includes('/crm/')) await page.close();
  const worker = await e2e.worker();
  await worker.evaluate(async () => {
    for (const id of Object.keys(await chrome.notifications.getAll())) await chrome.notifications.clear(id);
  });
});

/** Records every notification the worker creates from now on (and still creates it). */
async function recordNotifications(): Promise<void> {
  const worker = await e2e.worker();
  await worker.evaluate(() => {
    const scope = self as unknown as { shown?: Shown[] };
    if (scope.shown) {
      scope.shown.length = 0;
      return;
    }
    scope.shown = [];
    const create = chrome.notifications.create;
    chrome.notifications.create = function (this: unknown, ...args: unknown[]) {
      const [id, options] = args as [string, { title: string; message: string }];
      scope.shown?.push({ id, title: options.title, message: options.message });
      return (create as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof chrome.notifications.create;
  });
}

const shown = async (): Promise<Shown[]> =>
  (await e2e.worker()).evaluate(() => (self as unknown as { shown: Shown[] }).shown);

const waitForShown = (id: string, what: string) =>
  waitFor(async () => (await shown()).filter((n) => n.id === id).pop(), { what });

/** The worker has taken in this call's state (`phase`): its notifications are decided in the same step. */
const handled = (sessionId: string, phase: string) =>
  waitFor(
    async () => {
      const { book } = await (await e2e.worker()).evaluate(() => chrome.storage.session.get('book'));
      return (book as { calls: Record<string, { phase: string }> }).calls[sessionId]?.phase === phase;
    },
    { what: `the worker to have the call ${phase}` },
  );

const noCrmTabs = () =>
  waitFor(
    async () => {
      const { tabs } = await (await e2e.worker()).evaluate(() => chrome.storage.session.get('tabs'));
      return Object.keys((tabs as object | undefined) ?? {}).length === 0;
    },
    { what: 'no CRM tabs' },
  );

test('each case in words: a ringing call with a name, one without, a missed call', async () => {
  await e2e.setup({ phone: { defaultCountry: 'DE' } });
  await noCrmTabs();
  await recordNotifications();
  const { pbx } = e2e.sim;
  const named = pbx.ring({ from: '+49 30 1234567', name: 'Anna Schmidt', to: '1001' });
  expect(await waitForShown(`popline-call-${named.sessionId}`, 'the ringing notification')).toEqual({
    id: `popline-call-${named.sessionId}`,
    title: 'Incoming call: Anna Schmidt',
    message: '030 1234567',
  });
  const unnamed = pbx.ring({ from: '+44 20 7946 0958', to: '1001' });
  expect(await waitForShown(`popline-call-${unnamed.sessionId}`, 'the unnamed call')).toMatchObject({
    title: 'Incoming call: +44 20 7946 0958',
    message: '+44 20 7946 0958',
  });
  pbx.miss(named.sessionId);
  await waitFor(
    async () => (await shown()).find((n) => n.id === `popline-call-${named.sessionId}` && n.title.startsWith('Missed')),
    { what: 'the missed notification' },
  ).then((n) => expect(n).toMatchObject({ title: 'Missed call: Anna Schmidt', message: '030 1234567' }));
  // An answered call's notification goes (and says nothing more).
  pbx.answer(unnamed.sessionId);
  await waitFor(
    async () =>
      !Object.keys(await (await e2e.worker()).evaluate(() => chrome.notifications.getAll())).includes(
        `popline-call-${unnamed.sessionId}`,
      ),
    { what: 'the answered call’s notification to go' },
  );
  expect((await shown()).filter((n) => n.id === `popline-call-${unnamed.sessionId}`)).toHaveLength(1);
});

test('refused access: the notification says what to do, and a click opens the options page', async () => {
  await recordNotifications();
  await e2e.setup({}, 'wrong-token');
  const access = await waitForShown('popline-access', 'the access notification');
  expect(access.title).toBe('PopLine cannot connect to the phone system');
  expect(access.message).toContain('enter a valid token');
  await (await e2e.worker()).evaluate(() =>
    (chrome.notifications.onClicked as unknown as { dispatch(id: string): void }).dispatch('popline-access'),
  );
  const options = await waitFor(
    async () =>
      (await e2e.chromium.browser.pages()).find((p) =>
        p.url().startsWith(`chrome-extension://${e2e.chromium.extensionId}/options.html`),
      ),
    { what: 'the options page' },
  );
  await options.close();
  await e2e.setup();
});

test('cards.notifications false: no notification; true again: the same kind of call has one', async () => {
  await e2e.setup({ cards: { target: 'lastCrmTab', fadeAfterSeconds: 8, notifications: false } });
  await noCrmTabs();
  await recordNotifications();
  const { pbx } = e2e.sim;
  const quiet = pbx.ring({ from: '+49 30 1234567', name: 'Quiet Call', to: '1001' });
  // Positive control: the worker has taken the call in (notifications are decided in that step)...
  await handled(quiet.sessionId, 'ringing');
  pbx.miss(quiet.sessionId);
  await handled(quiet.sessionId, 'ended');
  // ...and said nothing.
  expect(await shown()).toEqual([]);
  await e2e.setup({ cards: { target: 'lastCrmTab', fadeAfterSeconds: 8, notifications: true } });
  const loud = pbx.ring({ from: '+49 30 1234567', name: 'Loud Call', to: '1001' });
  await waitForShown(`popline-call-${loud.sessionId}`, 'the notification with the switch on');
  expect((await shown()).map((n) => n.id)).toEqual([`popline-call-${loud.sessionId}`]);
});

/** Dispatches a click on `id` to PopLine's own listener (a system notification cannot be clicked from a test). */
const click = async (id: string) =>
  (await e2e.worker()).evaluate(
    (notification) =>
      (chrome.notifications.onClicked as unknown as { dispatch(id: string): void }).dispatch(notification),
    id,
  );

test('a click brings the CRM tab used last to the front', async () => {
  await e2e.setup({ cards: { target: 'none' } });
  const crm = await e2e.openCrm('contacts/c-1002');
  await waitFor(
    async () => {
      const { tabs } = await (await e2e.worker()).evaluate(() => chrome.storage.session.get('tabs'));
      return Object.keys(tabs as object).length === 1;
    },
    { what: 'the CRM tab registered' },
  );
  const other: Page = await e2e.chromium.browser.newPage();
  await other.goto('about:blank');
  await other.bringToFront();
  const isActive = (page: Page) => page.evaluate(() => document.visibilityState === 'visible');
  await waitFor(async () => !(await isActive(crm)), { what: 'the CRM tab in the background' });
  await recordNotifications();
  const call = e2e.sim.pbx.ring({ from: '+49 30 1234567', name: 'Anna Schmidt', to: '1001' });
  const id = `popline-call-${call.sessionId}`;
  await waitForShown(id, 'the notification');
  const pagesBefore = (await e2e.chromium.browser.pages()).length;
  await click(id);
  await waitFor(() => isActive(crm), { what: 'the CRM tab in front' });
  expect((await e2e.chromium.browser.pages()).length).toBe(pagesBefore);
  await other.close();
});

test('a click with no CRM tab open opens the CRM home page', async () => {
  await e2e.setup({ cards: { target: 'lastCrmTab' }, crm: { homeUrl: `${e2e.sim.crmUrl}activities` } });
  await noCrmTabs();
  // A browser window with no CRM in it (the usual case: the agent is elsewhere).
  const blank = await e2e.chromium.browser.newPage();
  await recordNotifications();
  const call = e2e.sim.pbx.ring({ from: '+49 30 1234567', name: 'Anna Schmidt', to: '1001' });
  const id = `popline-call-${call.sessionId}`;
  await waitForShown(id, 'the notification');
  await click(id);
  const home = await waitFor(
    async () => {
      const pages = await e2e.chromium.browser.pages();
      const found = pages.find((p) => p.url() === `${e2e.sim.crmUrl}activities`);
      if (!found) throw new Error(`open: ${pages.map((p) => p.url()).join(' ')}`);
      return found;
    },
    { what: 'the CRM home page' },
  );
  expect(home).toBeDefined();
  await blank.close();
});

test('a click with no browser window open at all opens the CRM home page in a new window', async () => {
  await e2e.setup({ cards: { target: 'lastCrmTab' }, crm: { homeUrl: `${e2e.sim.crmUrl}activities` } });
  await noCrmTabs();
  for (const page of await e2e.chromium.browser.pages()) await page.close();
  await recordNotifications();
  const call = e2e.sim.pbx.ring({ from: '+49 30 1234567', name: 'Anna Schmidt', to: '1001' });
  const id = `popline-call-${call.sessionId}`;
  await waitForShown(id, 'the notification');
  await click(id);
  await waitFor(
    async () => (await e2e.chromium.browser.pages()).find((p) => p.url() === `${e2e.sim.crmUrl}activities`),
    { what: 'the CRM home page in a new window' },
  );
});
