/**
 * The background's sender rules in Chromium, from the content-script world of a CRM tab (code
 * running as PopLine's content script, attacker B of docs/security.md): every message meant for
 * PopLine's own pages is refused there, and nothing it would have done happens. Positive controls
 * in the same test: a content-script message from the same world is answered, and the same
 * queries from PopLine's popup page are. (test/unit/router.test.ts has every message × sender kind.)
 */
import type { Page } from 'puppeteer-core';
import { clickCardControl, waitFor } from '../support/browsers';
import { historyRecordOf } from '../support/extension';
import { type E2E, startE2E, waitForCard } from '../support/session';
import { isolatedWorld, sendFromWorld, type World } from '../support/world';

jest.setTimeout(120_000);

let e2e: E2E;
let page: Page;
let world: World;

beforeAll(async () => {
  e2e = await startE2E();
  await e2e.setup();
  page = await e2e.openCrm();
  world = await isolatedWorld(page);
});
afterAll(async () => {
  await world?.session.detach().catch(() => undefined);
  await e2e?.close();
});

/** A refused message gets no answer at all; every handled one is answered (null at least). */
const isRefused = (answer: unknown) => (answer as { noAnswer?: boolean } | null)?.noAnswer === true;

test('page-only messages sent from the content-script world are refused, and change nothing', async () => {
  const { pbx } = e2e.sim;
  const call = pbx.ring({ from: '+49 30 1234567', name: 'Anna Schmidt', to: '1001' });
  await waitForCard(page, call.sessionId);
  pbx.answer(call.sessionId);
  pbx.hangup(call.sessionId);
  const { browser, extensionId } = e2e.chromium;
  await historyRecordOf(browser, extensionId, call.sessionId, (r) => r.outcome === 'answered');

  // Positive control: this world is PopLine's content script, and the background answers it.
  const hello = (await sendFromWorld(world, 'contentHello', { visible: true })) as { cards?: unknown[] };
  expect(Array.isArray(hello?.cards)).toBe(true);

  const evil = 'ws://127.0.0.1:9/evil';
  const refusedFromContent: [string, unknown][] = [
    ['getStatus', {}],
    ['getOptions', {}],
    ['saveOptions', { settings: { version: 1, connection: { serverUrl: evil } }, credentials: { token: 'x' } }],
    ['testConnection', { settings: { version: 1, connection: { serverUrl: evil } } }],
    ['reconnect', {}],
    ['dial', { number: '+12125550142', confirmed: true }],
    ['historyQuery', { kind: 'recent' }],
    ['historyPrevious', { sessionId: call.sessionId }],
    ['historyExport', {}],
    ['historyClear', {}],
    ['historySetNote', { sessionId: call.sessionId, note: 'written by the page' }],
    ['dialQuestion', { ticket: 'abcdefgh12345678' }],
    ['dialConfirm', { ticket: 'abcdefgh12345678', yes: true }],
  ];
  const answers: Record<string, unknown> = {};
  for (const [type, body] of refusedFromContent) answers[type] = await sendFromWorld(world, type, body);
  for (const [type] of refusedFromContent)
    expect({ type, refused: isRefused(answers[type]) }).toEqual({ type, refused: true });

  // Nothing happened: the settings and token are as they were, no dial, the call and its (empty) note are kept.
  const worker = await e2e.worker();
  const stored = (await worker.evaluate(() => chrome.storage.local.get(['settings', 'credentials']))) as {
    settings: { connection: { serverUrl: string } };
    credentials: { token: string };
  };
  expect(stored.settings.connection.serverUrl).toBe(e2e.sim.ctiUrl);
  expect(stored.credentials.token).toBe('popline-demo');
  expect(e2e.sim.cti.dialRequests).toEqual([]);
  const kept = await historyRecordOf(browser, extensionId, call.sessionId, () => true);
  expect(kept.note).toBeUndefined();

  // Positive control: the same queries from PopLine's own page are answered.
  const popup = await browser.newPage();
  try {
    await popup.goto(`chrome-extension://${extensionId}/popup.html`);
    const fromPage = await popup.evaluate(async (id) => {
      const send = (type: string, body: unknown) => chrome.runtime.sendMessage({ popline: 1, type, body });
      const history = (await send('historyQuery', { kind: 'recent' })) as { records: { sessionId: string }[] };
      const status = (await send('getStatus', {})) as { state: string };
      return { found: history.records.some((r) => r.sessionId === id), state: status.state };
    }, call.sessionId);
    expect(fromPage).toEqual({ found: true, state: 'ACCESS_GRANTED' });
  } finally {
    await popup.close();
  }
});

test('the card’s note frame may note a call its tab showed; not once it ended more than 2 hours ago', async () => {
  const { pbx } = e2e.sim;
  const call = pbx.ring({ from: '+49 30 7654321', name: 'Late Lena', to: '1001' });
  pbx.answer(call.sessionId);
  await waitForCard(page, call.sessionId, (c) => c.phase === 'connected');
  // The note form opens in PopLine's entry frame inside the card (our page, the sender kind 'frame').
  await clickCardControl(page, call.sessionId, 'Add a note');
  const frame = await waitFor(
    () => page.frames().find((f) => f.url().startsWith(`chrome-extension://`) && f.url().includes('entry.html')),
    { what: 'the note frame' },
  );
  pbx.hangup(call.sessionId);
  const { browser, extensionId } = e2e.chromium;
  await historyRecordOf(browser, extensionId, call.sessionId, (r) => r.outcome === 'answered');
  const note = (text: string) =>
    frame.evaluate(
      (id, value) =>
        chrome.runtime.sendMessage({ popline: 1, type: 'historySetNote', body: { sessionId: id, note: value } }),
      call.sessionId,
      text,
    );
  // Positive control: just after the call, the frame's note is taken.
  expect(await note('called back at once')).toEqual({ ok: true, sessionId: call.sessionId });

  // Two hours and more later, as the worker would see it: the call has left the book, and its
  // record ended 3 hours ago.
  const worker = await e2e.worker();
  await worker.evaluate(async (id) => {
    const { book } = (await chrome.storage.session.get('book')) as { book: { calls: Record<string, unknown> } };
    delete book.calls[id];
    await chrome.storage.session.set({ book });
    await new Promise<void>((resolve, reject) => {
      const open = indexedDB.open('popline-history');
      open.onerror = () => reject(open.error);
      open.onsuccess = () => {
        const tx = open.result.transaction('calls', 'readwrite');
        const store = tx.objectStore('calls');
        const get = store.get(id);
        get.onsuccess = () => store.put({ ...get.result, endedAt: Date.now() - 3 * 3_600_000 });
        tx.oncomplete = () => {
          open.result.close();
          resolve();
        };
        tx.onerror = () => reject(tx.error);
      };
    });
  }, call.sessionId);
  // A worker that starts afresh reads that state (as one does after any stop).
  await e2e.chromium.stopWorker();
  await e2e.worker();
  expect(await note('written the next morning')).toMatchObject({ ok: false });
  const kept = await historyRecordOf(browser, extensionId, call.sessionId, () => true);
  expect(kept.note).toBe('called back at once');
});
