/**
 * Call logging into the CRM (docs/crm.md): every logged call lands on the customer's record once.
 * A call that ends gets an outbox entry (IndexedDB, crmlog/db.ts) and is sent when due: at once,
 * after the wrap-up, or by hand. Sends run one at a time; each is marked on disk before it goes
 * and its answer after, so a worker stopped in between leaves an entry that is checked (find,
 * idempotency key) before it is sent again. Retries wait with backoff and jitter on an alarm, so
 * they survive stopped workers and browser restarts. A 401/403 pauses the whole outbox and tells
 * the agent; a CRM page loading again (the agent logged in) resumes it.
 */
import browser from 'webextension-polyfill';
import { t } from '../../i18n';
import type { Call, CallBook } from '../../shared/calls';
import { type LogNote, logValues } from '../../shared/crm/log/facts';
import {
  applyResult,
  type CardCrmLog,
  type CrmLogView,
  cardLogOf,
  interrupted,
  isDue,
  newEntry,
  nextDue,
  noteSaved,
  type OutboxEntry,
  PAUSE_PROBE_MS,
  pendingOp,
  retryNow,
  sameCardLog,
  startSend,
  viewOf,
  wrapUpStarting,
} from '../../shared/crm/log/outbox';
import { type LogConfig, logConfig, logRequest } from '../../shared/crm/log/plan';
import { fillLogUrl } from '../../shared/crm/log/template';
import { validateRecord } from '../../shared/history';
import { log } from '../../shared/log';
import type { Settings } from '../../shared/settings';
import { history } from '../history';
import { STORE } from '../history/db';
import { clearDraft, readDraft } from '../history/drafts';
import { getSettings } from '../settings';
import { credentialsStore, type RuntimeState } from '../storage';
import { mutate, readState } from '../storage/state';
import { crmLogOf, pushToTabs } from '../tabs';
import { OUTBOX_DB, openOutboxDb } from './db';
import { factsOf, recordOf, shouldLog } from './facts';
import { sendOp } from './send';
import { OutboxStore } from './store';

export const outbox = new OutboxStore((onGone) => openOutboxDb(OUTBOX_DB, onGone));
export const CRMLOG_ALARM = 'popline-crmlog';
export const PAUSED_NOTIFICATION = 'popline-crmlog-paused';

/** A probe that neither landed nor was refused (no CRM tab yet, a timeout) is tried again this soon. */
const PROBE_RETRY_MS = 3000;

/** Due entries sent in one drain at most before it yields (and schedules the rest at once). */
const DRAIN_BATCH = 2000;

/** Ended calls get their outbox entry (once: an entry already there is left alone). Never throws. */
export async function logEndedCalls(
  state: RuntimeState,
  settings: Settings,
  calls: readonly Call[],
  lookups: RuntimeState['lookups'] = state.lookups,
): Promise<void> {
  if (settings.crmlog.mode === 'off') return;
  const ended = calls.filter((call) => shouldLog(call, settings));
  if (!ended.length) return;
  try {
    const now = Date.now();
    let added = false;
    for (const call of ended) {
      const entry = newEntry(
        factsOf(call, { ...state, lookups }, settings),
        settings.crmlog.when,
        settings.crmlog.wrapUpSeconds * 1000,
        now,
      );
      added = (await outbox.add(entry)) || added;
    }
    // The cards show what the outbox holds (the wrap-up's end as it was written to disk).
    const paused = !!(await outbox.pause());
    if (
      await reflect(
        state,
        ended.map((call) => call.sessionId),
        paused,
      )
    )
      await pushToTabs(state);
    if (added) drainSoon();
  } catch (error) {
    log.error('call log: could not queue ended calls', error);
  }
}

/**
 * Calls that just ended into a wrap-up: their cards show its countdown and note form from the
 * push that ends them, before the outbox entry is on disk (logEndedCalls then shows the entry's
 * own state). Runs inside `mutate`, before ended cards are pruned.
 */
export function wrapUpCards(
  state: RuntimeState,
  settings: Settings,
  before: CallBook,
  calls: readonly Call[],
  now: number,
): void {
  const { mode, when, wrapUpSeconds } = settings.crmlog;
  if (mode === 'off' || when !== 'wrapUp' || wrapUpSeconds <= 0) return;
  let map = state.crmLog ?? {};
  for (const call of calls) {
    const was = Object.hasOwn(before.calls, call.sessionId) ? before.calls[call.sessionId] : undefined;
    if (!shouldLog(call, settings) || (was && was.endedAt !== undefined) || crmLogOf(state, call.sessionId)) continue;
    map = { ...map, [call.sessionId]: wrapUpStarting(now, wrapUpSeconds * 1000) };
  }
  state.crmLog = map;
}

