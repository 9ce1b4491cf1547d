/**
 * The background's one history store, and the glue to settings, the call book and alarms.
 * The store itself (store.ts, queries.ts) knows nothing of the extension, so it is tested in
 * Node with fake-indexeddb and benchmarked in a plain Chromium page.
 */
import browser from 'webextension-polyfill';
import type { Call } from '../../shared/calls';
import type { CrmRecordLink } from '../../shared/history';
import { log } from '../../shared/log';
import type { Settings } from '../../shared/settings';
import { getSettings } from '../settings';
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

/**
 * What the CRM told about a call, added to its record: the looked-up name (when the PBX gave
 * none) and the record opened. The call's first write may still be queued: then once more after
 * it. Never throws.
 */
export async function recordFromCrm(sessionId: string, found: { name?: string; crmRecord?: CrmRecordLink }) {
  const apply = async () =>
    (!found.name || (await history.setFoundName(sessionId, found.name))) &&
    (!found.crmRecord || (await history.setCrmRecord(sessionId, found.crmRecord)));
  try {
    if (await apply()) return;
    await history.settled();
    if (!(await apply())) log.warn('history: no record to add the CRM lookup to');
  } catch (error) {
    log.warn('history: could not add the CRM lookup', String(error));
  }
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
