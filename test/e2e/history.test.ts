/**
 * The call history through the real extension in Chromium: simulator calls end up in IndexedDB
 * as they progress, a worker stopped mid-call loses nothing, and the message API (queried from
 * an extension page, as the popup does) searches, annotates, exports, imports and clears it.
 */
import type { Page } from 'puppeteer-core';
import { type Simulator, startSimulator } from '../../sim/server';
import type { HistoryPage, HistoryQuery, HistoryView } from '../../src/shared/history';
import type { MessageName, Req, Res } from '../../src/shared/messages';
import { type ExtensionBrowser, launchChromium, waitFor } from '../support/browsers';
import { configure, connectionState, settingsFor } from '../support/extension';

jest.setTimeout(120_000);

let sim: Simulator;
let chromium: ExtensionBrowser;
let page: Page;

/** Sends a message as an extension page does (pages of our own origin are the only ones allowed). */
async function send<K extends MessageName>(type: K, body: Req<K>): Promise<Res<K>> {
  return page.evaluate(
    (type, body) => chrome.runtime.sendMessage({ popline: 1, type, body }),
    type,
    body as never,
  ) as Promise<Res<K>>;
}

const query = (body: HistoryQuery) => send('historyQuery', body) as Promise<HistoryPage>;

/** A query that gives up after a while, so polling goes on while a stopped worker restarts. */
async function queryPatiently(body: HistoryQuery): Promise<HistoryPage> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('no answer within 5 s')), 5000);
  });
  try {
    return await Promise.race([query(body), late]);
  } finally {
    clearTimeout(timer);
  }
}

async function recordOf(sessionId: string, done: (r: HistoryView) => boolean, what: string): Promise<HistoryView> {
  return waitFor(
    async () => {
      const found = (await queryPatiently({ kind: 'recent', pageSize: 200 })).records.find(
        (r) => r.sessionId === sessionId,
      );
      return found && done(found) ? found : null;
    },
    { what, timeout: 20_000, interval: 200 },
  );
}

beforeAll(async () => {
  sim = await startSimulator({ port: 0 });
  chromium = await launchChromium();
  const worker = await chromium.worker();
  await configure(worker, settingsFor(sim.ctiUrl, { phone: { defaultCountry: 'DE' } }), 'popline-demo');
  await waitFor(async () => (await connectionState(worker)) === 'ACCESS_GRANTED', { what: 'connection' });
  page = await chromium.browser.newPage();
  await page.goto(`chrome-extension://${chromium.extensionId}/popup.html`);
});

afterAll(async () => {
  await chromium?.close();
  await sim?.close();
});

test('an answered and a missed call are in the history, as they progress', async () => {
  const anna = sim.pbx.ring({ from: '+49 30 1234567', name: 'Anna Schmidt', to: '1001' });
  const ringing = await recordOf(anna.sessionId, () => true, 'the ringing call');
  expect(ringing.outcome).toBeUndefined();
  sim.pbx.answer(anna.sessionId);
  await recordOf(anna.sessionId, (r) => r.answeredAt !== undefined, 'the answer');
  sim.pbx.hangup(anna.sessionId);
  const done = await recordOf(anna.sessionId, (r) => r.outcome !== undefined, 'the end');
  expect(done).toMatchObject({
    outcome: 'answered',
    direction: 'inbound',
    name: 'Anna Schmidt',
    number: '+49 30 1234567',
    e164: '+49301234567',
    numberDisplay: '030 1234567',
    source: 'live',
  });

  const max = sim.pbx.ring({ from: '089 5550100', name: 'Max Müller', to: '1001' });
  sim.pbx.miss(max.sessionId);
  await recordOf(max.sessionId, (r) => r.outcome === 'missed', 'the missed call');

  const missed = await query({ kind: 'missed' });
  expect(missed.records.map((r) => r.sessionId)).toEqual([max.sessionId]);
  for (const text of ['030 1234567', '0049301234567', '+49 30 123-45-67', '4567']) {
    const found = await query({ kind: 'search', text });
    expect(found.records.map((r) => r.sessionId)).toEqual([anna.sessionId]);
  }
  expect((await query({ kind: 'search', text: 'mül' })).records.map((r) => r.sessionId)).toEqual([max.sessionId]);
});