/** Forgets the card logs of calls no longer in the book (inside `mutate`). */
export function forgetCardLogs(state: RuntimeState): void {
  const map = state.crmLog ?? {};
  const gone = Object.keys(map).filter((id) => !Object.hasOwn(state.book.calls, id));
  if (gone.length) state.crmLog = Object.fromEntries(Object.entries(map).filter(([id]) => !gone.includes(id)));
}

/** Sets the card logs of these calls (in the book) from their outbox entries; true when one changed. */
async function reflect(state: RuntimeState, sessionIds: readonly string[], paused: boolean): Promise<boolean> {
  let map: Record<string, CardCrmLog> = state.crmLog ?? {};
  let changed = false;
  const now = Date.now();
  for (const sessionId of sessionIds) {
    if (!Object.hasOwn(state.book.calls, sessionId)) continue;
    const entry = await outbox.get(sessionId);
    const previous = crmLogOf(state, sessionId);
    if (!entry) {
      if (previous) {
        const { [sessionId]: _gone, ...rest } = map;
        map = rest;
        changed = true;
      }
      continue;
    }
    const next = cardLogOf(entry, paused, previous, now);
    if (sameCardLog(next, previous)) continue;
    map = { ...map, [sessionId]: next };
    changed = true;
  }
  if (changed) state.crmLog = map;
  return changed;
}

/** After outbox changes: the cards of these calls (those still on screen) show their new state. Never throws. */
async function showOnCards(sessionIds: readonly string[]): Promise<void> {
  try {
    const { book } = await readState();
    const shown = sessionIds.filter((id) => Object.hasOwn(book.calls, id));
    if (!shown.length) return;
    const paused = !!(await outbox.pause());
    await mutate(async (state) => {
      if (await reflect(state, shown, paused)) await pushToTabs(state);
    });
  } catch (error) {
    log.warn('call log: could not update the cards', String(error));
  }
}

/** What the agent typed into the card's note form but did not save goes into the log (the wrap-up ended without a save). */
async function keepDraft(sessionId: string): Promise<void> {
  const draft = await readDraft(sessionId);
  if (!draft) return;
  if (await history.setNote({ sessionId, note: draft.note, disposition: draft.disposition }))
    await clearDraft(sessionId);
}

/** The agent saved a call's note or tag: during the wrap-up that logs it; once logged, it updates the activity. */
export async function onNoteSaved(sessionId: string): Promise<void> {
  try {
    const entry = await outbox.change(sessionId, (current) => noteSaved(current, Date.now()));
    if (entry) {
      await showOnCards([sessionId]);
      drainSoon();
    }
  } catch (error) {
    log.error('call log: could not note the change', error);
  }
}

async function noteOf(sessionId: string): Promise<LogNote> {
  const stored = validateRecord(await (await history.database()).get(STORE, sessionId));
  return stored.ok ? { note: stored.value.note ?? '', tag: stored.value.disposition ?? '' } : { note: '', tag: '' };
}

let queued: Promise<void> | undefined;
let timer: ReturnType<typeof setTimeout> | undefined;
let running: Promise<void> = Promise.resolve();

/** Runs a drain after the one under way (at most one waits). */
export function drainOutbox(): Promise<void> {
  if (queued) return queued;
  const next = running.then(async () => {
    queued = undefined;
    await drain().catch((error) => log.error('call log: drain failed', error));
  });
  queued = next;
  running = next;
  return next;
}

function drainSoon(): void {
  void drainOutbox();
}

interface DrainContext {
  config: LogConfig;
  settings: Settings;
  key: string;
}

