/**
 * Real browsers for end-to-end tests and benchmarks: Chromium (Debian's) and firefox-esr,
 * driven by puppeteer-core, with the built extension installed into a fresh profile.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser, type CDPSession, type Page, type WebWorker } from 'puppeteer-core';
import chromium from '../../scripts/chromium.json';

export const ROOT = join(__dirname, '../..');
const DIST = process.env.POPLINE_DIST ?? join(ROOT, 'dist');
export const CHROME_DIST = join(DIST, 'chrome');
export const FIREFOX_DIST = join(DIST, 'firefox');

export const GECKO_ID = 'popline@popline.dev';
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? chromium.path;
export const FIREFOX_PATH = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';

const CHROMIUM_ARGS = chromium.args;

export interface ExtensionBrowser {
  browser: Browser;
  extensionId: string;
  /** The service worker, waiting for a (re)started one whose top-level code has run. */
  worker(): Promise<WebWorker>;
  /** Stops the service worker, as Chrome does after idle or under memory pressure. */
  /**
   * Stops the extension's service worker and confirms it is gone; fails when there was none to stop.
   * `ifRunning`: a worker that is not running is fine (returns false): for random stops.
   */
  stopWorker(options?: { ifRunning?: boolean }): Promise<boolean>;
  close(): Promise<void>;
}

const isWorkerOf =
  (extensionId: string) =>
  (t: { type(): string; url(): string }): boolean =>
    t.type() === 'service_worker' && t.url().startsWith(`chrome-extension://${extensionId}/`);

/**
 * Stops the service worker of the extension `extensionId` (any extension installed in `browser`, e.g. a
 * bench's own) and confirms it is gone; fails when there was none to stop, unless `ifRunning`.
 */
export async function stopServiceWorker(
  browser: Browser,
  extensionId: string,
  { ifRunning = false } = {},
): Promise<boolean> {
  const target = browser.targets().find(isWorkerOf(extensionId));
  if (!target) {
    if (ifRunning) return false;
    throw new Error('stopWorker: no service worker was running, so nothing was stopped');
  }
  // Closing the target and detaching DevTools (which would keep it alive) is how Chrome's
  // own docs stop an extension's service worker in tests.
  const w = await target.worker();
  if (!w) throw new Error('stopWorker: the worker target has no worker to close');
  await w.close();
  for (let i = 0; i < 1000 && browser.targets().includes(target); i++) await new Promise((r) => setTimeout(r, 10));
  if (browser.targets().includes(target)) throw new Error('stopWorker: the service worker did not stop within 10 s');
  return true;
}

