/**
 * Call logging into the CRM (docs/crm.md), in real Chromium against the demo CRM (background mode):
 * 1. the time from the agent saving the wrap-up note to the activity existing in the CRM, p50/p95,
 *    against a floor measured in the same run: the same POST sent straight from Node;
 * 2. an outbox of 1,000 calls draining (each CRM answer held 10 ms, so the drain overlaps the
 *    measurements; from the background with the demo key) while calls pop cards and the popup opens: card and popup latency as ratios
 *    to the same measured with an empty outbox, and the drain's rate; every call lands once.
 * Prints figures; asserts only that nothing was lost or doubled.
 */
import type { Page } from 'puppeteer-core';
import { DEMO_CRM_KEY } from '../sim/crmApi';
import { applyLogPreset, LOG_PRESETS } from '../src/shared/crm/log/presets';
import { applyPreset, CRM_PRESETS, type CrmPreset } from '../src/shared/crm/presets';
import { defaultSettings } from '../src/shared/settings';
import { waitFor } from '../test/support/browsers';
import { type E2E, sleep, startE2E, waitForCard } from '../test/support/session';

const WRAPUPS = Number(process.env.BENCH_WRAPUPS ?? 40);
const CARDS = Number(process.env.BENCH_CARDS ?? 30);
const POPUPS = Number(process.env.BENCH_POPUPS ?? 15);
const OUTBOX = Number(process.env.BENCH_OUTBOX ?? 1000);
const ANNA = '+49 30 1234567';

const quantile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? Number.NaN;
};
const fmt = (values: number[]) =>
  `p50 ${quantile(values, 0.5).toFixed(1)} ms   p95 ${quantile(values, 0.95).toFixed(1)} ms   (n=${values.length})`;
const ratio = (a: number[], b: number[], p: number) => (quantile(a, p) / quantile(b, p)).toFixed(2);

function settings(e2e: E2E, when: 'wrapUp' | 'manual') {
  const onThisPort = <T>(value: T): T =>
    JSON.parse(JSON.stringify(value).replaceAll('http://127.0.0.1:8765', e2e.sim.origin));
  const withLookup = applyPreset(defaultSettings, onThisPort(CRM_PRESETS.find((p) => p.id === 'demo') as CrmPreset));
  const logged = applyLogPreset(withLookup, onThisPort(LOG_PRESETS.find((p) => p.id === 'demo') as never));
  // From the background with the demo key: a bundled simulator serves no CRM pages (so no login
  // cookie), only the API; the card still pops in the 127.0.0.1 tab, a CRM site.
  return {
    lookup: { ...withLookup.lookup, mode: 'background' as const },
    record: withLookup.record,
    cards: { fadeAfterSeconds: 0 },
    crmlog: { ...logged.crmlog, mode: 'background' as const, when, wrapUpSeconds: 3600 },
  };
}

async function useDemoKey(e2e: E2E): Promise<void> {
  const worker = await e2e.worker();
  await worker.evaluate(
    (key) => chrome.storage.local.set({ credentials: { token: 'popline-demo', lookupKey: key, crmLogKey: key } }),
    DEMO_CRM_KEY,
  );
}

const activityOf = (e2e: E2E, callId: string) =>
  e2e.sim.crm.activities.list.find((activity) => activity.fields.callId === callId);

/** Wrap-up saved (the popup's note save) → the activity in the CRM, in ms. */
async function wrapUpToActivity(e2e: E2E, crm: Page, popup: Page): Promise<number> {
  const call = e2e.sim.pbx.ring({ from: ANNA, to: '1001' });
  // The looked-up record is what the activity goes on.
  await waitForCard(crm, call.sessionId, (card) => card.name === 'Anna Schmidt', 'the looked-up card');
  e2e.sim.pbx.answer(call.sessionId);
  await sleep(50);
  e2e.sim.pbx.hangup(call.sessionId);
  const ask = (type: string, body: object) =>
    popup.evaluate((t, b) => chrome.runtime.sendMessage({ popline: 1, type: t, body: b }), type, body);
  await waitFor(
    async () =>
      ((await ask('crmLogStates', { sessionIds: [call.sessionId] })) as Record<string, { state: string }>)[
        call.sessionId
      ]?.state === 'wrapUp',
    { what: 'the wrap-up', timeout: 15_000 },
  );
  const saved = Date.now();
  await ask('historySetNote', { sessionId: call.sessionId, note: 'bench', disposition: 'sale' });
  const activity = await waitFor(() => activityOf(e2e, call.sessionId), {
    what: 'the activity',
    interval: 1,
    timeout: 15_000,
  });
  await waitFor(() => crm.evaluate(() => !document.querySelector('popline-cards')), { what: 'no card' });
  return activity.createdAt - saved;
}

