/**
 * CRM record pop and caller lookup in a real Chromium against the simulator's demo CRM
 * (docs/crm.md): the card names the caller, the record opens per the settings and once, slow
 * and hostile lookup answers change nothing they should not, and both lookup modes work.
 */
import type { Page } from 'puppeteer-core';
import { DEMO_CRM_KEY } from '../../sim/crmApi';
import { applyPreset, CRM_PRESETS, type CrmPreset } from '../../src/shared/crm/presets';
import { defaultSettings } from '../../src/shared/settings';
import type { CardInfo } from '../support/browsers';
import { inCardShadow, waitFor } from '../support/browsers';
import { connectionState, historyRecordOf } from '../support/extension';
import { cardOf, type E2E, sleep, startE2E, waitForCard } from '../support/session';

jest.setTimeout(180_000);

let e2e: E2E;
let page: Page;

/**
 * The demo CRM as PopLine's record and lookup settings: the options page's "PopLine demo CRM"
 * preset (so the preset is what is tested), on the test simulator's port.
 */
function crmSettings(patch: { record?: object; lookup?: object } = {}) {
  const demo = CRM_PRESETS.find((preset) => preset.id === 'demo') as CrmPreset;
  const onThisPort = JSON.parse(JSON.stringify(demo).replaceAll('http://127.0.0.1:8765', e2e.sim.origin));
  const { record, lookup } = applyPreset(defaultSettings, onThisPort);
  return {
    record: {
      ...record,
      openInbound: 'ringing' as const,
      openOutbound: 'never' as const,
      openIn: 'crmTab' as const,
      ...patch.record,
    },
    lookup: { ...lookup, cacheMinutes: 0, ...patch.lookup },
  };
}

async function configure(patch: Parameters<typeof crmSettings>[0] = {}, lookupKey?: string): Promise<void> {
  await e2e.setup(crmSettings(patch));
  const worker = await e2e.worker();
  await worker.evaluate(
    (key) => chrome.storage.local.set({ credentials: { token: 'popline-demo', ...(key ? { lookupKey: key } : {}) } }),
    lookupKey ?? '',
  );
}

