/**
 * Click-to-dial in real Chromium against the simulator: tel: links, marked numbers and their
 * call button, the context menu and the shortcut (their handlers, dispatched in the worker:
 * native menus and browser shortcuts cannot be driven), confirmations, failures, zero changes
 * to the page's DOM, and a hostile page that tries every way a page has to make PopLine dial.
 */
import type { Page } from 'puppeteer-core';
import { type Simulator, startSimulator } from '../../sim/server';
import { type ExtensionBrowser, launchChromium, waitFor } from '../support/browsers';
import { centre, type FixtureServer, readDialLayer, serveDialFixtures, textBox } from '../support/dial';
import { configure, connectionState, settingsFor } from '../support/extension';

jest.setTimeout(120_000);

let sim: Simulator;
let chromium: ExtensionBrowser;
let fixtures: FixtureServer;
let page: Page;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const settings = (patch: { confirmAfterPerMinute?: number } = {}) =>
  settingsFor(sim.ctiUrl, {
    phone: { defaultCountry: 'US' },
    dial: { confirmInternational: true, confirmPremium: true, confirmAfterPerMinute: patch.confirmAfterPerMinute ?? 0 },
    crm: { sites: [{ pattern: 'http://127.0.0.1/*', card: true, detect: true, links: true }], homeUrl: '' },
  });

async function connect(token = 'popline-demo'): Promise<void> {
  const worker = await chromium.worker();
  await configure(worker, settings(), token);
  await waitFor(async () => (await connectionState(await chromium.worker())) === 'ACCESS_GRANTED', {
    what: 'the connection',
  });
}

/** Every createCall the simulator received since the last call of this function. */
function takeDials(): string[] {
  return sim.cti.dialRequests.splice(0).map((request) => `${request.extension}→${request.number}`);
}

const waitForDials = (count: number) =>
  waitFor(() => (sim.cti.dialRequests.length >= count ? takeDials() : null), { what: `${count} dial(s)` });

const waitForBubble = (target: Page, check: (title: string) => boolean = () => true) =>
  waitFor(
    async () => {
      const { bubble } = await readDialLayer(target);
      return bubble && check(bubble.title) ? bubble : null;
    },
    { what: 'PopLine bubble' },
  );

const marked = (target: Page) => target.evaluate(() => CSS.highlights.get('popline-phone')?.size ?? -1);

async function openPage(path: string): Promise<Page> {
  const opened = await chromium.browser.newPage();
  await opened.goto(`${fixtures.origin}/${path}`);
  await opened.bringToFront();
  return opened;
}

type Dispatchable = { dispatch(...args: unknown[]): void };

/** The context-menu click, as Chrome would report it, dispatched to PopLine's own listener. */
async function menuClick(info: Record<string, unknown>): Promise<void> {
  const worker = await chromium.worker();
  await worker.evaluate(async (clicked: Record<string, unknown>) => {
    const [tab] = await chrome.tabs.query({ active: true, lastFocusedWindow: true });
    (chrome.contextMenus.onClicked as unknown as Dispatchable).dispatch({ editable: false, ...clicked }, tab);
  }, info);
}

/** The dial shortcut pressed, dispatched to PopLine's own listener. */
async function shortcut(): Promise<void> {
  const worker = await chromium.worker();
  await worker.evaluate(async () => {
    const [tab] = await chrome.tabs.query({ active: true, lastFocusedWindow: true });
    (chrome.commands.onCommand as unknown as Dispatchable).dispatch('dial-selection', tab);
  });
}

type Recorded = { type: string; target: string; attribute: string | null; added: string[]; removed: string[] };
const mutationsOf = (target: Page) =>
  target.evaluate(() => (window as unknown as { __mutations: Recorded[] }).__mutations);
/** PopLine's own hosts (its dialing layer, its cards), added to <html> when they first show. */
const isPopLineHost = (record: Recorded) =>
  record.target === 'HTML' && record.added.every((name) => name.startsWith('POPLINE-')) && !record.removed.length;

/**
 * Clicks "Call" in the confirmation window and returns every dial the PBX got meanwhile, once the
 * window shows the outcome (the PBX has taken the dial). A dial placed without asking would have
 * reached the PBX before this one, over the same socket: so exactly one dial means none went unasked.
 */
