/**
 * The call-logging outbox as a pure state machine (docs/crm.md, "Exactly once, never lost").
 * One entry per call, keyed by its session id, carrying the idempotency key every attempt
 * sends. The background keeps entries in IndexedDB and runs the requests; every decision
 * (what to send next, what an answer means, when to try again) is made here.
 *
 *   wrapUp ──(note saved / time up)──▶ waiting ──send──▶ sending ──2xx──▶ logged
 *   manual ──(agent: "Log now")──────▶    ▲                │  ├─5xx, timeout, offline─▶ waiting (backoff + jitter)
 *                                         │                │  ├─401/403─▶ waiting, the outbox paused (resume after login)
 *   logged ──(note edited)──▶ waiting ────┘                │  └─other 4xx─▶ failed (the CRM's reason; "Retry")
 *                                                          └─worker stopped─▶ waiting, "ambiguous": check first
 *
 * An answer that never came (worker stopped, timeout) leaves the entry "ambiguous": the request
 * may have created the activity. The next attempt asks the CRM first when a find address is set,
 * and in any case sends the same idempotency key, so the CRM can answer with the activity it
 * already made instead of making another.
 */
import { displayText } from '../../format';
import type { LogFacts } from './facts';

export const ENTRY_STATES = ['wrapUp', 'manual', 'waiting', 'sending', 'logged', 'failed'] as const;
export type EntryState = (typeof ENTRY_STATES)[number];
export type LogOp = 'create' | 'update' | 'find';

export interface OutboxEntry {
  sessionId: string;
  key: string;
  state: EntryState;
  facts: LogFacts;
  activityId?: string;
  /** Bumped each time the agent saves the note or tag; `sentRevision` is what the CRM has. */
  revision: number;
  sentRevision: number;
  /** What the send under way carries (its revision, its operation). */
  sending?: { revision: number; op: LogOp; since: number };
  /** A send's answer never came: the activity may exist. */
  ambiguous?: boolean;
  /** Failed attempts in a row (for the backoff). */
  attempts: number;
  /** When it is due (wrap-up end, backoff end). */
  nextAt: number;
  /** Why it failed, or why the last attempt did not land, in the CRM's words (clipped). */
  reason?: string;
  status?: number;
  createdAt: number;
  updatedAt: number;
}

export type LogWhen = 'end' | 'wrapUp' | 'manual';

export const BACKOFF_BASE_MS = 5_000;
export const BACKOFF_CAP_MS = 15 * 60_000;
/** While logged out of the CRM, one entry is tried this often (logging in resumes at once too). */
export const PAUSE_PROBE_MS = 60_000;
const MAX_REASON = 300;

/** Exponential backoff with full jitter, at least a second. */
export const logBackoff = (attempts: number, random: () => number) =>
  Math.max(1000, Math.floor(random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.min(attempts, 20))));

const clip = (text: string) => displayText(text, MAX_REASON);

export function newEntry(facts: LogFacts, when: LogWhen, wrapUpMs: number, now: number): OutboxEntry {
  const state: EntryState = when === 'manual' ? 'manual' : when === 'wrapUp' && wrapUpMs > 0 ? 'wrapUp' : 'waiting';
  return {
    sessionId: facts.callId,
    key: `popline-${facts.callId}`,
    state,
    facts,
    revision: 0,
    sentRevision: -1,
    attempts: 0,
    nextAt: state === 'wrapUp' ? now + wrapUpMs : now,
    createdAt: now,
    updatedAt: now,
  };
}

/** The operation an entry needs now, or null when the CRM has everything. */
export function pendingOp(entry: OutboxEntry, canFind: boolean, canUpdate: boolean): LogOp | null {
  if (!entry.activityId) return entry.ambiguous && canFind ? 'find' : 'create';
  return entry.sentRevision < entry.revision && canUpdate ? 'update' : null;
}

/** Whether the entry should be sent at `now` (the outbox not paused). */
export const isDue = (entry: OutboxEntry, now: number) =>
  (entry.state === 'waiting' || entry.state === 'wrapUp') && entry.nextAt <= now;