export async function launchChromium({ headless = true, dist = CHROME_DIST } = {}): Promise<ExtensionBrowser> {
  if (!existsSync(CHROMIUM_PATH))
    throw new Error(`Chromium not found at ${CHROMIUM_PATH}: sudo apt-get install -y chromium`);
  if (!existsSync(join(dist, 'manifest.json'))) throw new Error(`${dist} is not built: run npm run build`);
  const userDataDir = mkdtempSync(join(tmpdir(), 'popline-chromium-'));
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM_PATH,
    headless,
    pipe: true,
    enableExtensions: true,
    userDataDir,
    args: CHROMIUM_ARGS,
    defaultViewport: { width: 1280, height: 800 },
  });
  const extensionId = await browser.installExtension(dist);
  const isWorker = isWorkerOf(extensionId);

  async function worker(): Promise<WebWorker> {
    // Generous waits: on a loaded 2-core machine a worker start can take seconds. The target is looked
    // up again each round, as one that was closing may still be listed for a moment.
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const target = await browser.waitForTarget(isWorker, { timeout: Math.max(1, deadline - Date.now()) });
      const w = await target.worker();
      // Ready once the worker's top-level code has run (the listeners exist).
      const ready = await w?.evaluate(() => typeof chrome !== 'undefined' && !!chrome.runtime?.id).catch(() => false);
      if (w && ready) return w;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('service worker did not start within 20 s');
  }

  const stopWorker = (options: { ifRunning?: boolean } = {}) => stopServiceWorker(browser, extensionId, options);

  return {
    browser,
    extensionId,
    worker,
    stopWorker,
    async close() {
      await browser.close().catch(() => undefined);
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Firefox with a temporary HOME. `managed` is written as the extension's managed-storage
 * manifest there (~/.mozilla/managed-storage/<id>.json): Firefox's way for an administrator to
 * configure an extension, and the only way to configure it from outside (its extension pages
 * and background cannot be reached over WebDriver BiDi).
 */
/**
 * The extension's fixed address in the test Firefox (pref `extensions.webextensions.uuids`), so
 * that its pages can be reached: see `extensionPage`.
 */
export const FIREFOX_UUID = '8f1d2c3b-4a5e-4f60-9b7a-1c2d3e4f5a6b';

export async function launchFirefox({
  headless = true,
  managed,
  prefs = {},
}: {
  headless?: boolean;
  managed?: unknown;
  /** More Firefox preferences (e.g. a short event-page idle timeout). */
  prefs?: Record<string, unknown>;
} = {}): Promise<{
  browser: Browser;
  /**
   * Opens one of the extension's own pages (options.html, popup.html, …) in a new tab.
   * What works in Firefox 140 over WebDriver BiDi, found for issue 19: navigating a tab to
   * `moz-extension://<uuid>/…` with the UUID pinned by the pref, and Firefox started with
   * `--remote-allow-system-access` (without it, such a navigation is refused "not allowed in this
   * context"). The navigation then happens, but BiDi never reports its load, so `goto` times out:
   * the page is waited for by evaluating in it. Tabs the extension opens itself are still not
   * listed (so `runtime.openOptionsPage()` cannot be followed), and the background page cannot
   * be reached; a test observes the background through the messages an extension page sends.
   */
  extensionPage(path: string): Promise<Page>;
  close(): Promise<void>;
}> {
  if (!existsSync(FIREFOX_PATH))
    throw new Error(`Firefox not found at ${FIREFOX_PATH}: sudo apt-get install -y firefox-esr`);
  const userDataDir = mkdtempSync(join(tmpdir(), 'popline-firefox-'));
  const home = mkdtempSync(join(tmpdir(), 'popline-home-'));
  if (managed) {
    mkdirSync(join(home, '.mozilla/managed-storage'), { recursive: true });
    const manifest = { name: GECKO_ID, description: 'PopLine test policy', type: 'storage', data: managed };
    writeFileSync(join(home, `.mozilla/managed-storage/${GECKO_ID}.json`), JSON.stringify(manifest));
  }
  const debug = !!process.env.POPLINE_DEBUG;
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX_PATH,
    headless,
    userDataDir,
    env: { ...process.env, HOME: home },
    dumpio: debug,
    args: ['--remote-allow-system-access'],
    extraPrefsFirefox: {
      'xpinstall.signatures.required': false,
      'extensions.webextensions.uuids': JSON.stringify({ [GECKO_ID]: FIREFOX_UUID }),
      'network.proxy.type': 0,
      ...prefs,
      ...(debug ? { 'devtools.console.stdout.chrome': true, 'devtools.console.stdout.content': true } : {}),
    },
  });
  return {
    browser,
    async extensionPage(path) {
      const page = await browser.newPage();
      const url = `moz-extension://${FIREFOX_UUID}/${path}`;
      await page.goto(url, { timeout: 1500 }).catch(() => undefined);
      await waitFor(
        () =>
          page
            .evaluate(() => `${location.href} ${document.readyState}`)
            .then((state) => state === `${url} complete`)
            .catch(() => false),
        { what: `${path} to load in Firefox`, timeout: 15_000 },
      );
      return page;
    },
    async close() {
      await browser.close().catch(() => undefined);
      rmSync(userDataDir, { recursive: true, force: true });
      rmSync(home, { recursive: true, force: true });
    },
  };
}

export interface CardInfo {
  sessionId: string;
  phase: string;
  outcome: string;
  name: string;
  number: string;
  state: string;
  timer: string;
  direction: string;
  html: string;
}

/**
 * Reads the cards from PopLine's closed shadow root. Page scripts cannot reach it; the
 * DevTools protocol can (DOM.getDocument with pierce), which is what this uses.
 */
export async function readCards(page: Page): Promise<CardInfo[]> {
  const cards = await inCardShadow<CardInfo[]>(
    page,
    `function () {
      return [...this.querySelectorAll('.card')].map((card) => ({
        sessionId: card.dataset.session, phase: card.dataset.phase, outcome: card.dataset.outcome,
        name: card.querySelector('.name')?.textContent ?? '', number: card.querySelector('.number')?.textContent ?? '',
        state: card.querySelector('.state')?.textContent ?? '', timer: card.querySelector('.timer')?.textContent ?? '',
        direction: card.querySelector('.direction')?.textContent ?? '', html: card.innerHTML,
      }));
    }`,
  );
  return cards ?? [];
}

/**
 * Runs `functionDeclaration` with `this` = PopLine's closed shadow root in `page` (through
 * DOM.getDocument with pierce, which DevTools can do and page scripts cannot). Returns
 * undefined when no card host is in the page.
 */