async function drain(): Promise<void> {
  const settings = await getSettings();
  const plan = logConfig(settings);
  if (!plan.ok) {
    if (plan.problem !== 'off') log.warn(`call log: not usable (${plan.detail})`);
    return;
  }
  const context: DrainContext = {
    config: plan.config,
    settings,
    key: plan.config.mode === 'background' ? ((await credentialsStore.load(settings)).crmLogKey ?? '') : '',
  };
  const now = Date.now();
  let pause = await outbox.pause();
  // Only what is still to send is read (the `dueAt` index), soonest first.
  const entries = await outbox.open();
  const due = entries.filter((entry) => isDue(entry, now));
  // Paused: one entry probes whether the agent has logged in again (the pause, not the entry's
  // own backoff, says when); the rest wait for its answer.
  const probe = entries
    .filter((entry) => entry.state === 'waiting' || isDue(entry, now))
    .sort((a, b) => a.nextAt - b.nextAt)
    .slice(0, 1);
  const batch = pause ? (pause.probeAt <= now ? probe : []) : due.slice(0, DRAIN_BATCH);
  let more = due.length > batch.length && !pause;
  for (const { sessionId } of batch) {
    if (pause) await outbox.change(sessionId, (current) => ({ ...current, nextAt: Math.min(current.nextAt, now) }));
    const outcome = await sendOne(sessionId, context);
    if (outcome === 'auth') {
      await pauseOutbox(pause, (await outbox.get(sessionId))?.status ?? 401);
      more = false;
      break;
    }
    if (outcome === 'landed' && pause) {
      pause = undefined;
      await resumeOutbox();
      more = true;
    } else if (pause) {
      // The probe did not get through (no CRM tab yet, a timeout): try again soon, not at once.
      await outbox.setPause({ ...pause, probeAt: Date.now() + PROBE_RETRY_MS });
    }
  }
  if (more) drainSoon();
  else await schedule();
}

type SendOutcome = 'landed' | 'auth' | 'other' | 'skipped';

async function sendOne(sessionId: string, { config, settings, key }: DrainContext): Promise<SendOutcome> {
  const entry = await outbox.get(sessionId);
  if (!entry || !isDue(entry, Date.now())) return 'skipped';
  const op = pendingOp(entry, !!config.find, !!config.update);
  if (!op) {
    await outbox.change(sessionId, (current) => (isDue(current, Date.now()) ? { ...current, state: 'logged' } : null));
    await showOnCards([sessionId]);
    return 'skipped';
  }
  // The wrap-up ran out without a save: what the agent was typing is the note.
  if (entry.state === 'wrapUp') await keepDraft(sessionId);
  const state = await readState();
  const facts = entry.facts.recordId ? entry.facts : { ...entry.facts, ...recordOf(state, sessionId) };
  const request = logRequest(config, op, logValues(facts, await noteOf(sessionId), entry.activityId));
  const now = Date.now();
  if (!request) {
    const reason = 'the log address needs a value this call does not have (the CRM record?)';
    await outbox.change(sessionId, (current) =>
      applyResult(startSend(current, op, now), { kind: 'rejected', reason }, now, Math.random),
    );
    await showOnCards([sessionId]);
    return 'other';
  }
  await outbox.change(sessionId, (current) => (isDue(current, now) ? startSend({ ...current, facts }, op, now) : null));
  await showOnCards([sessionId]);
  const result = await sendOp(op, request, entry.key, {
    config,
    tabs: state.tabs,
    key,
    online: globalThis.navigator?.onLine !== false,
  });
  const after = await outbox.change(sessionId, (current) =>
    current.state === 'sending' ? applyResult(current, result, Date.now(), Math.random) : null,
  );
  if (result.kind !== 'ok')
    log.warn(`call log: ${op} of a call did not land (${result.kind}): ${'reason' in result ? result.reason : ''}`);
  if (after?.state === 'logged' && settings.crmlog.mode !== 'off') log.info(`call log: ${op} landed`);
  await showOnCards([sessionId]);
  return result.kind === 'auth' ? 'auth' : result.kind === 'ok' ? 'landed' : 'other';
}

async function pauseOutbox(previous: { since: number } | undefined, status: number): Promise<void> {
  const now = Date.now();
  await outbox.setPause({ since: previous?.since ?? now, status, probeAt: now + PAUSE_PROBE_MS });
  if (previous) return;
  await showOnCards(Object.keys((await readState()).crmLog ?? {}));
  log.warn(`call log: paused, the CRM answered ${status} (logged out?)`);
  await browser.notifications
    .create(PAUSED_NOTIFICATION, {
      type: 'basic',
      iconUrl: browser.runtime.getURL('icons/icon-128.png'),
      title: t('crmLogPausedTitle'),
      message: t('crmLogPausedBody', String(status)),
    })
    .catch(() => undefined);
}

