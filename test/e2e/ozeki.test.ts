/**
 * PopLine in Ozeki mode in a real Chromium against the simulator's Ozeki HTTP API (Ozeki 10
 * shape, with an office user): the card pops and follows the call, click-to-dial goes through
 * the API extension and the OzML URL, hang up from the card, history import, wrong
 * credentials and broken answers in the connection state, and a stopped worker that resumes.
 */
import type { Page, WebWorker } from 'puppeteer-core';
import { type Simulator, startSimulator } from '../../sim/server';
import type { HistoryPage, HistoryResult, ImportSummary } from '../../src/shared/history';
import type { MessageName, Req, Res } from '../../src/shared/messages';
import type { Settings } from '../../src/shared/settings';
import { clickCardControl, type ExtensionBrowser, launchChromium, readCards, waitFor } from '../support/browsers';
import { settingsFor } from '../support/extension';

jest.setTimeout(120_000);

const AUTH = { username: 'agent1001', password: 'pa$$ w&rd' };

let sim: Simulator;
let chromium: ExtensionBrowser;
let crm: Page;
let extensionPage: Page;

function ozekiSettings(): Settings {
  const ozeki = sim.ozeki;
  if (!ozeki) throw new Error('the simulator has no Ozeki mode');
  const settings = settingsFor(sim.ctiUrl, { phone: { defaultCountry: 'DE' } });
  settings.connection.connector = 'ozeki';
  settings.ozeki = { ...settings.ozeki, apiUrl: ozeki.apiUrl, ozmlUrl: ozeki.ozmlTemplate, apiExtension: '9994' };
  return settings;
}

async function configureOzeki(worker: WebWorker, credentials: { ozekiUsername: string; ozekiPassword: string }) {
  await worker.evaluate(
    (s, c) => chrome.storage.local.set({ settings: s, credentials: c }),
    ozekiSettings() as never,
    credentials,
  );
}

async function connection(): Promise<{ state?: string; detail?: string; userName?: string }> {
  const worker = await chromium.worker();
  return worker.evaluate(async () => (await chrome.storage.session.get('connection')).connection ?? {}) as never;
}

const waitForState = (state: string) =>
  waitFor(async () => ((await connection()).state === state ? connection() : null), { what: state, timeout: 15_000 });

/** Sends a message as an extension page (the popup) does. */
async function send<K extends MessageName>(type: K, body: Req<K>): Promise<Res<K>> {
  return extensionPage.evaluate(
    (t, b) => chrome.runtime.sendMessage({ popline: 1, type: t, body: b }),
    type,
    body as never,
  ) as Promise<Res<K>>;
}

async function cardOf(sessionId: string) {
  return (await readCards(crm)).find((card) => card.sessionId === sessionId);
}

const waitForCard = (
  sessionId: string,
  check: (card: NonNullable<Awaited<ReturnType<typeof cardOf>>>) => boolean,
  what: string,
) =>
  waitFor(
    async () => {
      const card = await cardOf(sessionId);
      return card && check(card) ? card : null;
    },
    { what, timeout: 15_000 },
  );

beforeAll(async () => {
  sim = await startSimulator({
    port: 0,
    ozeki: { shape: 'ozeki10', auth: AUTH, dialAgentMs: 600, dialCustomerMs: 900, keepEndedMs: 0 },
  });
  chromium = await launchChromium();
  await configureOzeki(await chromium.worker(), { ozekiUsername: AUTH.username, ozekiPassword: AUTH.password });
  expect(await waitForState('ACCESS_GRANTED')).toMatchObject({ userName: 'agent1001' });
  extensionPage = await chromium.browser.newPage();
  await extensionPage.goto(`chrome-extension://${chromium.extensionId}/popup.html`);
  crm = await chromium.browser.newPage();
  await crm.goto(sim.crmUrl);
  await crm.bringToFront();
});

afterAll(async () => {
  await chromium?.close();
  await sim?.close();
});

afterEach(() => {
  if (sim.ozeki) sim.ozeki.fault = undefined;
  for (const call of sim.pbx.active()) sim.pbx.hangup(call.sessionId);
});

test('a call pops a card that follows ringing, talking, held and ended, from polled snapshots', async () => {
  const call = sim.pbx.ring({ from: '+49 30 1234567', name: 'Anna Schmidt', to: '1001' });
  const ringing = await waitForCard(call.sessionId, () => true, 'the card');
  expect(ringing).toMatchObject({ phase: 'ringing', name: 'Anna Schmidt', number: '030 1234567' });
  sim.pbx.answer(call.sessionId);
  await waitForCard(call.sessionId, (c) => c.phase === 'connected', 'talking');
  sim.pbx.hold(call.sessionId);
  await waitForCard(call.sessionId, (c) => c.state === 'On hold', 'on hold');
  sim.pbx.unhold(call.sessionId);
  await waitForCard(call.sessionId, (c) => c.phase === 'connected', 'talking again');
  sim.pbx.hangup(call.sessionId);
  expect(await waitForCard(call.sessionId, (c) => c.phase === 'ended', 'ended')).toMatchObject({ outcome: 'answered' });
  expect(sim.ozeki?.stats.byCommand.ListActiveCalls).toBeGreaterThan(3);
});

