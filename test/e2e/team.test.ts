/**
 * The team end to end in Chromium against the simulator (issue 16): a colleague's row changes
 * when they go on a call (and the time that takes, PBX event to popup row); Do Not Disturb keeps
 * a new call's card away (after a positive control) and its expiry brings cards back; Answer on
 * the card answers the simulated call; a message between two agents, each in their own browser
 * profile, with notification, unread count, hostile text shown as text, an answer, and receipts.
 */
import type { Page, WebWorker } from 'puppeteer-core';
import { CHROME_DIST, clickCardControl, type ExtensionBrowser, launchChromium, waitFor } from '../support/browsers';
import { configure, connectionState, settingsFor } from '../support/extension';
import { cardOf, type E2E, startE2E, waitForCard } from '../support/session';
import { evaluateIn, isolatedWorld, sendFromWorld } from '../support/world';

jest.setTimeout(180_000);

let e2e: E2E;
const pages: Page[] = [];

beforeAll(async () => {
  e2e = await startE2E();
  await e2e.setup();
});
afterAll(() => e2e?.close());
afterEach(async () => {
  for (const call of e2e.sim.pbx.active()) e2e.sim.pbx.hangup(call.sessionId);
  for (const page of pages.splice(0)) await page.close().catch(() => undefined);
  await e2e.sim.cti.team?.set('1001', { availability: 'available' });
});

async function openPopup(browser: ExtensionBrowser = e2e.chromium): Promise<Page> {
  const page = await browser.browser.newPage();
  pages.push(page);
  await page.goto(`chrome-extension://${browser.extensionId}/popup.html`);
  return page;
}
async function openCrm(): Promise<Page> {
  const page = await e2e.openCrm();
  pages.push(page);
  return page;
}

/** Clicks the button with exactly this text or aria-label (a real click, from DevTools' input). */
async function press(page: Page, label: string, scope = 'body'): Promise<void> {
  const handle = await waitFor(
    async () =>
      (
        await page.evaluateHandle(
          (s, l) =>
            [...(document.querySelector(s)?.querySelectorAll('button') ?? [])].find(
              (b) => b.textContent?.trim() === l || b.getAttribute('aria-label') === l,
            ) ?? null,
          scope,
          label,
        )
      ).asElement(),
    { what: `the "${label}" button` },
  );
  await (handle as import('puppeteer-core').ElementHandle<Element>).click();
}
const rowText = (page: Page, extension: string) =>
  page.evaluate(
    (ext) => document.querySelector(`.team-row[data-extension="${ext}"] .presence`)?.textContent ?? null,
    extension,
  );
const badge = async (worker: WebWorker) => worker.evaluate(() => chrome.action.getBadgeText({}));
const quietCalls = async (worker: WebWorker) =>
  worker.evaluate(async () => ((await chrome.storage.session.get('team')).team as { quiet?: string[] })?.quiet ?? []);

test('a colleague goes on a call: their row changes (figure: PBX event to popup row)', async () => {
  const popup = await openPopup();
  await press(popup, 'Team');
  await waitFor(async () => (await rowText(popup, '1002')) !== null, { what: "Bob's row" });
  const latencies: number[] = [];
  for (let i = 0; i < 8; i++) {
    const started = Date.now();
    const call = e2e.sim.pbx.ring({ from: `+493055500${i}`, to: '1002' });
    e2e.sim.pbx.setState(call.sessionId, 'incall');
    await popup.waitForFunction(
      () => document.querySelector('.team-row[data-extension="1002"] .presence')?.textContent?.startsWith('On a call'),
      { polling: 10, timeout: 10_000 },
    );
    latencies.push(Date.now() - started);
    expect(await popup.$eval('.team-row[data-extension="1002"]', (el) => (el as HTMLElement).dataset.tone)).toBe(
      'busy',
    );
    e2e.sim.pbx.hangup(call.sessionId);
    await popup.waitForFunction(
      () => !document.querySelector('.team-row[data-extension="1002"] .presence')?.textContent?.startsWith('On a call'),
      { polling: 10, timeout: 10_000 },
    );
  }
  latencies.sort((a, b) => a - b);
  console.info(`presence, PBX event to popup row: p50 ${latencies[3]} ms, p95 ${latencies.at(-1)} ms (n=8)`);
});

