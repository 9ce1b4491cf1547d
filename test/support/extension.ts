/** Configuring the installed extension from a test, through its own worker. */
import type { WebWorker } from 'puppeteer-core';
import { defaultSettings, type Settings } from '../../src/shared/settings';

type DeepPartial<T> = {
  [K in keyof T]?: T[K] extends object ? (T[K] extends unknown[] ? T[K] : DeepPartial<T[K]>) : T[K];
};

export function settingsFor(ctiUrl: string, patch: DeepPartial<Settings> = {}): Settings {
  const base = structuredClone(defaultSettings);
  base.connection.serverUrl = ctiUrl;
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