async function resumeOutbox(): Promise<void> {
  await outbox.setPause(undefined);
  // Everything the pause held goes now, not at its own probe time.
  const now = Date.now();
  for (const entry of await outbox.open()) {
    if (entry.state === 'waiting' && entry.nextAt > now) {
      await outbox.change(entry.sessionId, (current) =>
        current.state === 'waiting' ? { ...current, nextAt: now } : null,
      );
    }
  }
  await showOnCards(Object.keys((await readState()).crmLog ?? {}));
  log.info('call log: the CRM takes calls again, resuming');
  await browser.notifications.clear(PAUSED_NOTIFICATION).catch(() => undefined);
}

/** The next drain: an alarm (survives the worker), and a timer while this worker lives. */
async function schedule(): Promise<void> {
  const pause = await outbox.pause();
  const next = pause ? pause.probeAt : nextDue(await outbox.open(undefined, 50));
  clearTimeout(timer);
  if (next === undefined) {
    await browser.alarms.clear(CRMLOG_ALARM);
    return;
  }
  const when = Math.max(next, Date.now() + 500);
  await browser.alarms.create(CRMLOG_ALARM, { when });
  timer = setTimeout(drainSoon, when - Date.now());
}

/** At a worker's start: sends a stopped worker left unanswered become checked retries; then drain. */
export async function resumeCallLog(): Promise<void> {
  const entries = await outbox.open();
  for (const entry of entries.filter((e) => e.state === 'sending')) {
    await outbox.change(entry.sessionId, (current) => interrupted(current, Date.now()));
  }
  // The cards still on screen show what the outbox holds (a wrap-up that ended while no worker ran).
  await showOnCards(Object.keys((await readState()).crmLog ?? {}));
  drainSoon();
}

/** A CRM page finished loading: if the outbox is paused and it is the CRM's site, try now (the agent may have logged in). */
export async function onCrmPageLoaded(url: string | undefined): Promise<void> {
  const pause = await outbox.pause();
  if (!pause || !url) return;
  const plan = logConfig(await getSettings());
  if (!plan.ok || new URL(url).origin !== plan.config.origin) return;
  await outbox.setPause({ ...pause, probeAt: Date.now() });
  drainSoon();
}

/** The browser is back online: what waited for it goes now. */
export function onOnlineAgain(): void {
  void (async () => {
    for (const entry of await outbox.open()) {
      if (entry.state === 'waiting' && entry.reason === 'the browser is offline') {
        await outbox.change(entry.sessionId, (current) => ({ ...current, nextAt: Date.now() }));
      }
    }
    drainSoon();
  })().catch((error) => log.warn('call log', String(error)));
}

/** The address "Open in CRM" opens for a call, or null. */
export function openUrlOf(entry: OutboxEntry, settings: Settings): string | null {
  const template = settings.crmlog.openUrl;
  if (template && entry.activityId) {
    const url = fillLogUrl(template, { activityId: entry.activityId, recordId: entry.facts.recordId });
    if (url) return url;
  }
  return entry.facts.recordUrl ?? null;
}

export async function crmLogViews(sessionIds: readonly string[]): Promise<Record<string, CrmLogView>> {
  const settings = await getSettings();
  const pause = await outbox.pause();
  const out: Record<string, CrmLogView> = {};
  for (const sessionId of sessionIds) {
    const entry = await outbox.get(sessionId);
    if (entry)
      Object.defineProperty(out, sessionId, {
        value: viewOf(entry, !!pause, openUrlOf(entry, settings) !== null),
        enumerable: true,
      });
  }
  return out;
}

/** "Retry" / "Log to CRM": the entry goes now (while paused, it is the probe). */
export async function retryByHand(sessionId: string): Promise<boolean> {
  const entry = await outbox.change(sessionId, (current) => retryNow(current, Date.now()));
  if (!entry) return false;
  const pause = await outbox.pause();
  if (pause) await outbox.setPause({ ...pause, probeAt: Date.now() });
  await showOnCards([sessionId]);
  drainSoon();
  return true;
}

/** "Log now" on the card: a wrap-up ends at once, with what the agent has typed; a failed log tries again. */
export async function logNow(sessionId: string): Promise<boolean> {
  const entry = await outbox.get(sessionId);
  if (!entry) return false;
  if (entry.state === 'wrapUp') await keepDraft(sessionId);
  return retryByHand(sessionId);
}
