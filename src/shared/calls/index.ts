/**
 * The agent's view of calls and the pure reducer that applies CTI events to it: seq
 * ordering, snapshot reconciliation, filtering to the followed numbers. The background
 * persists the resulting `CallBook` so a restarted worker continues exactly where it was.
 */

import { log } from '../log';
import { sameNumber } from '../phone/numbers';
import type { CtiSession, HistoryEntry } from '../protocol';
import type { Settings } from '../settings';
import { type CallPhase, type EndCause, type EndReason, endReason, normaliseState } from './state';

export type Direction = 'inbound' | 'outbound' | 'internal';

export interface Call {
  sessionId: string;
  masterSessionId?: string;
  phase: CallPhase;
  /** The state as the PBX last sent it; shown when it is not one we know. */
  rawState: string;
  stateKnown: boolean;
  direction: Direction;
  /** The other party, from the agent's side. */
  remoteNumber: string;
  remoteName?: string;
  /** The agent-side number the call concerns (an extension or a followed number). */
  localNumber: string;
  startedAt: number;
  answeredAt?: number;
  endedAt?: number;
  endReason?: EndReason;
  wasConnected: boolean;
  customData?: Record<string, string>;
  /** The last applied seq for this call. */
  seq: number;
  /** Ended because a snapshot no longer had it: the outcome is a guess until history confirms it. */
  reconciled?: boolean;
}

export interface CallBook {
  calls: Record<string, Call>;
  /** seq of the snapshot that started the current connection: older events are stale. */
  floor: number;
  /** Ended sessions (id → seq), so a late event never brings a call back. */
  closed: Record<string, number>;
  /** When we last heard from the PBX (local clock). */
  liveAt?: number;
  /** On a new connection: when we had last heard from the PBX before it, i.e. the gap's start. */
  gapSince?: number;
}

export interface FollowRules {
  extension: string;
  extraNumbers: readonly string[];
  monitorAll: boolean;
}

export type CallEvent =
  | { type: 'upsert'; seq: number; session: CtiSession }
  | { type: 'close'; seq: number; sessionId: string; state?: string | number }
  | { type: 'snapshot'; seq: number; sessions: CtiSession[]; fresh: boolean }
  /** Recent call history, asked for after a reconnect to learn what happened in the gap. */
  | { type: 'history'; entries: HistoryEntry[] };

export const emptyBook = (): CallBook => ({ calls: {}, floor: 0, closed: {} });

const MAX_TOMBSTONES = 2000;
/** Live calls kept at most (a hostile or runaway PBX): past it, the oldest ringing ones go. */
export const MAX_LIVE_CALLS = 500;

/**
 * Ids come from the PBX: `__proto__`, `constructor` or `toString` are ids like any other, so
 * lookups are own-property only and writes define a property (never set a prototype).
 */
const own = <T>(record: Record<string, T>, key: string): T | undefined =>
  Object.hasOwn(record, key) ? record[key] : undefined;
const put = <T>(record: Record<string, T>, key: string, value: T): void => {
  Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
};

/** Whose calls the agent follows: the settings, and monitoring all only when the token allows it. */
export function followRules(settings: Settings, monitorAllGranted: boolean): FollowRules {
  return {
    extension: settings.connection.extension,
    extraNumbers: settings.follow.extraNumbers,
    monitorAll: settings.follow.monitorAll && monitorAllGranted,
  };
}

export function isFollowed(session: Pick<CtiSession, 'caller' | 'callee'>, rules: FollowRules): boolean {
  if (rules.monitorAll) return true;
  const mine = [rules.extension, ...rules.extraNumbers].filter(Boolean);
  return mine.some((n) => sameNumber(session.caller, n) || sameNumber(session.callee, n));
}

function directionOf(session: CtiSession, rules: FollowRules): { direction: Direction; outbound: boolean } {
  const mine = [rules.extension, ...rules.extraNumbers].filter(Boolean);
  const callerMine = mine.some((n) => sameNumber(session.caller, n));
  const calleeMine = mine.some((n) => sameNumber(session.callee, n));
  const declared = (session.direction ?? '').toLowerCase();
  if (callerMine && calleeMine) return { direction: 'internal', outbound: true };
  if (calleeMine) return { direction: declared === 'internal' ? 'internal' : 'inbound', outbound: false };
  if (callerMine) return { direction: declared === 'internal' ? 'internal' : 'outbound', outbound: true };
  if (declared === 'outbound') return { direction: 'outbound', outbound: true };
  return { direction: declared === 'internal' ? 'internal' : 'inbound', outbound: false };
}

function parseTime(text: string, now: number): number {
  const ms = Date.parse(text);
  return Number.isFinite(ms) && ms <= now && ms > now - 86_400_000 ? ms : now;
}