test('Do Not Disturb keeps a new call quiet (after a positive control); its expiry brings the cards back', async () => {
  const { pbx } = e2e.sim;
  const crm = await openCrm();
  // Positive control: available, a call gets its card.
  const before = pbx.ring({ from: '+4930111222', name: 'Control Caller', to: '1001' });
  await waitForCard(crm, before.sessionId);
  pbx.hangup(before.sessionId);

  // DND from the popup, for 30 minutes: the server has it, the badge and the popup say so.
  const popup = await openPopup();
  await popup.waitForSelector('.own-availability select');
  const [, expiry] = await popup.$$('.own-availability select');
  await expiry?.select('30m');
  await (await popup.$('.own-availability select'))?.select('dnd');
  await waitFor(() => e2e.sim.cti.team?.stateOf('1001').availability === 'dnd', { what: 'the server to have DND' });
  expect(e2e.sim.cti.team?.stateOf('1001').until).toBeDefined();
  const worker = await e2e.worker();
  await waitFor(async () => (await badge(worker)) === 'DND', { what: 'the DND badge' });
  await popup.waitForSelector('.dnd-hint');
  expect(await popup.$eval('.dnd-hint', (el) => el.textContent)).toContain('phone may still ring');

  await crm.bringToFront();
  const quiet = pbx.ring({ from: '+4930333444', name: 'Quiet Caller', to: '1001' });
  await waitFor(async () => (await quietCalls(await e2e.worker())).includes(quiet.sessionId), {
    what: 'the call kept quiet',
  });
  // A later outbound call's card shows the tab has the newest list: the quiet call is not in it.
  const out = pbx.originate('1001', '+4930555666');
  await waitForCard(crm, out.sessionId);
  expect(await cardOf(crm, quiet.sessionId)).toBeUndefined();
  pbx.hangup(quiet.sessionId);
  pbx.hangup(out.sessionId);

  // DND that ends in two seconds: once it has, a new call gets its card again.
  await e2e.sim.cti.team?.set('1001', { availability: 'dnd', until: new Date(Date.now() + 2000).toISOString() });
  await waitFor(async () => (await badge(await e2e.worker())) === 'DND', { what: 'DND again' });
  await waitFor(async () => (await badge(await e2e.worker())) !== 'DND', { what: 'DND to end', timeout: 20_000 });
  const after = pbx.ring({ from: '+4930777888', name: 'After Caller', to: '1001' });
  await waitForCard(crm, after.sessionId);
});