/** The same POST from Node, no browser: the CRM's own cost, the floor. */
async function directPost(e2e: E2E, i: number): Promise<number> {
  const started = Date.now();
  const response = await fetch(`${e2e.sim.origin}/crm/api/activities`, {
    method: 'POST',
    headers: { authorization: DEMO_CRM_KEY, 'content-type': 'application/json', 'idempotency-key': `floor-${i}` },
    body: JSON.stringify({ contactId: 'c-1001', callId: `floor-${i}`, note: 'bench' }),
  });
  await response.text();
  return Date.now() - started;
}

/** sessionCreated → the card host in the page, then the next frame (as bench/screenpop.ts). */
async function cardPop(e2e: E2E, crm: Page): Promise<number> {
  await waitFor(() => crm.evaluate(() => !document.querySelector('popline-cards')), { what: 'no card' });
  await crm.evaluate(() => {
    const w = window as unknown as { __painted?: number };
    w.__painted = undefined;
    const observer = new MutationObserver((records) => {
      if (!records.some((r) => [...r.addedNodes].some((n) => n.nodeName === 'POPLINE-CARDS'))) return;
      observer.disconnect();
      requestAnimationFrame(() => {
        w.__painted = performance.timeOrigin + performance.now();
      });
    });
    observer.observe(document.documentElement, { childList: true });
  });
  const sent = performance.timeOrigin + performance.now();
  const call = e2e.sim.pbx.ring({ from: '+1 212 555 0100', name: 'Bench Caller', to: '1001' });
  const painted = await waitFor(() => crm.evaluate(() => (window as unknown as { __painted?: number }).__painted), {
    what: 'the card',
    timeout: 30_000,
  });
  // Answered, so the card fades at once (a missed call's card stays for a day).
  e2e.sim.pbx.answer(call.sessionId);
  e2e.sim.pbx.hangup(call.sessionId);
  return painted - sent;
}

/** The popup opened → its recent calls drawn. */
async function popupOpen(popup: Page, url: string): Promise<number> {
  const started = performance.now();
  await popup.goto(url);
  await popup.waitForSelector('.recent-list .recent-row', { timeout: 30_000 });
  return performance.now() - started;
}

async function fillOutbox(e2e: E2E, count: number): Promise<void> {
  const worker = await e2e.worker();
  await worker.evaluate(async (n: number) => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const open = indexedDB.open('popline-crmlog', 1);
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    const tx = db.transaction('outbox', 'readwrite');
    const now = Date.now();
    for (let i = 0; i < n; i++) {
      const callId = `bench-${i}`;
      tx.objectStore('outbox').put({
        sessionId: callId,
        key: `popline-${callId}`,
        state: 'waiting',
        facts: {
          callId,
          direction: 'inbound',
          number: '+49 30 1234567',
          e164: '+49301234567',
          e164digits: '49301234567',
          national: '030 1234567',
          digits: '49301234567',
          name: 'Anna Schmidt',
          startedAt: now - 60_000,
          endedAt: now - 1000,
          talkSeconds: 59,
          outcome: 'answered',
          extension: '1001',
          agentName: '',
          recordingUrl: '',
          recordId: 'c-1001',
        },
        revision: 0,
        sentRevision: -1,
        attempts: 0,
        nextAt: now,
        // As the store writes it: in the due index (background/crmlog/store.ts).
        dueAt: now,
        createdAt: now,
        updatedAt: now,
      });
    }
    await new Promise((resolve, reject) => {
      tx.oncomplete = resolve;
      tx.onerror = () => reject(tx.error);
    });
    db.close();
  }, count);
}

const benchLanded = (e2e: E2E) =>
  e2e.sim.crm.activities.list.filter((a) => String(a.fields.callId).startsWith('bench-')).length;