async function answerInWindow(dialog: Page): Promise<string[]> {
  await dialog.click('button.call');
  await dialog.waitForSelector('.confirm-outcome');
  expect(await dialog.$eval('.confirm-outcome', (e) => e.textContent)).toMatch(/^Calling /);
  await waitFor(() => sim.cti.dialRequests.length >= 1, { what: 'the confirmed dial' });
  const dials = takeDials();
  await waitFor(() => dialog.isClosed() || null, { what: 'the confirmation window to close', timeout: 10_000 });
  return dials;
}

/** Waits for PopLine's confirmation window to open (after `trigger`) and for its question. */
async function confirmationWindow(trigger: () => Promise<unknown>): Promise<Page> {
  const before = new Set(chromium.browser.targets());
  const opened = chromium.browser.waitForTarget(
    (target) =>
      !before.has(target) && target.url().startsWith(`chrome-extension://${chromium.extensionId}/confirm.html`),
    { timeout: 15_000 },
  );
  await trigger();
  const dialog = (await (await opened).asPage()) as Page;
  await dialog.waitForSelector('button.call');
  return dialog;
}

async function closeBubble(target: Page): Promise<void> {
  const { bubble } = await readDialLayer(target);
  if (!bubble?.close) return;
  await target.mouse.click(bubble.close.x + bubble.close.width / 2, bubble.close.y + bubble.close.height / 2);
  await waitFor(async () => !(await readDialLayer(target)).bubble, { what: 'the bubble to close' });
}

beforeAll(async () => {
  sim = await startSimulator({ port: 0 });
  fixtures = await serveDialFixtures();
  chromium = await launchChromium();
  await connect();
  page = await openPage('crm.html');
  await waitFor(async () => (await marked(page)) > 0, { what: 'numbers marked' });
});

afterAll(async () => {
  await chromium?.close();
  await fixtures?.close();
  await sim?.close();
});

beforeEach(async () => {
  await page.bringToFront();
  takeDials();
});

test('numbers are marked without changing the page; traps are not; new rows are marked as they come', async () => {
  // Run first, before any dial: no card or toast of PopLine's has shown in this page yet.
  // (212) 555-0142, +44 20 7946 0123, the three table numbers, one in #selection-one, two in #selection-two.
  expect(await marked(page)).toBe(8);
  expect(await mutationsOf(page)).toEqual([]);
  await page.evaluate(() => (window as unknown as { addRows(n: number): void }).addRows(50));
  await waitFor(async () => (await marked(page)) === 58, { what: '50 more numbers marked' });
  const changes = await mutationsOf(page);
  // Exactly the page's own 50 rows, nothing of PopLine's.
  expect(changes).toHaveLength(50);
  expect(changes.every((record) => record.target === 'TBODY' && record.added.join() === 'TR')).toBe(true);
});

test('a tel: link click dials its E.164 number from the agent’s extension, and says so where the agent clicked', async () => {
  await page.click('#tel-us');
  expect(await waitForDials(1)).toEqual(['1001→+12125550142']);
  const bubble = await waitForBubble(page, (title) => title.startsWith('Calling'));
  expect(bubble).toMatchObject({ kind: 'toast', error: false, title: 'Calling (212) 555-0142…' });
});

test('a modifier key keeps the browser’s default; a sip: extension dials; a link that is no number says so', async () => {
  await page.keyboard.down('Alt');
  await page.click('#tel-us');
  await page.keyboard.up('Alt');
  await page.click('#tel-bad');
  const bubble = await waitForBubble(page, (title) => title.includes('no phone number'));
  expect(bubble.error).toBe(true);
  await closeBubble(page);
  // Positive control: a dial clicked after them arrives. Dials reach the PBX in the order they are
  // clicked (one content script, one worker, one socket), so it comes alone or not at all.
  await page.click('#sip');
  await waitFor(() => sim.cti.dialRequests.length >= 1, { what: 'the sip: dial' });
  expect(takeDials()).toEqual(['1001→1002']);
});