/** Builds or updates a call from a session. `seenLive` is false for calls found in a snapshot. */
function toCall(
  prev: Call | undefined,
  session: CtiSession,
  seq: number,
  rules: FollowRules,
  now: number,
  seenLive: boolean,
): Call {
  const { direction, outbound } = prev
    ? { direction: prev.direction, outbound: prev.direction === 'outbound' }
    : directionOf(session, rules);
  const state = normaliseState(session.state);
  const phase = state.phase ?? prev?.phase ?? 'setup';
  const remoteNumber = outbound ? session.dialedNumber || session.callee : session.caller;
  const remoteName = outbound ? session.calleeDisplayName : session.callerDisplayName;
  const call: Call = {
    sessionId: session.sessionId,
    phase,
    rawState: state.raw,
    stateKnown: state.phase !== null,
    direction,
    remoteNumber,
    localNumber: outbound ? session.caller : session.callee,
    startedAt: prev?.startedAt ?? (seenLive ? now : parseTime(session.startTime, now)),
    wasConnected: (prev?.wasConnected ?? false) || phase === 'connected' || phase === 'held',
    seq,
  };
  if (session.masterSessionId) call.masterSessionId = session.masterSessionId;
  if (remoteName || prev?.remoteName) call.remoteName = remoteName || prev?.remoteName;
  if (session.customData) call.customData = session.customData;
  const answeredAt =
    prev?.answeredAt ??
    (call.wasConnected ? Math.max(call.startedAt, now - Math.round((session.talkDuration ?? 0) * 1000)) : undefined);
  if (answeredAt !== undefined) call.answeredAt = answeredAt;
  if (phase === 'ended') return finish(call, state.cause, now);
  return call;
}

function finish(call: Call, cause: EndCause | undefined, now: number): Call {
  if (call.endedAt !== undefined) return call;
  return {
    ...call,
    phase: 'ended',
    endedAt: now,
    endReason: endReason(cause, { wasConnected: call.wasConnected, inbound: call.direction !== 'outbound' }),
  };
}

function trimTombstones(closed: Record<string, number>): Record<string, number> {
  const ids = Object.keys(closed);
  if (ids.length <= MAX_TOMBSTONES) return closed;
  return Object.fromEntries(ids.slice(ids.length - MAX_TOMBSTONES).map((id) => [id, closed[id] as number]));
}

/** Drops the oldest ringing (or setting-up) calls past MAX_LIVE_CALLS; they stay closed. */
function capLive(book: CallBook): CallBook {
  const live = Object.values(book.calls).filter((call) => call.endedAt === undefined);
  const surplus = live.length - MAX_LIVE_CALLS;
  if (surplus <= 0) return book;
  const victims = live
    .filter((call) => call.phase === 'ringing' || call.phase === 'setup')
    .sort((a, b) => a.startedAt - b.startedAt || a.seq - b.seq)
    .slice(0, surplus);
  if (!victims.length) return book;
  log.warn(`more than ${MAX_LIVE_CALLS} live calls: dropped the ${victims.length} oldest ringing`);
  const calls = { ...book.calls };
  const closed = { ...book.closed };
  for (const call of victims) {
    delete calls[call.sessionId];
    put(closed, call.sessionId, call.seq);
  }
  return { ...book, calls, closed: trimTombstones(closed) };
}

export interface Applied {
  book: CallBook;
  /** Calls that changed (created, updated or ended). */
  changed: Call[];
  /** Why an event was ignored, when it was. */
  ignored?: 'stale' | 'closed' | 'not followed' | 'unknown session';
}

/** Applies one event. Pure: returns a new book, never mutates its input. */
export function applyEvent(book: CallBook, event: CallEvent, rules: FollowRules, now: number): Applied {
  const applied = dispatch(book, event, rules, now);
  if (applied.book === book) return applied;
  return { ...applied, book: capLive({ ...applied.book, liveAt: now }) };
}

function dispatch(book: CallBook, event: CallEvent, rules: FollowRules, now: number): Applied {
  switch (event.type) {
    case 'upsert':
      return upsert(book, event.session, event.seq, rules, now);
    case 'close':
      return close(book, event.sessionId, event.seq, event.state, now);
    case 'snapshot': {
      const applied = reconcile(book, event.sessions, event.seq, event.fresh, rules, now);
      if (!event.fresh) return applied;
      const gapSince = book.liveAt;
      return { ...applied, book: { ...applied.book, ...(gapSince === undefined ? {} : { gapSince }) } };
    }
    case 'history':
      return fillGap(book, event.entries, rules, now);
  }
}

function upsert(book: CallBook, session: CtiSession, seq: number, rules: FollowRules, now: number): Applied {
  const id = session.sessionId;
  const prev = own(book.calls, id);
  if (own(book.closed, id) !== undefined || prev?.endedAt !== undefined)
    return { book, changed: [], ignored: 'closed' };
  if (prev ? seq <= prev.seq : seq <= book.floor) return { book, changed: [], ignored: 'stale' };
  if (!prev && !isFollowed(session, rules)) return { book, changed: [], ignored: 'not followed' };
  const call = toCall(prev, session, seq, rules, now, true);
  const closed = call.endedAt !== undefined ? trimTombstones({ ...book.closed, [id]: seq }) : book.closed;
  return { book: { ...book, calls: { ...book.calls, [id]: call }, closed }, changed: [call] };
}

