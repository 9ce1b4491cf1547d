/** Which tabs show a card: the card-target policies, new and reloaded tabs, notifications. */
import type { Page } from 'puppeteer-core';
import { readCards, waitFor } from '../support/browsers';
import { cardOf, type E2E, sleep, startE2E, waitForCard } from '../support/session';

jest.setTimeout(120_000);

let e2e: E2E;

beforeAll(async () => {
  e2e = await startE2E();
});
afterAll(() => e2e?.close());
afterEach(async () => {
  for (const call of e2e.sim.pbx.active()) e2e.sim.pbx.hangup(call.sessionId);
  for (const page of await e2e.chromium.browser.pages()) if (page.url().includes('/crm/')) await page.close();
});

const notifications = async () => Object.keys(await (await e2e.worker()).evaluate(() => chrome.notifications.getAll()));

/**
 * A negative check with its positive control: a second call rings, and its card must show in
 * `page` (so the content script there is up and applying pushes). Each push carries the tab's whole
 * card list, so once the control's card is on screen, the list it came in is what the tab shows:
 * only then is `id`'s absence a fact and not a slow tab. The control call is hung up again.
 */
async function noCardOnceControlShows(page: Page, id: string): Promise<boolean> {
  const control = e2e.sim.pbx.ring({ from: '+1 212 555 0100', name: 'Control Call', to: '1001' });
  try {
    await waitForCard(page, control.sessionId, () => true, 'the control call');
    return (await cardOf(page, id)) === undefined;
  } finally {
    e2e.sim.pbx.hangup(control.sessionId);
  }
}

/** The tab id the worker knows for `page` (its content script has registered), and what it shows there. */
async function tabEntry(page: Page): Promise<{ tabId: number; shown: string[] } | null> {
  const url = page.url();
  return (await e2e.worker()).evaluate(async (pageUrl) => {
    const matching = (await chrome.tabs.query({})).filter((t) => t.url === pageUrl);
    const tab = matching.length === 1 ? matching[0] : undefined;
    const { tabs } = await chrome.storage.session.get('tabs');
    const entry = tab?.id === undefined ? undefined : (tabs as Record<string, { shown: string[] }>)[tab.id];
    return entry && tab?.id !== undefined ? { tabId: tab.id, shown: entry.shown } : null;
  }, url);
}

test('last-used CRM tab: the card shows in that tab only, and follows the agent to another CRM tab', async () => {
  await e2e.setup({ cards: { target: 'lastCrmTab' } });
  const first = await e2e.openCrm();
  // Positive control: the first tab shows a card while it is the one used last...
  const control = e2e.sim.pbx.ring({ from: '+1 212 555 0100', name: 'Control Call', to: '1001' });
  await waitForCard(first, control.sessionId, () => true, 'the control card in the first tab');
  const second = await e2e.openCrm('contacts/c-1002');
  // ...and applies the push that takes it away once the second tab is: it is live and listening.
  await waitForCard(second, control.sessionId, () => true, 'the control card in the second tab');
  await waitFor(async () => !(await cardOf(first, control.sessionId)), {
    what: 'the control card to leave the first tab',
  });
  e2e.sim.pbx.hangup(control.sessionId);
  const call = e2e.sim.pbx.ring({ from: '+1 415 555 0132', name: 'Maria Garcia', to: '1001' });
  await waitForCard(second, call.sessionId);
  // The background lists the call for the second tab only (so no push for the first carries it).
  const [inFirst, inSecond] = [await tabEntry(first), await tabEntry(second)];
  expect(inSecond?.shown).toContain(call.sessionId);
  expect(inFirst).not.toBeNull();
  expect(inFirst?.shown).not.toContain(call.sessionId);
  expect(await cardOf(first, call.sessionId)).toBeUndefined();
  await first.bringToFront();
  await waitForCard(first, call.sessionId, () => true, 'the card in the first tab');
  await waitFor(async () => !(await cardOf(second, call.sessionId)), { what: 'the card to leave the second tab' });
  expect((await readCards(first)).filter((c) => c.sessionId === call.sessionId)).toHaveLength(1);
});

test('every CRM tab: each shows the card once; closing it in one tab keeps it closed there', async () => {
  await e2e.setup({ cards: { target: 'allCrmTabs', fadeAfterSeconds: 600 } });
  const first = await e2e.openCrm();
  const second = await e2e.openCrm();
  const call = e2e.sim.pbx.ring({ from: '+44 20 7946 0958', name: 'Oliver Brown', to: '1001' });
  for (const page of [first, second]) {
    await waitForCard(page, call.sessionId);
    expect((await readCards(page)).filter((c) => c.sessionId === call.sessionId)).toHaveLength(1);
  }
  const { clickCardControl } = await import('../support/browsers');
  await first.bringToFront();
  await clickCardControl(first, call.sessionId, 'Close');
  await waitFor(async () => !(await cardOf(first, call.sessionId)), { what: 'closed in the first tab' });
  e2e.sim.pbx.answer(call.sessionId);
  await waitForCard(second, call.sessionId, (c) => c.phase === 'connected');
  await first.reload();
  expect(await noCardOnceControlShows(first, call.sessionId)).toBe(true);
});