test('an international number asks first, in PopLine’s own window; the agent’s “Call” there dials it', async () => {
  const opened = chromium.browser.waitForTarget(
    (target) => target.url().startsWith(`chrome-extension://${chromium.extensionId}/confirm.html`),
    { timeout: 15_000 },
  );
  await page.click('#tel-uk');
  const dialog = (await (await opened).asPage()) as Page;
  await dialog.waitForSelector('button.call');
  expect(await dialog.$eval('.confirm-title', (e) => e.textContent)).toBe('Call +44 20 7946 0123?');
  expect(await dialog.$eval('.confirm-dialog', (e) => e.textContent)).toContain('another country');
  // The page only hears that the question is elsewhere.
  const toast = await waitFor(async () => (await readDialLayer(page)).bubble, { what: 'the toast' });
  expect(toast.confirm).toBeNull();
  expect(await answerInWindow(dialog)).toEqual(['1001→+442079460123']);
  // The window closes by itself after showing the outcome; the CRM tab is the agent's again.
  await waitFor(() => dialog.isClosed() || null, { what: 'the confirmation window to close', timeout: 10_000 });
  await page.bringToFront();
  await waitFor(async () => !(await readDialLayer(page)).bubble, { what: 'the toast to go' });
});

test('hovering a marked number shows a call button in PopLine’s layer; clicking it dials', async () => {
  const number = centre(await textBox(page, '#num-maria'));
  await page.mouse.move(number.x, number.y);
  const { button } = await waitFor(
    async () => {
      const layer = await readDialLayer(page);
      return layer.button ? layer : null;
    },
    { what: 'the call button' },
  );
  expect(button?.label).toBe('Call (212) 555-0198');
  if (!button) throw new Error('no button');
  // The button takes a click only once it has been on screen, uncovered, for a moment (docs/security.md).
  await sleep(500);
  await page.mouse.move(button.x + button.width / 2, button.y + button.height / 2, { steps: 3 });
  await page.mouse.click(button.x + button.width / 2, button.y + button.height / 2);
  expect(await waitForDials(1)).toEqual(['1001→+12125550198']);
  await closeBubble(page);
  // The extension is kept: the number with "ext. 12" dials with it.
  const olivia = centre(await textBox(page, '#num-olivia'));
  await page.mouse.move(olivia.x, olivia.y, { steps: 3 });
  const second = await waitFor(
    async () => {
      const layer = await readDialLayer(page);
      return layer.button?.label === 'Call 617-555-0125 ext. 12' ? layer.button : null;
    },
    { what: 'the second call button' },
  );
  await sleep(500);
  await page.mouse.move(second.x + second.width / 2, second.y + second.height / 2, { steps: 3 });
  await page.mouse.click(second.x + second.width / 2, second.y + second.height / 2);
  expect(await waitForDials(1)).toEqual(['1001→+16175550125;ext=12']);
  // The only change PopLine ever made to the page: its own layer, added once to <html>.
  const mutations = (await mutationsOf(page)).filter(
    (record) => !(record.target === 'TBODY' && record.added.join() === 'TR'),
  );
  expect(mutations.filter((record) => !isPopLineHost(record))).toEqual([]);
  expect(mutations.filter((record) => record.added.includes('POPLINE-DIAL'))).toHaveLength(1);
});

test('the context menu dials a selection or a tel: link, and refuses a selection with two numbers', async () => {
  const oneNumber = await page.$eval('#selection-one', (element) => element.textContent ?? '');
  await menuClick({ menuItemId: 'popline-dial-selection', selectionText: oneNumber, pageUrl: page.url() });
  expect(await waitForDials(1)).toEqual(['1001→+12125550198']);
  await waitForBubble(page, (title) => title === 'Calling (212) 555-0198…');
  await menuClick({ menuItemId: 'popline-dial-link', linkUrl: 'tel:+1-212-555-0142', pageUrl: page.url() });
  expect(await waitForDials(1)).toEqual(['1001→+12125550142']);
  const twoNumbers = await page.$eval('#selection-two', (element) => element.textContent ?? '');
  await menuClick({ menuItemId: 'popline-dial-selection', selectionText: twoNumbers, pageUrl: page.url() });
  const refusal = await waitForBubble(page, (title) => title.includes('more than one number'));
  expect(refusal.error).toBe(true);
  const noNumber = await page.$eval('#selection-none', (element) => element.textContent ?? '');
  await menuClick({ menuItemId: 'popline-dial-selection', selectionText: noNumber, pageUrl: page.url() });
  await waitForBubble(page, (title) => title.includes('not a phone number') || title.includes('no phone number'));
  // Positive control: a good selection after the refused ones dials, and dials arrive in order: so
  // nothing before it was dialled.
  await menuClick({ menuItemId: 'popline-dial-selection', selectionText: oneNumber, pageUrl: page.url() });
  await waitFor(() => sim.cti.dialRequests.length >= 1, { what: 'the control dial' });
  expect(takeDials()).toEqual(['1001→+12125550198']);
});