test('click-to-dial rings the agent through the API extension, then connects the customer; hang up from the card', async () => {
  expect(await send('dial', { number: '+49 89 5550100' })).toEqual({ ok: true });
  const card = await waitFor(
    async () => (await readCards(crm)).find((c) => c.direction !== '' && c.phase === 'setup'),
    {
      what: 'the dial card',
      timeout: 15_000,
    },
  );
  expect(card.number).toBe('089 5550100');
  const agentLeg =
    sim.pbx.history.find((record) => record.sessionId === card.sessionId) ?? sim.pbx.calls.get(card.sessionId);
  expect(agentLeg).toMatchObject({ caller: '9994', callee: '1001' });
  await waitForCard(card.sessionId, (c) => c.phase === 'ringing', 'the customer ringing');
  await waitForCard(card.sessionId, (c) => c.phase === 'connected', 'the customer answering');
  const customer = sim.pbx.active().find((call) => call.callee === '+49895550100');
  expect(customer).toMatchObject({ caller: '1001', state: 'incall' });
  await clickCardControl(crm, card.sessionId, 'Hang up');
  await waitFor(() => !sim.pbx.calls.has(customer?.sessionId ?? ''), { what: 'the hang-up at the PBX' });
  expect(await waitForCard(card.sessionId, (c) => c.phase === 'ended', 'ended')).toMatchObject({ outcome: 'answered' });
  expect((await readCards(crm)).filter((c) => c.number === '089 5550100')).toHaveLength(1);
});

test('history import reads GetCallHistory page by page into the history', async () => {
  const start = Date.now() - 3_600_000;
  sim.pbx.seedHistory(
    Array.from({ length: 230 }, (_, i) => ({
      sessionId: `old-${i}`,
      startTime: new Date(start - i * 60_000).toISOString(),
      direction: 'Inbound',
      caller: `+4930555${String(i).padStart(4, '0')}`,
      callee: i % 10 === 0 ? '2002' : '1001',
      callerDisplayName: `Caller ${i}`,
      state: i % 3 === 0 ? 'cancelled' : 'hungup',
      talkDuration: i % 3 === 0 ? 0 : 42,
    })),
  );
  const before = sim.ozeki?.stats.byCommand.GetCallHistory ?? 0;
  const result = (await send('historyImport', { limit: 1000 })) as HistoryResult<ImportSummary>;
  expect(result).toMatchObject({ ok: true, rejected: 23 });
  if (!result.ok) return;
  expect(result.added).toBeGreaterThanOrEqual(207);
  expect((sim.ozeki?.stats.byCommand.GetCallHistory ?? 0) - before).toBe(2);
  const recent = (await send('historyQuery', { kind: 'recent', pageSize: 200 })) as HistoryPage;
  const found = recent.records.filter((record) => record.number === '+49305550004');
  expect(found).toEqual([
    expect.objectContaining({
      sessionId: 'old-4',
      source: 'pbx',
      outcome: 'answered',
      talkSeconds: 42,
      name: 'Caller 4',
    }),
  ]);
});

test('wrong credentials give the reason in the connection state; the right ones connect again', async () => {
  const worker = await chromium.worker();
  await configureOzeki(worker, { ozekiUsername: AUTH.username, ozekiPassword: 'wrong' });
  const denied = await waitForState('ACCESS_DENIED');
  expect(denied.detail).toMatch(/^wrong user name or password \(code 305\): open PopLine's options/);
  await configureOzeki(worker, { ozekiUsername: '', ozekiPassword: '' });
  await waitFor(async () => (await connection()).detail?.includes('code 304'), { what: 'code 304', timeout: 15_000 });
  await configureOzeki(worker, { ozekiUsername: AUTH.username, ozekiPassword: AUTH.password });
  await waitForState('ACCESS_GRANTED');
});

test('an HTML error page and truncated XML: the state says so, then it recovers', async () => {
  const ozeki = sim.ozeki;
  if (!ozeki) throw new Error('no Ozeki mode');
  ozeki.fault = { body: 'html', command: 'ListActiveCalls' };
  const html = await waitFor(async () => ((await connection()).detail?.includes('web page') ? connection() : null), {
    what: 'the HTML page reason',
    timeout: 15_000,
  });
  expect(html.state).toMatch(/^CONNECTION_(CLOSED|FAILED)$/);
  expect(html.detail).toContain('the address answered with a web page ("Service Unavailable")');
  ozeki.fault = { body: 'truncated', command: 'ListActiveCalls' };
  await waitFor(async () => (await connection()).detail === 'the answer was cut off (truncated XML)', {
    what: 'the truncated reason',
    timeout: 20_000,
  });
  ozeki.fault = undefined;
  await waitForState('ACCESS_GRANTED');
  const call = sim.pbx.ring({ from: '+49 40 777', to: '1001' });
  await waitForCard(call.sessionId, (c) => c.phase === 'ringing', 'a card after recovery');
});

test('a stopped service worker starts polling again and still pops the card', async () => {
  // A mark in this worker's globals: a restarted worker does not have it.
  await (await chromium.worker()).evaluate(() => Object.assign(globalThis, { beforeStop: true }));
  await chromium.stopWorker();
  const call = sim.pbx.ring({ from: '+49 69 4242', name: 'Nach Neustart', to: '1001' });
  await waitForCard(
    call.sessionId,
    (c) => c.phase === 'ringing' && c.name === 'Nach Neustart',
    'the card after a restart',
  );
  expect(await (await chromium.worker()).evaluate(() => 'beforeStop' in globalThis)).toBe(false);
});