export async function main(): Promise<void> {
  const e2e = await startE2E();
  try {
    await e2e.setup(settings(e2e, 'wrapUp'));
    await useDemoKey(e2e);
    const crm = await e2e.openCrm();
    const popup = await e2e.chromium.browser.newPage();
    const popupUrl = `chrome-extension://${e2e.chromium.extensionId}/popup.html`;
    await popup.goto(popupUrl);
    await crm.bringToFront();
    // Lookups and in-tab sends need the worker to know the CRM tab.
    await waitFor(
      async () =>
        Object.keys(
          ((await (await e2e.worker()).evaluate(async () => (await chrome.storage.session.get('tabs')).tabs)) ??
            {}) as object,
        ).length > 0,
      { what: 'the CRM tab to register' },
    );

    // 1. Wrap-up saved → activity created.
    for (let i = 0; i < 3; i++) await wrapUpToActivity(e2e, crm, popup); // warm-up
    const wrapUps: number[] = [];
    for (let i = 0; i < WRAPUPS; i++) wrapUps.push(await wrapUpToActivity(e2e, crm, popup));
    for (let i = 0; i < 3; i++) await directPost(e2e, -1 - i); // warm-up
    const floor: number[] = [];
    for (let i = 0; i < WRAPUPS; i++) floor.push(await directPost(e2e, i));

    // 2. Card and popup with an empty outbox, then with 1,000 calls draining.
    await e2e.setup(settings(e2e, 'manual'));
    await useDemoKey(e2e);
    for (let i = 0; i < 5; i++) await cardPop(e2e, crm); // warm-up
    const emptyCards: number[] = [];
    for (let i = 0; i < CARDS; i++) emptyCards.push(await cardPop(e2e, crm));
    const emptyPopups: number[] = [];
    for (let i = 0; i < POPUPS; i++) emptyPopups.push(await popupOpen(popup, popupUrl));
    await crm.bringToFront();

    e2e.sim.crm.activities.control({ delayMs: 10 });
    await fillOutbox(e2e, OUTBOX);
    const drainStart = Date.now();
    await popup.evaluate(() =>
      chrome.runtime.sendMessage({ popline: 1, type: 'crmLogRetry', body: { sessionId: 'bench-0' } }),
    );
    await waitFor(() => benchLanded(e2e) > 0, { what: 'the drain to start', timeout: 30_000 });
    const landedBefore = benchLanded(e2e);
    const loadedCards: number[] = [];
    for (let i = 0; i < CARDS; i++) loadedCards.push(await cardPop(e2e, crm));
    const loadedPopups: number[] = [];
    for (let i = 0; i < POPUPS; i++) loadedPopups.push(await popupOpen(popup, popupUrl));
    await crm.bringToFront();
    const landedDuring = benchLanded(e2e);
    await waitFor(() => benchLanded(e2e) >= OUTBOX, {
      what: 'the outbox to drain',
      timeout: 120_000,
      interval: 100,
    }).catch(async (error) => {
      const states = await (await e2e.worker()).evaluate(async () => {
        const db = await new Promise<IDBDatabase>((resolve) => {
          const open = indexedDB.open('popline-crmlog', 1);
          open.onsuccess = () => resolve(open.result);
        });
        const all = await new Promise<{ state: string; reason?: string; nextAt: number }[]>((resolve) => {
          const request = db.transaction('outbox').objectStore('outbox').getAll();
          request.onsuccess = () => resolve(request.result);
        });
        const counts: Record<string, number> = {};
        for (const entry of all)
          counts[`${entry.state} ${entry.reason ?? ''}`] = (counts[`${entry.state} ${entry.reason ?? ''}`] ?? 0) + 1;
        return {
          counts,
          now: Date.now(),
          next: Math.min(...all.filter((e) => e.state === 'waiting').map((e) => e.nextAt)),
        };
      });
      console.log(benchLanded(e2e), JSON.stringify(states), JSON.stringify(e2e.sim.crm.activities.requests.slice(-3)));
      throw error;
    });
    const drainMs = Date.now() - drainStart;
    await sleep(1000);
    const landed = e2e.sim.crm.activities.list.filter((a) => String(a.fields.callId).startsWith('bench-'));
    const distinct = new Set(landed.map((a) => a.fields.callId)).size;
    if (landed.length !== OUTBOX || distinct !== OUTBOX) {
      throw new Error(`outbox: ${landed.length} activities for ${distinct} of ${OUTBOX} calls`);
    }

    console.log(`
Call logging into the demo CRM (Chromium ${await e2e.chromium.browser.version()})
  wrap-up saved → activity created   ${fmt(wrapUps)}
  floor: the same POST from Node     ${fmt(floor)}
  ratio to the floor                 p50 ×${ratio(wrapUps, floor, 0.5)}   p95 ×${ratio(wrapUps, floor, 0.95)}
Outbox of ${OUTBOX} calls draining (each CRM answer held 10 ms): ${(drainMs / 1000).toFixed(1)} s, ${((OUTBOX * 1000) / drainMs).toFixed(0)} calls/s, each landed once
  landed while measuring             ${landedDuring - landedBefore} of ${OUTBOX} (the drain ran throughout: ${landedDuring < OUTBOX ? 'yes' : 'no'})
  card, empty outbox                 ${fmt(emptyCards)}
  card, outbox draining              ${fmt(loadedCards)}
  ratio draining / empty             p50 ×${ratio(loadedCards, emptyCards, 0.5)}   p95 ×${ratio(loadedCards, emptyCards, 0.95)}
  popup open → calls drawn, empty    ${fmt(emptyPopups)}
  popup, outbox draining             ${fmt(loadedPopups)}
  ratio draining / empty             p50 ×${ratio(loadedPopups, emptyPopups, 0.5)}   p95 ×${ratio(loadedPopups, emptyPopups, 0.95)}`);
  } finally {
    await e2e.close();
  }
}