test('the shortcut dials the selected text', async () => {
  await page.evaluate(() => {
    const range = document.createRange();
    range.selectNodeContents(document.querySelector('#num-maria') as Node);
    getSelection()?.removeAllRanges();
    getSelection()?.addRange(range);
  });
  await shortcut();
  expect(await waitForDials(1)).toEqual(['1001→+12125550198']);
  await waitForBubble(page, (title) => title === 'Calling (212) 555-0198…');
});

test('on a page that is not a CRM site, the context menu shows the parsed number in PopLine’s window first', async () => {
  const outside = await serveDialFixtures('localhost');
  const other = await chromium.browser.newPage();
  try {
    await other.goto(`${outside.origin}/crm.html`);
    await other.bringToFront();
    const opened = chromium.browser.waitForTarget(
      (target) => target.url().startsWith(`chrome-extension://${chromium.extensionId}/confirm.html`),
      { timeout: 15_000 },
    );
    await menuClick({ menuItemId: 'popline-dial-selection', selectionText: '(212) 555-0142', pageUrl: other.url() });
    const dialog = (await (await opened).asPage()) as Page;
    await dialog.waitForSelector('button.call');
    expect(await dialog.$eval('.confirm-number', (e) => e.textContent)).toBe('(212) 555-0142');
    expect(await answerInWindow(dialog)).toEqual(['1001→+12125550142']);
    await waitFor(() => dialog.isClosed() || null, { what: 'the confirmation window to close', timeout: 10_000 });
  } finally {
    await other.close();
    await outside.close();
    await page.bringToFront();
  }
});

test('a hostile page cannot make PopLine dial: synthetic clicks, scripted selections and keys, messages, events', async () => {
  const hostile = await openPage('hostile.html');
  try {
    await waitFor(async () => (await marked(hostile)) === 1, { what: 'the number marked on the hostile page' });
    // A real hover first, so PopLine's layer exists for the page to attack.
    const number = centre(await textBox(hostile, '#number'));
    await hostile.mouse.move(number.x, number.y);
    await waitFor(async () => (await readDialLayer(hostile)).button, { what: 'the call button' });
    const log = await hostile.evaluate(() => (window as unknown as { attack(): Promise<string[]> }).attack());
    expect(log).toContain('host: found, shadowRoot: closed');
    expect(log.some((line) => line.startsWith('sendMessage: '))).toBe(true);
    // The page's own messages reached no dial: the background answered each (see the log) and the PBX got none.
    expect(takeDials()).toEqual([]);
    // Nor a question: its tel: link is premium rate, so a dial it had set off would ask in PopLine's window.
    const confirmWindows = () =>
      chromium.browser
        .targets()
        .map((t) => t.url())
        .filter((url) => url.startsWith(`chrome-extension://${chromium.extensionId}/confirm.html`));
    expect(confirmWindows()).toEqual([]);
    // The same page, a real click: PopLine works here, so the silence above was PopLine refusing.
    await hostile.mouse.move(5, 5);
    await hostile.mouse.move(number.x, number.y, { steps: 3 });
    const { button } = await waitFor(
      async () => {
        const layer = await readDialLayer(hostile);
        return layer.button ? layer : null;
      },
      { what: 'the call button again' },
    );
    if (!button) throw new Error('no button');
    await hostile.mouse.move(button.x + button.width / 2, button.y + button.height / 2, { steps: 3 });
    await hostile.mouse.click(button.x + button.width / 2, button.y + button.height / 2);
    // Exactly one: dials arrive in order, so one the attack had set off would be here before it;
    // and the attack's question would have been filed before this dial's answer.
    await waitFor(() => sim.cti.dialRequests.length >= 1, { what: 'the real dial' });
    expect(takeDials()).toEqual(['1001→+12125550142']);
    expect(confirmWindows()).toEqual([]);
  } finally {
    await hostile.close();
  }
});

