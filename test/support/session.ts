/** One simulator + one Chromium with PopLine configured and connected: the usual e2e setup. */
import type { Page, WebWorker } from 'puppeteer-core';
import { type Simulator, type SimulatorOptions, startSimulator } from '../../sim/server';
import type { Settings } from '../../src/shared/settings';
import { type CardInfo, type ExtensionBrowser, launchChromium, readCards, waitFor } from './browsers';
import { configure, connectionState, settingsFor } from './extension';

export interface E2E {
  sim: Simulator;
  chromium: ExtensionBrowser;
  worker(): Promise<WebWorker>;
  /** Applies settings (on top of the test defaults) and waits until connected. */
  setup(patch?: Parameters<typeof settingsFor>[1], token?: string): Promise<Settings>;
  openCrm(path?: string): Promise<Page>;
  close(): Promise<void>;
}

export async function startE2E(options: SimulatorOptions = {}): Promise<E2E> {
  const sim = await startSimulator({ port: 0, ...options });
  const chromium = await launchChromium();
  const e2e: E2E = {
    sim,
    chromium,
    worker: () => chromium.worker(),
    async setup(patch = {}, token = 'popline-demo') {
      const settings = settingsFor(e2e.sim.ctiUrl, patch);
      const worker = await chromium.worker();
      await configure(worker, settings, token);
      if (token === 'popline-demo') {
        await waitFor(async () => (await connectionState(await chromium.worker())) === 'ACCESS_GRANTED', {
          what: 'the connection',
        });
      }
      return settings;
    },
    async openCrm(path = '') {
      const page = await chromium.browser.newPage();
      await page.goto(`${e2e.sim.crmUrl}${path}`);
      await page.bringToFront();
      return page;
    },
    async close() {
      await chromium.close();
      await e2e.sim.close();
    },
  };
  return e2e;
}

export const cardOf = async (page: Page, sessionId: string): Promise<CardInfo | undefined> =>
  (await readCards(page)).find((card) => card.sessionId === sessionId);

/** Waits until the card of `sessionId` satisfies `check` (or appears, by default). */
export function waitForCard(
  page: Page,
  sessionId: string,
  check: (card: CardInfo) => boolean = () => true,
  what = 'the card',
) {
  return waitFor(
    async () => {
      const card = await cardOf(page, sessionId);
      return card && check(card) ? card : null;
    },
    { what: `${what} of ${sessionId}` },
  );
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