/** The agent saved the note or tag. During the wrap-up that ends it; once logged, it means an update. */
export function noteSaved(entry: OutboxEntry, now: number): OutboxEntry {
  const next = { ...entry, revision: entry.revision + 1, updatedAt: now };
  if (entry.state === 'wrapUp' || entry.state === 'logged') return { ...next, state: 'waiting', nextAt: now };
  return next;
}

/** The agent asked to log now (manual mode) or to try again (failed, or waiting on a backoff). */
export function retryNow(entry: OutboxEntry, now: number): OutboxEntry {
  if (entry.state === 'sending' || entry.state === 'logged') return entry;
  const { reason: _r, status: _s, ...rest } = entry;
  return { ...rest, state: 'waiting', attempts: 0, nextAt: now, updatedAt: now };
}

export function startSend(entry: OutboxEntry, op: LogOp, now: number): OutboxEntry {
  return { ...entry, state: 'sending', sending: { revision: entry.revision, op, since: now }, updatedAt: now };
}

/** At a worker's start: a send it was waiting for will never answer here. */
export function interrupted(entry: OutboxEntry, now: number): OutboxEntry {
  if (entry.state !== 'sending') return entry;
  const { sending, ...rest } = entry;
  return {
    ...rest,
    state: 'waiting',
    nextAt: now,
    ambiguous: entry.ambiguous || sending?.op === 'create',
    updatedAt: now,
  };
}

export type SendResult =
  /** 2xx; `activityId` from the answer (create), or the found one (find: undefined when none). */
  | { kind: 'ok'; activityId?: string }
  /** 401/403: the agent is logged out of the CRM (or the key is refused). */
  | { kind: 'auth'; status: number; reason: string }
  /** Another 4xx: the CRM refused this request; sending it again will not help. */
  | { kind: 'rejected'; status?: number; reason: string; landed?: boolean }
  /** 5xx, 408, 429, timeout, network error: try again later. `maybeSent`: the CRM may have acted. */
  | { kind: 'retry'; status?: number; reason: string; maybeSent: boolean }
  /** Nothing was sent: offline, or no CRM tab to send from. Not an attempt. */
  | { kind: 'notSent'; reason: string };

/** What an HTTP status means for a log request. */
export function classifyStatus(status: number): 'ok' | 'auth' | 'rejected' | 'retry' {
  if (status >= 200 && status < 300) return 'ok';
  if (status === 401 || status === 403) return 'auth';
  if (status === 408 || status === 425 || status === 429 || status >= 500) return 'retry';
  return 'rejected';
}

/** Applies a send's result. `random` is for the jitter. */
export function applyResult(entry: OutboxEntry, result: SendResult, now: number, random: () => number): OutboxEntry {
  const op = entry.sending?.op ?? 'create';
  const sentRevision = entry.sending?.revision ?? entry.revision;
  const { sending: _sending, reason: _reason, status: _status, ...base } = entry;
  const at = { ...base, updatedAt: now };
  switch (result.kind) {
    case 'ok': {
      if (op === 'find') {
        // Not found: the earlier attempt did not land, so create (with the same key).
        if (!result.activityId) return { ...at, state: 'waiting', ambiguous: false, nextAt: now };
        return settle({ ...at, activityId: result.activityId, ambiguous: false }, entry.sentRevision, now);
      }
      if (op === 'create' && !result.activityId) {
        return { ...at, state: 'failed', reason: 'the CRM answered without an activity id', ambiguous: false };
      }
      const activityId = op === 'create' ? result.activityId : entry.activityId;
      return settle({ ...at, ...(activityId ? { activityId } : {}), ambiguous: false }, sentRevision, now);
    }
    case 'auth':
      return {
        ...at,
        state: 'waiting',
        status: result.status,
        reason: clip(result.reason),
        nextAt: now + PAUSE_PROBE_MS,
      };
    case 'rejected':
      return {
        ...at,
        state: 'failed',
        ...(result.status !== undefined ? { status: result.status } : {}),
        reason: clip(result.reason) || `HTTP ${result.status ?? '?'}`,
        // A 2xx whose answer could not be read: the activity may exist, so "Retry" checks first.
        ambiguous: entry.ambiguous || (!!result.landed && op === 'create'),
      };
    case 'retry':
      return {
        ...at,
        state: 'waiting',
        ...(result.status !== undefined ? { status: result.status } : {}),
        reason: clip(result.reason),
        attempts: entry.attempts + 1,
        nextAt: now + logBackoff(entry.attempts, random),
        ambiguous: entry.ambiguous || (result.maybeSent && op === 'create'),
      };
    case 'notSent':
      return { ...at, state: 'waiting', reason: clip(result.reason), nextAt: now + logBackoff(entry.attempts, random) };
  }
}