test('a token that may not dial: the agent is told, and nothing reaches the PBX', async () => {
  sim.cti.options.tokens['no-dial'] = { permissions: { dial: false, control: false, history: false } };
  await connect('no-dial');
  try {
    await page.bringToFront();
    await page.click('#tel-us');
    const bubble = await waitForBubble(page, (title) => title.includes('is not allowed to do this'));
    expect(bubble.error).toBe(true);
    expect(takeDials()).toEqual([]);
  } finally {
    await connect();
  }
});

describe('confirmations in PopLine’s window: premium rate, and more than N dials a minute', () => {
  /** Puts the dialing log (the dials of the last minute) back to empty, so the count starts here. */
  const clearDialLog = async () =>
    (await chromium.worker()).evaluate(async () => {
      const { dialing } = await chrome.storage.session.get('dialing');
      await chrome.storage.session.set({ dialing: { ...(dialing as object), log: [] } });
    });

  test('a premium-rate number asks first, saying why; “Cancel” dials nothing; “Call” dials it', async () => {
    await page.bringToFront();
    await page.evaluate(() => {
      const p = document.createElement('p');
      p.innerHTML = 'Hotline <a id="tel-premium" href="tel:+1-900-200-0000">(900) 200-0000</a>';
      document.body.append(p);
    });
    const first = await confirmationWindow(() => page.click('#tel-premium'));
    expect(await first.$eval('.confirm-title', (e) => e.textContent)).toBe('Call (900) 200-0000?');
    expect(await first.$$eval('.confirm-text', (all) => all.map((e) => e.textContent))).toEqual([
      'This is a premium-rate number.',
    ]);
    await first.click('button.cancel');
    await waitFor(() => first.isClosed() || null, { what: 'the window to close on Cancel' });
    // Positive control for the cancel: the same number asked again and answered "Call" dials, and
    // it is the only dial: the cancelled one never went out.
    await page.bringToFront();
    const second = await confirmationWindow(() => page.click('#tel-premium'));
    expect(await answerInWindow(second)).toEqual(['1001→+19002000000']);
    // The setting off: the same link dials at once, no window.
    const configured = settings();
    configured.dial.confirmPremium = false;
    await configure(await chromium.worker(), configured, 'popline-demo');
    await waitFor(
      async () =>
        (
          (await (await chromium.worker()).evaluate(() => chrome.storage.local.get('settings'))) as {
            settings: { dial: { confirmPremium: boolean } };
          }
        ).settings.dial.confirmPremium === false,
      { what: 'the setting stored' },
    );
    await page.bringToFront();
    await page.click('#tel-premium');
    expect(await waitForDials(1)).toEqual(['1001→+19002000000']);
    await closeBubble(page);
    await connect();
  });

  test('more than N dials in a minute: the N+1st asks, naming the burst, and its “Call” dials', async () => {
    const configured = settings({ confirmAfterPerMinute: 3 });
    await configure(await chromium.worker(), configured, 'popline-demo');
    await waitFor(async () => (await connectionState(await chromium.worker())) === 'ACCESS_GRANTED', {
      what: 'the connection',
    });
    await clearDialLog();
    await page.bringToFront();
    // Three dials within the minute go straight out (the positive control: the policy lets dials through)...
    for (let i = 0; i < 3; i++) {
      await page.click('#tel-us');
      expect(await waitForDials(1)).toEqual(['1001→+12125550142']);
      await waitForBubble(page, (title) => title.startsWith('Calling'));
      await closeBubble(page);
    }
    // ...the fourth asks, in PopLine's window, and says why.
    const dialog = await confirmationWindow(() => page.click('#tel-us'));
    expect(await dialog.$eval('.confirm-title', (e) => e.textContent)).toBe('Call (212) 555-0142?');
    expect(await dialog.$$eval('.confirm-text', (all) => all.map((e) => e.textContent))).toEqual([
      'You placed several calls in the last minute.',
    ]);
    expect(await answerInWindow(dialog)).toEqual(['1001→+12125550142']);
    await page.bringToFront();
    await connect();
    await clearDialLog();
  });
});
