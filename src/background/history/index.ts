/**
 * The background's one history store, and the glue to settings, the call book and alarms.
 * The store itself (store.ts, queries.ts) knows nothing of the extension, so it is tested in
 * Node with fake-indexeddb and benchmarked in a plain Chromium page.
 */
import browser from 'webextension-polyfill';
import type { Call } from '../../shared/calls';
import type { Settings } from '../../shared/settings';
import { getSettings } from '../config';
import { openHistoryDb } from './db';
import { HistoryStore, type WriteContext } from './store';

export const history = new HistoryStore((onGone) => openHistoryDb({ onGone }));

export const HISTORY_ALARM = 'popline-history-retention';
const RETENTION_PERIOD_MINUTES = 6 * 60;

export const writeContext = (settings: Settings): WriteContext => ({
  country: settings.phone.defaultCountry,
  retention: settings.history,
});

/** Records calls as they are now. Never throws: a failure is logged and shown in queries. */
export async function recordHistory(calls: readonly Call[], settings?: Settings): Promise<void> {
  if (!calls.length) return;
  return history.recordCalls(calls, writeContext(settings ?? (await getSettings())));
}

/** Retention on its alarm; the alarm is created once, so worker restarts do not push it back. */
export async function ensureHistoryAlarm(): Promise<void> {
  if (await browser.alarms.get(HISTORY_ALARM)) return;
  await browser.alarms.create(HISTORY_ALARM, { delayInMinutes: 1, periodInMinutes: RETENTION_PERIOD_MINUTES });
}

export async function retainHistory(): Promise<void> {
  const settings = await getSettings();
  await history.retain(settings.history);
}