const crm = async (body: object) => {
  const response = await fetch(`${e2e.sim.origin}/control/crm`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return (await response.json()) as { searches: { phone: string; auth: string }[]; pageViews: string[] };
};

/** The text of the card's lookup part. */
const callerText = (card: CardInfo | undefined) =>
  (card?.html ?? '').includes('class="caller') ? (card?.html.split('class="caller')[1] ?? '') : '';

/** Clicks (a trusted click) the button in a card whose text contains `text`. */
async function clickCardButton(sessionId: string, text: string): Promise<void> {
  const point = await waitFor(
    () =>
      inCardShadow<{ x: number; y: number } | undefined>(
        page,
        `function (id, text) {
          const card = this.querySelector('[data-session="' + CSS.escape(id) + '"]');
          const button = [...(card?.querySelectorAll('button') ?? [])].find((b) => b.textContent.includes(text));
          if (!button) return undefined;
          const r = button.getBoundingClientRect();
          return { x: r.x + r.width / 2, y: r.y + r.height / 2 };
        }`,
        sessionId,
        text,
      ),
    { what: `the "${text}" button` },
  );
  await page.mouse.click(point.x, point.y);
}

/** Waits until the worker knows a CRM tab (lookups from the content script need one). */
async function crmTabKnown(): Promise<void> {
  await waitFor(
    async () => {
      const worker = await e2e.worker();
      const tabs = await worker.evaluate(async () => (await chrome.storage.session.get('tabs')).tabs ?? {});
      return Object.keys(tabs as object).length > 0;
    },
    { what: 'the CRM tab to register' },
  );
}

async function freshCrmPage(): Promise<void> {
  await page.goto(e2e.sim.crmUrl);
  await crmTabKnown();
}

/** CRM search answers the server has finished sending (a late one included), counted at the server. */
const answered = { count: 0 };

beforeAll(async () => {
  e2e = await startE2E();
  const { crm: api } = e2e.sim;
  const handle = api.handle.bind(api);
  api.handle = async (...args: Parameters<typeof handle>) => {
    await handle(...args);
    if (new URL(args[1]).pathname === '/crm/api/contacts') answered.count += 1;
  };
  await configure();
  page = await e2e.openCrm();
  await crmTabKnown();
});
afterAll(() => e2e?.close());
beforeEach(async () => {
  await crm({ reset: true });
  answered.count = 0;
});
afterEach(async () => {
  for (const call of e2e.sim.pbx.active()) e2e.sim.pbx.hangup(call.sessionId);
  await sleep(200);
});

test('a ring pops the card, the lookup names the caller, the record opens in the CRM tab once', async () => {
  await freshCrmPage();
  // Anna's mobile is stored as "0151 23456789": only the national format finds her.
  const call = e2e.sim.pbx.ring({ from: '+49 151 23456789', to: '1001' });
  const card = await waitForCard(page, call.sessionId, (c) => c.name === 'Anna Schmidt', 'the looked-up name');
  expect(callerText(card)).toContain('Schmidt &amp; Partner GmbH');
  await waitFor(() => page.url().endsWith('/crm/contacts/c-1001'), { what: 'the record in the CRM tab' });
  const { searches } = await crm({});
  expect(searches[0]?.phone).toBe('+49 151 23456789');
  expect(searches.length).toBeGreaterThan(1);
  expect(searches.every((search) => search.auth === 'session')).toBe(true);

  // The navigated tab shows the card again; answering, holding, a stopped worker: no second pop.
  await waitForCard(page, call.sessionId, (c) => c.name === 'Anna Schmidt', 'the card after the navigation');
  e2e.sim.pbx.answer(call.sessionId);
  await waitForCard(page, call.sessionId, (c) => c.phase === 'connected');
  await e2e.chromium.stopWorker();
  await waitFor(async () => (await connectionState(await e2e.worker())) === 'ACCESS_GRANTED', {
    what: 'the restarted worker to reconnect',
  });
  e2e.sim.pbx.hold(call.sessionId);
  await waitForCard(page, call.sessionId, (c) => c.state === 'On hold' && c.name === 'Anna Schmidt');
  e2e.sim.pbx.unhold(call.sessionId);
  await waitForCard(page, call.sessionId, (c) => c.phase === 'connected');
  const after = await crm({});
  expect(after.pageViews.filter((view) => view === '/crm/contacts/c-1001')).toHaveLength(1);
  // The restarted worker did not look the caller up again either.
  expect(after.searches).toHaveLength(searches.length);
  // The history knows the caller by the looked-up name (the PBX gave none) and the record opened.
  const { browser, extensionId } = e2e.chromium;
  const recorded = await historyRecordOf(browser, extensionId, call.sessionId, (r) => !!r.name && !!r.crmRecord);
  expect(recorded.name).toBe('Anna Schmidt');
  expect(recorded.crmRecord).toEqual({ url: `${e2e.sim.origin}/crm/contacts/c-1001`, title: 'Anna Schmidt' });
});

test('"when answered, in a new tab": nothing while it rings, one new tab once answered', async () => {
  await configure({ record: { openInbound: 'answered', openIn: 'newTab' } });
  await freshCrmPage();
  const call = e2e.sim.pbx.ring({ from: '+1 415 555 0132', to: '1001' });
  // The lookup has answered (its name is on the card): a pop on ringing would be decided now.
  await waitForCard(page, call.sessionId, (c) => c.name === 'Maria Garcia');
  expect((await crm({})).pageViews).toEqual([]);
  e2e.sim.pbx.answer(call.sessionId);
  const record = await waitFor(
    async () => (await e2e.chromium.browser.pages()).find((p) => p.url().endsWith('/crm/contacts/c-1002')),
    { what: 'the record in a new tab' },
  );
  expect(page.url()).toBe(e2e.sim.crmUrl);
  // The record's tab is a CRM tab too, and now the one used last: the card moved there.
  await waitForCard(record, call.sessionId, (c) => c.name === 'Maria Garcia', 'the card in the record tab');
  e2e.sim.pbx.hold(call.sessionId);
  await waitForCard(record, call.sessionId, (c) => c.state === 'On hold');
  expect((await crm({})).pageViews).toEqual(['/crm/contacts/c-1002']);
  await record.close();
  await page.bringToFront();
  await configure();
});

test('several records: the card lists them, and the chosen one opens', async () => {
  await configure({ record: { openInbound: 'never' } });
  await freshCrmPage();
  const call = e2e.sim.pbx.ring({ from: '+36 1 234 5678', to: '1001' });
  const card = await waitForCard(page, call.sessionId, (c) => callerText(c).includes('2 contacts match'));
  expect(card.name).toBe('Unknown caller');
  expect(callerText(card)).toContain('Kovács Péter');
  expect(callerText(card)).toContain('Péter Kovács');
  await clickCardButton(call.sessionId, 'Péter Kovács');
  await waitFor(() => page.url().endsWith('/crm/contacts/c-1011'), { what: 'the chosen record' });
  await waitForCard(page, call.sessionId, (c) => c.name === 'Péter Kovács', 'the chosen name on the card');
  const { browser, extensionId } = e2e.chromium;
  const recorded = await historyRecordOf(browser, extensionId, call.sessionId, (r) => !!r.crmRecord);
  expect(recorded).toMatchObject({ name: 'Péter Kovács', crmRecord: { url: `${e2e.sim.origin}/crm/contacts/c-1011` } });
  await configure();
});

test('no match: a "create contact" button opens the CRM with the number filled in', async () => {
  await freshCrmPage();
  const call = e2e.sim.pbx.ring({ from: '+44 7700 900999', to: '1001' });
  const card = await waitForCard(page, call.sessionId, (c) => callerText(c).includes('Not in the CRM'));
  expect(card.name).toBe('Unknown caller');
  await clickCardButton(call.sessionId, 'Create contact');
  await waitFor(() => page.url().includes('/crm/contacts/new?phone=%2B447700900999'), { what: 'the new-contact page' });
  await waitFor(() => page.evaluate(() => document.querySelector<HTMLInputElement>('[name="phone"]')?.value), {
    what: 'the form',
  }).then((value) => expect(value).toBe('+447700900999'));
  expect((await crm({})).pageViews).toEqual(['/crm/contacts/new?phone=%2B447700900999']);
});

test('a lookup over 3 s: the card pops at once, stays as it is, with a quiet note', async () => {
  await freshCrmPage();
  await crm({ delayMs: 5000 });
  const call = e2e.sim.pbx.ring({ from: '+49 30 1234567', name: 'PBX Name', to: '1001' });
  const first = await waitForCard(page, call.sessionId);
  expect(first.name).toBe('PBX Name');
  expect(callerText(first)).toContain('Looking up in the CRM');
  const late = await waitForCard(page, call.sessionId, (c) => callerText(c).includes('did not answer in time'));
  expect(late.name).toBe('PBX Name');
  expect(late.phase).toBe('ringing');
  // The CRM's late answer has been sent (counted at the server), and then a prompt lookup for
  // another call names its caller and opens its record: lookups and pops work, and the late
  // answer came before them, so its silence is PopLine ignoring it.
  await waitFor(() => answered.count >= 1, { what: 'the late answer sent', timeout: 15_000 });
  await crm({ delayMs: 0 });
  const control = e2e.sim.pbx.ring({ from: '+49 151 23456789', to: '1001' });
  await waitForCard(page, control.sessionId, (c) => c.name === 'Anna Schmidt', 'the control lookup');
  await waitFor(() => page.url().endsWith('/crm/contacts/c-1001'), { what: 'the control record' });
  expect(await cardOf(page, call.sessionId)).toMatchObject({ name: 'PBX Name' });
  expect((await crm({})).pageViews).toEqual(['/crm/contacts/c-1001']);
});

test('hostile answers: markup stays text, javascript: and foreign addresses are dropped', async () => {
  await freshCrmPage();
  await crm({
    body: {
      contacts: [
        {
          name: '<img src=x onerror="window.__pwned=1">Mallory',
          company: '<b>Evil</b> Corp\u202e',
          note: '<script>window.__pwned=2</script>',
          url: 'javascript:window.__pwned=3',
        },
      ],
    },
  });
  const call = e2e.sim.pbx.ring({ from: '+49 30 1234567', to: '1001' });
  const card = await waitForCard(page, call.sessionId, (c) => c.name.includes('Mallory'));
  expect(card.name).toBe('<img src=x onerror="window.__pwned=1">Mallory');
  expect(card.html).toContain('&lt;script&gt;');
  expect(card.html).not.toContain('Open record');
  const elements = await inCardShadow<number>(
    page,
    `function () { return this.querySelectorAll('img, script, b').length; }`,
  );
  expect(elements).toBe(0);
  expect(await page.evaluate(() => (window as { __pwned?: number }).__pwned)).toBeUndefined();
  e2e.sim.pbx.hangup(call.sessionId);

  await crm({ body: { contacts: [{ name: 'Phisher', url: 'https://evil.example/login' }] } });
  const phish = e2e.sim.pbx.ring({ from: '+49 30 1234567', to: '1001' });
  const phishCard = await waitForCard(page, phish.sessionId, (c) => c.name === 'Phisher');
  expect(phishCard.html).not.toContain('Open record');
  e2e.sim.pbx.hangup(phish.sessionId);

  await crm({ body: undefined, hugeBytes: 3_000_000 });
  const huge = e2e.sim.pbx.ring({ from: '+49 30 1234567', name: 'Still Me', to: '1001' });
  const hugeCard = await waitForCard(page, huge.sessionId, (c) => callerText(c).includes('lookup failed'));
  expect(hugeCard.name).toBe('Still Me');
  e2e.sim.pbx.hangup(huge.sessionId);

  // Positive control: a good answer after them opens its record; pops happen in order, so one of
  // the hostile answers that had opened anything would be in the page log before it.
  await crm({
    hugeBytes: 0,
    body: { contacts: [{ id: 'c-1001', name: 'Anna Schmidt', url: '/crm/contacts/c-1001' }] },
  });
  const control = e2e.sim.pbx.ring({ from: '+49 151 23456789', to: '1001' });
  await waitFor(() => page.url().endsWith('/crm/contacts/c-1001'), { what: 'the control record' });
  expect((await crm({})).pageViews).toEqual(['/crm/contacts/c-1001']);
  e2e.sim.pbx.hangup(control.sessionId);
});

test('from the background with a key: the key is the login, and answers are cached', async () => {
  await configure({ lookup: { mode: 'background', cacheMinutes: 10 }, record: { openInbound: 'never' } }, DEMO_CRM_KEY);
  await freshCrmPage();
  const call = e2e.sim.pbx.ring({ from: '+44 20 7946 0958', to: '1001' });
  await waitForCard(page, call.sessionId, (c) => c.name === 'Oliver Brown');
  const { searches } = await crm({});
  expect(searches.length).toBeGreaterThan(0);
  expect(searches.every((search) => search.auth === 'key')).toBe(true);
  e2e.sim.pbx.hangup(call.sessionId);

  const again = e2e.sim.pbx.ring({ from: '+44 20 7946 0958', to: '1001' });
  await waitForCard(page, again.sessionId, (c) => c.name === 'Oliver Brown');
  expect((await crm({})).searches).toHaveLength(searches.length);
  e2e.sim.pbx.hangup(again.sessionId);

  // A wrong key: the CRM refuses, the card says so quietly.
  await configure({ lookup: { mode: 'background' }, record: { openInbound: 'never' } }, 'Bearer wrong');
  const refused = e2e.sim.pbx.ring({ from: '+44 20 7946 0958', to: '1001' });
  await waitForCard(page, refused.sessionId, (c) => callerText(c).includes('lookup failed'));
  await configure();
});

describe('where and when the record opens', () => {
  const tabWith = async (path: string) =>
    waitFor(async () => (await e2e.chromium.browser.pages()).find((p) => p.url().endsWith(path)), {
      what: `a tab at ${path}`,
    });
  const visible = (target: Page) => target.evaluate(() => document.visibilityState === 'visible');

  test('"in a background tab": the record opens in a new tab that does not take the agent’s tab away', async () => {
    await configure({ record: { openIn: 'backgroundTab' } });
    await freshCrmPage();
    await page.bringToFront();
    const call = e2e.sim.pbx.ring({ from: '+49 151 23456789', to: '1001' });
    const record = await tabWith('/crm/contacts/c-1001');
    expect(page.url()).toBe(e2e.sim.crmUrl);
    expect(await visible(page)).toBe(true);
    expect(await visible(record)).toBe(false);
    // The tab the agent was using keeps the card.
    await waitForCard(page, call.sessionId, (c) => c.name === 'Anna Schmidt');
    await record.close();
    await configure();
  });

  test('outbound calls: the callee’s record opens when set for calls the agent places, and only then', async () => {
    await configure({ record: { openInbound: 'never', openOutbound: 'never' } });
    await freshCrmPage();
    // Set to "never": the lookup names the callee (so a pop would have been decided), nothing opens.
    const quiet = e2e.sim.pbx.originate('1001', '+49 151 23456789');
    await waitForCard(page, quiet.sessionId, (c) => c.name === 'Anna Schmidt', 'the looked-up callee');
    e2e.sim.pbx.hangup(quiet.sessionId);
    expect((await crm({})).pageViews).toEqual([]);
    await configure({ record: { openInbound: 'never', openOutbound: 'ringing' } });
    const placed = e2e.sim.pbx.originate('1001', '+1 415 555 0132');
    await waitFor(() => page.url().endsWith('/crm/contacts/c-1002'), { what: 'the callee’s record' });
    await waitForCard(page, placed.sessionId, (c) => c.name === 'Maria Garcia');
    // One view in all: the quiet call opened none, before or after.
    expect((await crm({})).pageViews).toEqual(['/crm/contacts/c-1002']);
    await configure();
  });

  test('a call that ends before the lookup answers opens no record', async () => {
    await configure();
    await freshCrmPage();
    // The first search finds Maria, answered after 2 s: inside the 3 s the record waits.
    await crm({
      delayMs: 2000,
      body: { contacts: [{ id: 'c-1002', name: 'Maria Garcia', url: '/crm/contacts/c-1002' }] },
    });
    const call = e2e.sim.pbx.ring({ from: '+1 415 555 0132', to: '1001' });
    await waitForCard(page, call.sessionId, (c) => callerText(c).includes('Looking up in the CRM'));
    e2e.sim.pbx.miss(call.sessionId);
    await waitForCard(page, call.sessionId, (c) => c.outcome === 'missed');
    expect(answered.count).toBe(0); // the call did end first
    // The CRM's answer arrives after the end and names her on the card (the lookup was applied)...
    await waitForCard(page, call.sessionId, (c) => c.name === 'Maria Garcia', 'the late name on the ended card');
    // ...and a control call's prompt answer opens its record: pops happen in order, so the first
    // call's answer, applied before, opened nothing.
    await crm({
      delayMs: 0,
      body: { contacts: [{ id: 'c-1001', name: 'Anna Schmidt', url: '/crm/contacts/c-1001' }] },
    });
    const control = e2e.sim.pbx.ring({ from: '+49 151 23456789', to: '1001' });
    await waitFor(() => page.url().endsWith('/crm/contacts/c-1001'), { what: 'the control record' });
    expect((await crm({})).pageViews).toEqual(['/crm/contacts/c-1001']);
    e2e.sim.pbx.hangup(control.sessionId);
  });
});