test('Do Not Disturb: no notification for a new call when no CRM tab shows cards (after a positive control)', async () => {
  const { pbx } = e2e.sim;
  const worker = await e2e.worker();
  await waitFor(
    async () =>
      Object.keys(((await worker.evaluate(() => chrome.storage.session.get('tabs'))).tabs as object) ?? {}).length ===
      0,
    { what: 'no CRM tabs' },
  );
  await worker.evaluate(() => {
    const scope = self as unknown as { shown?: string[] };
    scope.shown = [];
    const create = chrome.notifications.create;
    chrome.notifications.create = function (this: unknown, ...args: unknown[]) {
      scope.shown?.push(args[0] as string);
      return (create as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof chrome.notifications.create;
  });
  const shown = async () => (await e2e.worker()).evaluate(() => (self as unknown as { shown: string[] }).shown);
  // Positive control: available, a ringing call is notified.
  const control = pbx.ring({ from: '+4930121212', name: 'Notify Me', to: '1001' });
  await waitFor(async () => (await shown()).includes(`popline-call-${control.sessionId}`), {
    what: 'the notification',
  });
  pbx.hangup(control.sessionId);
  await e2e.sim.cti.team?.set('1001', { availability: 'dnd' });
  await waitFor(async () => (await badge(await e2e.worker())) === 'DND', { what: 'DND' });
  const quiet = pbx.ring({ from: '+4930343434', name: 'Quiet Please', to: '1001' });
  await waitFor(async () => (await quietCalls(await e2e.worker())).includes(quiet.sessionId), {
    what: 'the quiet call',
  });
  pbx.setState(quiet.sessionId, 'noanswer');
  await waitFor(
    async () => {
      const { book } = await (await e2e.worker()).evaluate(() => chrome.storage.session.get('book'));
      return (book as { calls: Record<string, { phase: string }> }).calls[quiet.sessionId]?.phase === 'ended';
    },
    { what: 'the quiet call missed' },
  );
  // Neither ringing nor missed was notified; the call is still in the history.
  expect((await shown()).filter((id) => id.includes(quiet.sessionId))).toEqual([]);
});

test('Answer on the ringing card answers the simulated call', async () => {
  const crm = await openCrm();
  const call = e2e.sim.pbx.ring({ from: '+4930123123', name: 'Answer Me', to: '1001' });
  await waitForCard(crm, call.sessionId, (card) => card.phase === 'ringing');
  await clickCardControl(crm, call.sessionId, 'Answer');
  await waitFor(() => e2e.sim.pbx.get(call.sessionId).state === 'incall', { what: 'the call answered' });
  await waitForCard(crm, call.sessionId, (card) => card.phase === 'connected', 'the connected card');
});

const HOSTILE =
  '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>\u202Egnp.exe javascript:alert(1) https://crm.example/c/7';

test('a message between two agents in two profiles: notification, unread count, text as text, an answer, receipts', async () => {
  // The second agent, 1002, in a browser profile of its own.
  const other = await launchChromium({ dist: CHROME_DIST });
  try {
    const otherWorker = await other.worker();
    await configure(
      otherWorker,
      settingsFor(e2e.sim.ctiUrl, { connection: { extension: '1002' } as never }),
      'popline-demo',
    );
    await waitFor(async () => (await connectionState(await other.worker())) === 'ACCESS_GRANTED', {
      what: "1002's connection",
    });
    await (await other.worker()).evaluate(() => {
      const scope = self as unknown as { shown?: { id: string; title: string; message: string }[] };
      scope.shown = [];
      const create = chrome.notifications.create;
      chrome.notifications.create = function (this: unknown, ...args: unknown[]) {
        const [id, options] = args as [string, { title: string; message: string }];
        scope.shown?.push({ id, title: options.title, message: options.message });
        return (create as (...a: unknown[]) => unknown).apply(this, args);
      } as typeof chrome.notifications.create;
    });

    // 1001 writes to Bob (1002) from the Team view.
    const popup = await openPopup();
    await press(popup, 'Team');
    await press(popup, 'Message Bob Smith');
    await popup.waitForSelector('.composer textarea');
    await popup.type('.composer textarea', HOSTILE);
    await press(popup, 'Send');
    await popup.waitForFunction(
      () => document.querySelector('.message[data-direction="out"] .delivery')?.textContent === 'Delivered',
      { timeout: 10_000 },
    );

    // 1002: a notification and the unread count on the badge.
    const shown = await waitFor(
      async () =>
        (
          await (
            await other.worker()
          ).evaluate(() => (self as unknown as { shown: { title: string; message: string }[] }).shown)
        )[0],
      { what: "1002's notification" },
    );
    expect(shown.title).toBe('Message from Demo Agent');
    await waitFor(async () => (await badge(await other.worker())) === '1', { what: "1002's unread badge" });

    // 1002 opens it: shown as text, no element made of it, the link a link (the positive control).
    const otherPopup = await openPopup(other);
    await press(otherPopup, 'Messages (1)');
    await otherPopup.waitForSelector('.conversation-open');
    await (await otherPopup.$('.conversation-open'))?.click();
    await otherPopup.waitForSelector('.message[data-direction="in"] .message-text');
    expect(await otherPopup.$eval('.message[data-direction="in"] .message-text', (el) => el.textContent)).toBe(HOSTILE);
    expect(await otherPopup.$$eval('a.message-link', (links) => links.map((a) => a.getAttribute('href')))).toEqual([
      'https://crm.example/c/7',
    ]);
    expect(await otherPopup.evaluate(() => document.querySelectorAll('.message img, .message script').length)).toBe(0);
    expect(await otherPopup.evaluate(() => (window as { pwned?: number }).pwned)).toBeUndefined();
    await waitFor(async () => (await badge(await other.worker())) === '', { what: "1002's badge cleared" });
    // The link opens only on a click, in a new tab (through the background).
    const opened = other.browser.waitForTarget((target) => target.url().startsWith('https://crm.example/c/7'), {
      timeout: 10_000,
    });
    await (await otherPopup.$('a.message-link'))?.click();
    await opened;
    await otherPopup.bringToFront();

    // 1002 answers; 1001 reads it, and sees its own message read.
    await otherPopup.type('.composer textarea', 'On my way');
    await press(otherPopup, 'Send');
    await popup.waitForFunction(
      () => document.querySelector('.message[data-direction="in"] .message-text')?.textContent === 'On my way',
      { timeout: 10_000 },
    );
    await popup.waitForFunction(
      () => document.querySelector('.message[data-direction="out"] .delivery')?.textContent === 'Read',
      { timeout: 10_000 },
    );
  } finally {
    await other.close();
  }
});

test("the team's messages and port are PopLine's pages' only: refused from the content-script world, and nothing sent", async () => {
  const crm = await openCrm();
  const world = await isolatedWorld(crm);
  try {
    // Positive control: this world is PopLine's content script, and the background answers it.
    const hello = (await sendFromWorld(world, 'contentHello', { visible: true })) as { cards?: unknown[] };
    expect(Array.isArray(hello?.cards)).toBe(true);
    const before = (await e2e.sim.cti.team?.pending('1003'))?.length ?? 0;
    const attempts: [string, unknown][] = [
      ['teamView', {}],
      ['teamSetAvailability', { availability: 'dnd', expiry: 'never' }],
      ['teamFavourite', { extension: '1003', on: true }],
      ['chatConversations', {}],
      ['chatConversation', { peer: '1003' }],
      ['chatSend', { to: '1003', content: 'sent by the page' }],
      ['chatSearch', { query: 'a' }],
      ['openLink', { url: 'https://evil.example/' }],
    ];
    for (const [type, body] of attempts) {
      const answer = (await sendFromWorld(world, type, body)) as { noAnswer?: boolean } | null;
      expect({ type, refused: answer?.noAnswer === true }).toEqual({ type, refused: true });
    }
    // The team port from a tab is closed at once (the popup's is kept: the other tests' rows change through it).
    const port = await evaluateIn(
      world,
      `new Promise((resolve) => { const p = chrome.runtime.connect({ name: 'popline-team' }); p.onDisconnect.addListener(() => resolve('closed')); setTimeout(() => resolve('open'), 2000); })`,
    );
    expect(port).toBe('closed');
    // Nothing happened: no message kept for 1003, still available, no tab opened.
    expect((await e2e.sim.cti.team?.pending('1003'))?.length ?? 0).toBe(before);
    expect(e2e.sim.cti.team?.stateOf('1001').availability).toBe('available');
    expect(e2e.chromium.browser.targets().some((t) => t.url().startsWith('https://evil.example'))).toBe(false);
    // Positive control: the same send from PopLine's popup is taken.
    const popup = await openPopup();
    const sent = await popup.evaluate(() =>
      chrome.runtime.sendMessage({ popline: 1, type: 'chatSend', body: { to: '1003', content: 'from the popup' } }),
    );
    expect((sent as { ok: boolean }).ok).toBe(true);
    await waitFor(async () => ((await e2e.sim.cti.team?.pending('1003'))?.length ?? 0) === before + 1, {
      what: 'the message kept for 1003',
    });
  } finally {
    await world.session.detach().catch(() => undefined);
  }
});