export async function inCardShadow<T>(
  page: Page,
  functionDeclaration: string,
  ...args: unknown[]
): Promise<T | undefined> {
  const session: CDPSession = await page.createCDPSession();
  try {
    const { root } = await session.send('DOM.getDocument', { depth: -1, pierce: true });
    type Node = { nodeName: string; backendNodeId: number; children?: Node[]; shadowRoots?: Node[] };
    const find = (node: Node): Node | undefined => {
      if (node.nodeName === 'POPLINE-CARDS') return node.shadowRoots?.[0];
      for (const child of node.children ?? []) {
        const found = find(child);
        if (found) return found;
      }
      return undefined;
    };
    const shadow = find(root as Node);
    if (!shadow) return undefined;
    const { object } = await session.send('DOM.resolveNode', { backendNodeId: shadow.backendNodeId });
    const { result, exceptionDetails } = await session.send('Runtime.callFunctionOn', {
      objectId: object.objectId as string,
      returnByValue: true,
      functionDeclaration,
      arguments: args.map((value) => ({ value })),
    });
    if (exceptionDetails) throw new Error(exceptionDetails.exception?.description ?? exceptionDetails.text);
    return result.value as T;
  } finally {
    await session.detach().catch(() => undefined);
  }
}

/** The centre of a control in a card, found by its text or aria-label. */
export async function cardControl(
  page: Page,
  sessionId: string,
  label: string,
): Promise<{ x: number; y: number } | undefined> {
  return inCardShadow(
    page,
    `function (id, label) {
      const scope = this.querySelector('[data-session="' + CSS.escape(id) + '"]');
      const controls = scope ? [scope, ...scope.querySelectorAll('button, input')] : [];
      const control = controls.filter((el) => el.matches('button, input')).find(
        (el) => el.textContent.trim() === label || el.getAttribute('aria-label') === label);
      if (!control) return undefined;
      const r = control.getBoundingClientRect();
      return { x: r.x + r.width / 2, y: r.y + r.height / 2 };
    }`,
    sessionId,
    label,
  );
}

/** Clicks a card control like the agent does: a real (trusted) mouse click at its place. */
export async function clickCardControl(page: Page, sessionId: string, label: string): Promise<void> {
  // The card may still be settling (a lookup adds a line, a new card stacks on it): click
  // only where the control has stayed put for a moment, as a person would.
  const point = await waitFor(
    async () => {
      const first = await cardControl(page, sessionId, label);
      await new Promise((r) => setTimeout(r, 80));
      const second = await cardControl(page, sessionId, label);
      return first && second && first.x === second.x && first.y === second.y ? second : null;
    },
    { what: `the "${label}" control` },
  );
  await page.mouse.click(point.x, point.y);
}

/** Polls until `check` returns a truthy value; a test helper, never a timing assertion. */
export async function waitFor<T>(
  check: () => Promise<T | null | undefined | false> | T | null | undefined | false,
  { timeout = 10_000, interval = 50, what = 'condition' } = {},
): Promise<T> {
  const deadline = Date.now() + timeout;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
      last = value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last: ${String(last)})`);
    await new Promise((r) => setTimeout(r, interval));
  }
}

/**
 * Firefox: reads the cards from PopLine's closed shadow root over WebDriver BiDi, whose
 * serialisation can include closed shadow trees (`includeShadowTree: "all"`); page scripts
 * cannot. Returns the same shape as `readCards`.
 */
export async function readCardsBidi(page: Page): Promise<CardInfo[]> {
  type Remote = { type: string; sharedId?: string; value?: { shadowRoot?: { sharedId?: string } | null } };
  type Evaluated = { type: 'success'; result: Remote & { value?: unknown } } | { type: 'exception' };
  type CoreRealm = { callFunction(fn: string, awaitPromise: boolean, options?: object): Promise<Evaluated> };
  const realm = (page.mainFrame() as unknown as { mainRealm(): { realm: CoreRealm } }).mainRealm().realm;
  const value = (evaluated: Evaluated) => (evaluated.type === 'success' ? evaluated.result : undefined);
  const host = value(
    await realm.callFunction("() => document.querySelector('popline-cards')", false, {
      serializationOptions: { includeShadowTree: 'all', maxDomDepth: 0 },
    }),
  );
  const shadowId = host?.type === 'node' ? host.value?.shadowRoot?.sharedId : undefined;
  if (!shadowId) return [];
  const result = value(
    await realm.callFunction(
      `(root) => JSON.stringify([...root.querySelectorAll('.card')].map((card) => ({
      sessionId: card.dataset.session, phase: card.dataset.phase, outcome: card.dataset.outcome,
      name: card.querySelector('.name')?.textContent ?? '', number: card.querySelector('.number')?.textContent ?? '',
      state: card.querySelector('.state')?.textContent ?? '', timer: card.querySelector('.timer')?.textContent ?? '',
      direction: card.querySelector('.direction')?.textContent ?? '', html: card.innerHTML })))`,
      false,
      { arguments: [{ sharedId: shadowId }] },
    ),
  );
  return JSON.parse(String(result?.value ?? '[]')) as CardInfo[];
}