test('a worker stopped in the middle of a call loses nothing', async () => {
  const call = sim.pbx.ring({ from: '+44 20 7946 0018', name: 'Olivia Jones', to: '1001' });
  sim.pbx.answer(call.sessionId);
  await recordOf(call.sessionId, (r) => r.answeredAt !== undefined, 'the answer');
  const workerUrl = `chrome-extension://${chromium.extensionId}/background.js`;
  const workerRuns = () =>
    chromium.browser.targets().some((t) => t.type() === 'service_worker' && t.url() === workerUrl);
  expect(workerRuns()).toBe(true);
  // The popup's port and queries would start the next worker at once: it goes first, so that the
  // call ends while no worker runs (stopWorker itself fails unless the worker's target went away).
  await page.goto('about:blank');
  await chromium.stopWorker();
  expect(workerRuns()).toBe(false);
  // The call ends while no worker runs; the next worker (started by the popup) learns it from the snapshot.
  sim.pbx.hangup(call.sessionId);
  await page.goto(`chrome-extension://${chromium.extensionId}/popup.html`);
  const ended = await recordOf(call.sessionId, (r) => r.outcome !== undefined, 'the end after the restart');
  expect(ended).toMatchObject({ outcome: 'answered', name: 'Olivia Jones', e164: '+442079460018' });
  expect(ended.answeredAt).toBeLessThanOrEqual(ended.endedAt as number);
});

test('notes, CSV export, import from the PBX without duplicates, and clearing', async () => {
  const [latest] = (await query({ kind: 'recent', pageSize: 1 })).records;
  if (!latest) throw new Error('no call');
  expect(
    await send('historySetNote', { sessionId: latest.sessionId, note: '=wants a quote', disposition: 'sale' }),
  ).toEqual({ ok: true, sessionId: latest.sessionId });
  expect((await query({ kind: 'recent', pageSize: 1 })).records[0]).toMatchObject({
    note: '=wants a quote',
    disposition: 'sale',
  });

  const { csv, count } = await send('historyExport', {});
  expect(count).toBe(3);
  expect(csv.split('\r\n')[0]).toMatch(/^\uFEFF"session id"/);
  expect(csv).toContain(`"'=wants a quote"`);
  expect(csv).toContain(`"'+49301234567"`);

  const seeded = Array.from({ length: 250 }, (_, i) => ({
    sessionId: `old-${i}`,
    startTime: new Date(Date.now() - (i + 1) * 3_600_000).toISOString(),
    direction: 'Inbound',
    caller: `+4930700${String(i).padStart(4, '0')}`,
    callee: '1001',
    state: i % 4 ? ('hungup' as const) : ('cancelled' as const),
    talkDuration: i % 4 ? 45 : 0,
  }));
  sim.pbx.seedHistory(seeded);
  // The PBX's history also holds the three live calls: they must not be doubled.
  const imported = await send('historyImport', {});
  expect(imported).toMatchObject({ ok: true, added: 250, existing: 3, rejected: 0 });
  expect(await send('historyImport', {})).toMatchObject({ ok: true, added: 0, existing: 253 });
  expect((await send('historyExport', {})).count).toBe(253);
  const missed = await query({ kind: 'missed', pageSize: 200 });
  expect(missed.records).toHaveLength(64); // 63 imported (every fourth) and the live one
  expect((await query({ kind: 'search', text: '030 7000123' })).records).toMatchObject([
    { sessionId: 'old-123', source: 'pbx', outcome: 'answered', talkSeconds: 45 },
  ]);

  expect(await send('historyClear', {})).toEqual({ removed: 253 });
  expect((await query({ kind: 'recent' })).records).toEqual([]);
});

test('a malformed request is refused', async () => {
  await expect(send('historyQuery', { kind: 'everything' } as never)).rejects.toThrow(/invalid historyQuery/);
  await expect(send('historyQuery', { kind: 'recent', pageSize: 100_000 })).rejects.toThrow(/pageSize/);
});
