/** Configuring the installed extension from a test, through its own worker. */
import type { Browser, WebWorker } from 'puppeteer-core';
import type { HistoryView } from '../../src/shared/history';
import { defaultSettings, type Settings } from '../../src/shared/settings';
import { waitFor } from './browsers';

type DeepPartial<T> = {
  [K in keyof T]?: T[K] extends object ? (T[K] extends unknown[] ? T[K] : DeepPartial<T[K]>) : T[K];
};

/** The simulator's demo CRM: a CRM site in every test (the store build has no default site). */
export const DEMO_CRM_SITE = { pattern: 'http://127.0.0.1/*', card: true, detect: true, links: true };

export function settingsFor(ctiUrl: string, patch: DeepPartial<Settings> = {}): Settings {
  const base = structuredClone(defaultSettings);
  base.connection.serverUrl = ctiUrl;
  base.crm.sites = [{ ...DEMO_CRM_SITE }];
  for (const [section, values] of Object.entries(patch)) {
    Object.assign((base as unknown as Record<string, object>)[section] ?? {}, values);
  }
  return base;
}

export async function configure(worker: WebWorker, settings: Settings, token: string): Promise<void> {
  await worker.evaluate(
    (s, t) => chrome.storage.local.set({ settings: s, credentials: { token: t } }),
    settings as never,
    token,
  );
}

export async function connectionState(worker: WebWorker): Promise<string> {
  return worker.evaluate(async () => {
    const { connection } = await chrome.storage.session.get('connection');
    return (connection as { state?: string } | undefined)?.state ?? 'none';
  });
}

/**
 * Waits until the call history holds `sessionId` in a state `done` accepts, asking as the popup
 * does (an extension page; content scripts may not read the history).
 */
export async function historyRecordOf(
  browser: Browser,
  extensionId: string,
  sessionId: string,
  done: (record: HistoryView) => boolean,
  what = 'the call in the history',
): Promise<HistoryView> {
  const page = await browser.newPage();
  try {
    await page.goto(`chrome-extension://${extensionId}/popup.html`);
    return await waitFor(
      async () => {
        const found = (await page.evaluate(
          (id) =>
            chrome.runtime
              .sendMessage({ popline: 1, type: 'historyQuery', body: { kind: 'recent', pageSize: 200 } })
              .then((answer: { records: { sessionId: string }[] }) => answer.records.find((r) => r.sessionId === id)),
          sessionId,
        )) as HistoryView | undefined;
        return found && done(found) ? found : null;
      },
      { what },
    );
  } finally {
    await page.close();
  }
}