/** After a landed request: logged, or (the note changed meanwhile) waiting for its update. */
function settle(entry: OutboxEntry, sentRevision: number, now: number): OutboxEntry {
  const next = { ...entry, sentRevision, attempts: 0 };
  return next.sentRevision < next.revision
    ? { ...next, state: 'waiting', nextAt: now }
    : { ...next, state: 'logged', nextAt: now };
}

/** The earliest time an entry is due, or undefined when none waits. */
export function nextDue(entries: Iterable<OutboxEntry>): number | undefined {
  let next: number | undefined;
  for (const entry of entries) {
    if (entry.state !== 'waiting' && entry.state !== 'wrapUp') continue;
    next = next === undefined ? entry.nextAt : Math.min(next, entry.nextAt);
  }
  return next;
}

/** What the history shows for a call. */
export interface CrmLogView {
  state: 'logged' | 'waiting' | 'wrapUp' | 'manual' | 'failed';
  /** failed: the CRM's reason; waiting: why the last attempt did not land. */
  reason?: string;
  /** waiting while the outbox is paused: the agent must log in to the CRM. */
  paused?: boolean;
  dueAt?: number;
  canOpen: boolean;
}

export function viewOf(entry: OutboxEntry, paused: boolean, canOpen: boolean): CrmLogView {
  const state = entry.state === 'sending' ? 'waiting' : entry.state;
  return {
    state,
    ...(entry.reason && state !== 'logged' ? { reason: entry.reason } : {}),
    ...(paused && state === 'waiting' ? { paused: true } : {}),
    ...(state === 'waiting' || state === 'wrapUp' ? { dueAt: entry.nextAt } : {}),
    canOpen,
  };
}

/**
 * A call's log as its card shows it (docs/crm.md, wrap-up): during the wrap-up the countdown and
 * the note form, then logged, waiting or failed (with the CRM's reason, untrusted text).
 */
export interface CardCrmLog {
  state: 'wrapUp' | 'waiting' | 'logged' | 'failed' | 'manual';
  /** wrapUp: when the call is logged without a save (ms since 1970). */
  dueAt?: number;
  /** When the card's log reached this state: an ended card fades from then (not from the call's end). */
  since: number;
  /** failed: the CRM's reason; waiting: why the last attempt did not land. */
  reason?: string;
  /** waiting while the CRM refuses PopLine: the agent must log in to the CRM again. */
  paused?: boolean;
}

/** What the card shows of an entry; `previous` keeps `since` while the state stays the same (a retry). */
export function cardLogOf(
  entry: OutboxEntry,
  paused: boolean,
  previous: CardCrmLog | undefined,
  now: number,
): CardCrmLog {
  const state = entry.state === 'sending' ? 'waiting' : entry.state;
  return {
    state,
    since: previous?.state === state ? previous.since : now,
    ...(state === 'wrapUp' ? { dueAt: entry.nextAt } : {}),
    ...(entry.reason && (state === 'failed' || state === 'waiting') ? { reason: entry.reason } : {}),
    ...(paused && state === 'waiting' ? { paused: true } : {}),
  };
}

/** The card a wrap-up is about to start for (before its outbox entry is on disk). */
export const wrapUpStarting = (now: number, wrapUpMs: number): CardCrmLog => ({
  state: 'wrapUp',
  since: now,
  dueAt: now + wrapUpMs,
});

export const sameCardLog = (a: CardCrmLog | undefined, b: CardCrmLog | undefined): boolean =>
  JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** A card whose log waits for the wrap-up or failed stays until the agent closes it (or the log moves on). */
export const logHoldsCard = (log: CardCrmLog | undefined): boolean =>
  log?.state === 'wrapUp' || log?.state === 'failed';

/** When an ended card's fade time starts: the call's end, or later, when its log last changed. */
export const fadeStart = (endedAt: number, log: CardCrmLog | undefined): number => Math.max(endedAt, log?.since ?? 0);
