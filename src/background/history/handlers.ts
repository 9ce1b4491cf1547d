/**
 * Message handlers for the call history (the messages are declared in shared/messages.ts and
 * documented in docs/history.md). Content scripts may only touch calls the background holds
 * now (a card they show); extension pages may read and change all of it.
 */

import { followRules } from '../../shared/calls';
import { type HistoryPage, validateRecord } from '../../shared/history';
import { toCsv } from '../../shared/history/csv';
import { log } from '../../shared/log';
import type { Context, Handlers } from '../../shared/messages';
import { type ActionResult, failure, notConnected } from '../../shared/outcome';
import { currentConnector } from '../pbx/connection';
import { getSettings } from '../settings';
import { readState } from '../storage/state';
import { STORE } from './db';
import { clearDraft, readDraft, saveDraft } from './drafts';
import { DEFAULT_IMPORT_LIMIT, importFromPbx } from './import';
import { history, recordHistory } from './index';
import { allRecords, previousCalls, queryHistory } from './queries';

type HistoryMessages =
  | 'entryOpen'
  | 'entryDraft'
  | 'historyQuery'
  | 'historyPrevious'
  | 'historySetNote'
  | 'historyExport'
  | 'historyClear'
  | 'historyImport';

const notFound = failure('notFound', 'no such call in the history');

/** The call as the background holds it now, when the sender may touch it. */
async function liveCall(sessionId: string) {
  const state = await readState();
  return state.book.calls[sessionId];
}

/** How long after a call ended its card may still write the call's note (the agent finishing it). */
export const NOTE_AFTER_END_MS = 2 * 60 * 60 * 1000;

async function mayTouch(sessionId: string, context: Context): Promise<boolean> {
  return context.kind === 'page' || (await liveCall(sessionId)) !== undefined;
}

/** Whether the sender's tab has shown this call's card (a content script notes only those). */
async function tabShowed(sessionId: string, context: Context): Promise<boolean> {
  if (context.kind === 'page') return true;
  const { tabs } = await readState();
  const tab = context.tabId !== undefined && Object.hasOwn(tabs, context.tabId) ? tabs[context.tabId] : undefined;
  return !!tab && [...tab.shown, ...(tab.showed ?? [])].includes(sessionId);
}

/**
 * A card may note its call while it is held, and for a while after it ended and left the book;
 * from a content script, only a call its own tab has shown.
 */
async function mayNote(sessionId: string, context: Context): Promise<boolean> {
  if (!(await tabShowed(sessionId, context))) return false;
  if (await mayTouch(sessionId, context)) return true;
  const stored = validateRecord(await (await history.database()).get(STORE, sessionId));
  const endedAt = stored.ok ? stored.value.endedAt : undefined;
  return endedAt !== undefined && Date.now() - endedAt <= NOTE_AFTER_END_MS;
}

/** Makes sure a live call has its record (its first write may still be on its way). */
async function ensureRecorded(sessionId: string): Promise<void> {
  const call = await liveCall(sessionId);
  if (call) await recordHistory([call]);
  await history.settled();
}

export const historyHandlers: Pick<Handlers, HistoryMessages> = {
  /** The card's note form opens in the entry frame: the saved note, if the frame's tab may note this call. */
  async entryOpen({ sessionId }, context) {
    if (!(await mayNote(sessionId, context))) return null;
    const settings = await getSettings();
    // What the agent was typing (the frame reloaded), else what was saved.
    const draft = await readDraft(sessionId);
    const stored = draft ? undefined : validateRecord(await (await history.database()).get(STORE, sessionId));
    const record = draft ?? (stored?.ok ? stored.value : undefined);
    return {
      note: record?.note ?? '',
      disposition: record?.disposition ?? '',
      dispositions: settings.history.dispositions,
    };
  },

  async entryDraft({ sessionId, note, disposition }, context) {
    if (!(await mayNote(sessionId, context))) return null;
    await saveDraft({ sessionId, note, disposition, at: Date.now() });
    return null;
  },

  async historyQuery(query): Promise<HistoryPage> {
    const settings = await getSettings();
    try {
      const found = await queryHistory(await history.database(), query, settings.phone.defaultCountry);
      return history.problem ? { ...found, problem: history.problem } : found;
    } catch (error) {
      log.error('history: query failed', error);
      const problem = `The call history cannot be read: ${String(error)}`;
      return { records: [], page: query.page ?? 0, pageSize: query.pageSize ?? 0, hasMore: false, skipped: 0, problem };
    }
  },

  async historyPrevious({ sessionId, limit }, context) {
    if (!(await mayTouch(sessionId, context))) return [];
    const settings = await getSettings();
    const call = await liveCall(sessionId);
    const db = await history.database();
    const stored = call ? undefined : validateRecord(await db.get(STORE, sessionId));
    const record = call ? { sessionId, number: call.remoteNumber } : stored?.ok ? stored.value : undefined;
    if (!record) return [];
    return previousCalls(db, record, settings.phone.defaultCountry, limit ?? 5);
  },

  async historySetNote(body, context): Promise<ActionResult> {
    if (!(await mayNote(body.sessionId, context))) return notFound;
    if (!(await history.setNote(body))) {
      await ensureRecorded(body.sessionId);
      if (!(await history.setNote(body))) return notFound;
    }
    await clearDraft(body.sessionId);
    return { ok: true, sessionId: body.sessionId };
  },

  async historyExport({ from, to }) {
    const { records, skipped } = await allRecords(await history.database(), from, to);
    return { csv: toCsv(records), count: records.length, skipped };
  },

  async historyClear() {
    return { removed: await history.clear() };
  },

  async historyImport({ limit }) {
    const connector = currentConnector();
    const [state, settings] = await Promise.all([readState(), getSettings()]);
    if (!connector || state.connection.state !== 'ACCESS_GRANTED') {
      return notConnected();
    }
    if (state.connection.permissions?.history === false) {
      return failure('forbidden', 'this token may not read the call history');
    }
    try {
      const summary = await importFromPbx(connector, history, {
        rules: followRules(settings, !!state.connection.permissions?.monitorAll),
        country: settings.phone.defaultCountry,
        limit: limit ?? DEFAULT_IMPORT_LIMIT,
        now: Date.now(),
      });
      log.info(
        `history: imported ${summary.added} calls (${summary.existing} already there, ${summary.rejected} refused)`,
      );
      return { ok: true, ...summary };
    } catch (error) {
      log.error('history: import failed', error);
      return failure('failed', error instanceof Error ? error.message : String(error));
    }
  },
};