function close(book: CallBook, id: string, seq: number, state: string | number | undefined, now: number): Applied {
  const prev = own(book.calls, id);
  if (own(book.closed, id) !== undefined && prev?.endedAt !== undefined)
    return { book, changed: [], ignored: 'closed' };
  const closed = trimTombstones({ ...book.closed, [id]: seq });
  if (!prev) return { book: { ...book, closed }, changed: [], ignored: 'unknown session' };
  if (seq <= prev.seq) return { book, changed: [], ignored: 'stale' };
  const cause = state === undefined ? undefined : normaliseState(state).cause;
  const call = { ...finish(prev, cause, now), seq };
  return { book: { ...book, calls: { ...book.calls, [id]: call }, closed }, changed: [call] };
}

function reconcile(
  book: CallBook,
  sessions: CtiSession[],
  seq: number,
  fresh: boolean,
  rules: FollowRules,
  now: number,
): Applied {
  const calls = { ...book.calls };
  const closed = { ...book.closed };
  const changed: Call[] = [];
  const present = new Set<string>();
  for (const session of sessions) {
    const id = session.sessionId;
    present.add(id);
    const prev = own(calls, id);
    if (own(closed, id) !== undefined || prev?.endedAt !== undefined) continue;
    if (!prev && !isFollowed(session, rules)) continue;
    // A new connection may be a new server process whose seq restarted: its snapshot wins.
    if (prev && !fresh && seq <= prev.seq) continue;
    const call = toCall(prev, session, seq, rules, now, false);
    if (call.endedAt !== undefined) put(closed, id, seq);
    put(calls, id, call);
    changed.push(call);
  }
  for (const call of Object.values(book.calls)) {
    if (present.has(call.sessionId) || call.endedAt !== undefined) continue;
    if (!fresh && call.seq > seq) continue;
    const ended = { ...finish(call, undefined, now), seq: Math.max(call.seq, seq), reconciled: true };
    put(calls, call.sessionId, ended);
    put(closed, call.sessionId, ended.seq);
    changed.push(ended);
  }
  return { book: { calls, floor: fresh ? seq : Math.max(book.floor, seq), closed: trimTombstones(closed) }, changed };
}

/** How far back before a gap history may add calls we never saw (PBX and browser clocks differ). */
const GAP_MARGIN_MS = 10 * 60_000;

/**
 * What happened while we were not connected, from the PBX's history: calls that a snapshot
 * ended get their true outcome, and calls that began and ended entirely inside the gap
 * appear, ended, with theirs (a missed one stays on screen like any missed call). Calls we
 * saw live are never touched.
 */
function fillGap(book: CallBook, entries: HistoryEntry[], rules: FollowRules, now: number): Applied {
  const calls = { ...book.calls };
  const closed = { ...book.closed };
  const changed: Call[] = [];
  for (const entry of entries) {
    const known = own(calls, entry.sessionId);
    const state = normaliseState(entry.state);
    const talked = (entry.talkDuration ?? 0) > 0 || state.phase === 'connected' || state.phase === 'held';
    if (known?.reconciled) {
      const wasConnected = known.wasConnected || talked;
      const reason = endReason(state.cause, { wasConnected, inbound: known.direction !== 'outbound' });
      if (reason !== known.endReason || wasConnected !== known.wasConnected) {
        const { reconciled: _guess, ...confirmed } = known;
        const call = { ...confirmed, wasConnected, endReason: reason };
        put(calls, entry.sessionId, call);
        changed.push(call);
      }
      continue;
    }
    if (known || own(closed, entry.sessionId) !== undefined || book.gapSince === undefined) continue;
    if (!(Date.parse(entry.startTime) >= book.gapSince - GAP_MARGIN_MS) || !isFollowed(entry, rules)) continue;
    const seen = toCall(undefined, { ...entry, state: 'Setup' }, book.floor, rules, now, false);
    const call = finish({ ...seen, rawState: state.raw, wasConnected: talked }, state.cause ?? 'notAnswered', now);
    put(calls, entry.sessionId, call);
    put(closed, entry.sessionId, book.floor);
    changed.push(call);
  }
  if (!changed.length) return { book, changed };
  return { book: { ...book, calls, closed: trimTombstones(closed) }, changed };
}

/** Removes ended calls from the book once nobody needs them on screen. */
export function forgetCalls(book: CallBook, ids: readonly string[]): CallBook {
  if (!ids.length) return book;
  const calls = { ...book.calls };
  for (const id of ids) delete calls[id];
  return { ...book, calls };
}

export const isActive = (call: Call) => call.endedAt === undefined;
