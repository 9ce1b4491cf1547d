/**
 * History retention as it runs in Chromium (docs/history.md): on its alarm (a real Chrome alarm,
 * brought forward by re-creating it), with the limits from the settings (`history.retentionDays`,
 * `history.maxCalls`), not by calling the function. Calls come from the PBX's own history
 * through the popup's import, so their start times can be days old.
 */
import type { Page } from 'puppeteer-core';
import { type Simulator, startSimulator } from '../../sim/server';
import type { MessageName, Req, Res } from '../../src/shared/messages';
import { type ExtensionBrowser, launchChromium, waitFor } from '../support/browsers';
import { configure, connectionState, settingsFor } from '../support/extension';

jest.setTimeout(120_000);

const HISTORY_ALARM = 'popline-history-retention';
const DAY = 86_400_000;

let sim: Simulator;
let chromium: ExtensionBrowser;
let page: Page;

async function send<K extends MessageName>(type: K, body: Req<K>): Promise<Res<K>> {
  return page.evaluate(
    (type, body) => chrome.runtime.sendMessage({ popline: 1, type, body }),
    type,
    body as never,
  ) as Promise<Res<K>>;
}

const sessionIds = async () =>
  (await send('historyQuery', { kind: 'recent', pageSize: 200 })).records.map((r) => r.sessionId).sort();

async function applySettings(history: { retentionDays: number; maxCalls: number }): Promise<void> {
  const settings = settingsFor(sim.ctiUrl, { history });
  await configure(await chromium.worker(), settings, 'popline-demo');
  await waitFor(async () => (await connectionState(await chromium.worker())) === 'ACCESS_GRANTED', {
    what: 'the connection',
  });
}

/** Has Chrome fire the retention alarm now: the same alarm, re-created to go off in a moment. */
async function fireAlarm(): Promise<void> {
  await (await chromium.worker()).evaluate(
    (name) => chrome.alarms.create(name, { when: Date.now() + 100 }),
    HISTORY_ALARM,
  );
}

/** PBX history entries, `count` of them, `age` ms old and a minute apart. */
const entries = (prefix: string, count: number, age: number) =>
  Array.from({ length: count }, (_, i) => ({
    sessionId: `${prefix}-${i}`,
    startTime: new Date(Date.now() - age - i * 60_000).toISOString(),
    direction: 'Inbound',
    caller: `+4930700${String(i).padStart(4, '0')}`,
    callee: '1001',
    state: 'hungup' as const,
    talkDuration: 30,
  }));

const ids = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}-${i}`);

beforeAll(async () => {
  sim = await startSimulator({ port: 0 });
  chromium = await launchChromium();
  await applySettings({ retentionDays: 365, maxCalls: 100_000 });
  page = await chromium.browser.newPage();
  await page.goto(`chrome-extension://${chromium.extensionId}/popup.html`);
});
afterAll(async () => {
  await chromium?.close();
  await sim?.close();
});

test('the alarm exists, repeating, from the first start', async () => {
  const alarm = await (await chromium.worker()).evaluate((name) => chrome.alarms.get(name), HISTORY_ALARM);
  expect(alarm).toMatchObject({ name: HISTORY_ALARM, periodInMinutes: expect.any(Number) });
});

test('on the alarm, calls older than history.retentionDays go; the days come from the settings', async () => {
  sim.pbx.seedHistory([...entries('d100', 5, 100 * DAY), ...entries('d40', 5, 40 * DAY), ...entries('new', 20, DAY)]);
  expect(await send('historyImport', {})).toMatchObject({ ok: true, added: 30 });
  const all = [...ids('d100', 5), ...ids('d40', 5), ...ids('new', 20)].sort();
  expect(await sessionIds()).toEqual(all);

  await applySettings({ retentionDays: 60, maxCalls: 100_000 });
  await fireAlarm();
  // The 100-day-old calls go; the 40-day-old ones stay, in the same run (60 days, from the settings).
  await waitFor(async () => !(await sessionIds()).includes('d100-0'), { what: 'the 100-day-old calls to go' });
  expect(await sessionIds()).toEqual([...ids('d40', 5), ...ids('new', 20)].sort());

  await applySettings({ retentionDays: 30, maxCalls: 100_000 });
  await fireAlarm();
  await waitFor(async () => !(await sessionIds()).includes('d40-0'), { what: 'the 40-day-old calls to go' });
  expect(await sessionIds()).toEqual(ids('new', 20).sort());
});

test('on the alarm, beyond history.maxCalls the oldest calls go', async () => {
  await send('historyClear', {});
  // The PBX's history keeps the 30 calls of the last test: 160 in all, the newest 100 of them these.
  sim.pbx.seedHistory(entries('many', 130, DAY / 2));
  expect(await send('historyImport', {})).toMatchObject({ ok: true, added: 160 });
  await applySettings({ retentionDays: 0, maxCalls: 100 });
  await fireAlarm();
  await waitFor(async () => (await send('historyExport', {})).count === 100, { what: 'the history trimmed to 100' });
  // The newest 100 stay: many-0 … many-99 (a larger index is an older call).
  const kept = (await send('historyQuery', { kind: 'recent', pageSize: 200 })).records.map((r) => r.sessionId);
  expect(kept.sort()).toEqual(ids('many', 100).sort());
});