test('nowhere: no card, a notification instead', async () => {
  await e2e.setup({ cards: { target: 'lastCrmTab', fadeAfterSeconds: 600 } });
  const page = await e2e.openCrm();
  // Positive control: this tab shows cards, and applies the switch to "nowhere" (the card goes).
  const control = e2e.sim.pbx.ring({ from: '+1 212 555 0100', name: 'Control Call', to: '1001' });
  await waitForCard(page, control.sessionId, () => true, 'the control card');
  await e2e.setup({ cards: { target: 'none' } });
  await waitFor(async () => !(await cardOf(page, control.sessionId)), { what: 'the cards to go with "nowhere"' });
  e2e.sim.pbx.hangup(control.sessionId);
  const call = e2e.sim.pbx.ring({ from: '+36 1 234 5678', name: 'Kovács Péter', to: '1001' });
  await waitFor(async () => (await notifications()).includes(`popline-call-${call.sessionId}`), {
    what: 'the notification',
  });
  expect((await tabEntry(page))?.shown).toEqual([]);
  expect(await cardOf(page, call.sessionId)).toBeUndefined();
  e2e.sim.pbx.answer(call.sessionId);
  await waitFor(async () => !(await notifications()).includes(`popline-call-${call.sessionId}`), { what: 'cleared' });
});

test('no CRM tab open: a notification shows the call, and a missed call stays notified', async () => {
  await e2e.setup({ cards: { target: 'lastCrmTab' } });
  await waitFor(
    async () => {
      const { tabs } = await (await e2e.worker()).evaluate(() => chrome.storage.session.get('tabs'));
      return Object.keys(tabs as object).length === 0;
    },
    { what: 'no CRM tabs' },
  );
  const call = e2e.sim.pbx.ring({ from: '+33 1 42 68 53 00', name: 'Claire Dubois', to: '1001' });
  const id = `popline-call-${call.sessionId}`;
  await waitFor(async () => (await notifications()).includes(id), { what: 'the notification' });
  e2e.sim.pbx.miss(call.sessionId);
  // Positive control: the worker has handled the miss (its notification now says "missed")...
  await waitFor(
    async () => {
      const { notified } = await (await e2e.worker()).evaluate(() => chrome.storage.session.get('notified'));
      return (notified as Record<string, string>)[call.sessionId] === 'missed';
    },
    { what: 'the missed call handled' },
  );
  // ...and the notification is still there, not cleared.
  expect(await notifications()).toContain(id);
  await (await e2e.worker()).evaluate((n) => chrome.notifications.clear(n), id);
});

test('a CRM tab opened, navigated or reloaded during a call shows the call in progress', async () => {
  await e2e.setup({ cards: { target: 'lastCrmTab' } });
  const call = e2e.sim.pbx.ring({ from: '+49 30 1234567', name: 'Anna Schmidt', to: '1001' });
  e2e.sim.pbx.answer(call.sessionId);
  await sleep(300);
  const page = await e2e.openCrm();
  await waitForCard(page, call.sessionId, (c) => c.phase === 'connected', 'the card in the new tab');
  // Single-page navigation: the page's own router, no reload.
  await page.click('a[href="/crm/contacts/c-1001"]');
  await waitFor(() => page.evaluate(() => location.pathname === '/crm/contacts/c-1001'), { what: 'the navigation' });
  expect(await cardOf(page, call.sessionId)).toMatchObject({ phase: 'connected' });
  await page.reload();
  await waitForCard(page, call.sessionId, (c) => c.phase === 'connected', 'the card after reload');
  await page.goto(`${e2e.sim.crmUrl}activities`);
  await waitForCard(page, call.sessionId, (c) => c.phase === 'connected', 'the card after navigation');
});

test('calls between other extensions never show', async () => {
  await e2e.setup({ cards: { target: 'lastCrmTab' }, follow: { monitorAll: false } });
  const page = await e2e.openCrm();
  e2e.sim.traffic.start({ calls: 50 });
  const mine = e2e.sim.pbx.ring({ from: '+1 212 555 0198', name: 'Emily Chen', to: '1001' });
  await waitForCard(page, mine.sessionId);
  // Positive control: a second call of the agent's, rung after the others' 50 and their changes
  // since, shows; events reach the tab in order, so what it shows now is the verdict on theirs.
  const again = e2e.sim.pbx.ring({ from: '+1 212 555 0197', name: 'Emily Again', to: '1001' });
  await waitForCard(page, again.sessionId);
  const cards = await readCards(page);
  expect(
    cards
      .filter((c) => c.phase !== 'ended')
      .map((c) => c.sessionId)
      .sort(),
  ).toEqual([mine.sessionId, again.sessionId].sort());
  expect(cards.some((c) => /Customer/.test(c.name))).toBe(false);
  e2e.sim.traffic.stop();
});

test('a transferred call stacks as its own card, linked to the call it came from', async () => {
  await e2e.setup({ cards: { target: 'lastCrmTab', fadeAfterSeconds: 600 }, follow: { extraNumbers: ['1002'] } });
  const page = await e2e.openCrm();
  const first = e2e.sim.pbx.ring({ from: '+49 30 1234567', name: 'Anna Schmidt', to: '1002' });
  e2e.sim.pbx.answer(first.sessionId);
  await waitForCard(page, first.sessionId, (c) => c.phase === 'connected');
  const second = e2e.sim.pbx.transfer(first.sessionId, '1001');
  const card = await waitForCard(page, second.sessionId);
  expect(card.html).toContain('Transferred from Anna Schmidt');
  await waitForCard(page, first.sessionId, (c) => c.phase === 'ended');
  await e2e.setup({ follow: { extraNumbers: [] } });
});
