/**
 * The call history record: one per call, keyed by session id, built from the live `Call` as it
 * progresses or from an entry of the PBX's own history. Pure: the IndexedDB store is in
 * background/history/. The record carries its own search keys (see historySearch.ts) so the
 * store can index them. Everything read back is validated with `recordGuard`: a stored record
 * that fails is skipped and reported, never trusted.
 */

import { type Call, type Direction, type FollowRules, isFollowed } from '../calls';
import { END_REASONS, type EndReason, endReason, normaliseState } from '../calls/state';
import { arrayOf, check, type Guarded, num, obj, oneOf, optional, str } from '../guard';
import type { Failure } from '../outcome';
import { sameNumber } from '../phone/numbers';
import type { HistoryEntry } from '../protocol';
import { MAX_DISPOSITION, MAX_NOTE } from './noteLimits';
import { e164Of, nameKeys, numberKeys } from './search';

export const DIRECTIONS = ['inbound', 'outbound', 'internal'] as const satisfies readonly Direction[];
export const SOURCES = ['live', 'pbx'] as const;
export type HistorySource = (typeof SOURCES)[number];
export { MAX_DISPOSITION, MAX_NOTE };

const MAX_TEXT = 1024;

const time = num({ min: 0, max: 8.64e15 });
const crmRecordGuard = obj({ url: str(2048, { min: 1 }), title: optional(str(256)) });

/** The shape of a stored record; unknown fields are dropped on read. */
export const recordGuard = obj({
  sessionId: str(MAX_TEXT, { min: 1 }),
  source: oneOf(SOURCES),
  direction: oneOf(DIRECTIONS),
  /** The other party's number as received. */
  number: str(MAX_TEXT),
  e164: optional(str(32)),
  name: optional(str(MAX_TEXT)),
  /** The agent-side number the call concerned. */
  localNumber: optional(str(MAX_TEXT)),
  startedAt: time,
  answeredAt: optional(time),
  endedAt: optional(time),
  /** Set once the call is over; absent while it is in progress. */
  outcome: optional(oneOf(END_REASONS)),
  talkSeconds: optional(num({ min: 0 })),
  note: optional(str(MAX_NOTE)),
  disposition: optional(str(MAX_DISPOSITION)),
  /** The CRM record opened for this call, if any. */
  crmRecord: optional(crmRecordGuard),
  updatedAt: time,
  /** Search keys (historySearch.ts): the number's terms and the folded words of the name. */
  numberKeys: arrayOf(str(64), { max: 64 }),
  nameWords: arrayOf(str(64), { max: 64 }),
});
export type HistoryRecord = Guarded<typeof recordGuard>;
export type CrmRecordLink = Guarded<typeof crmRecordGuard>;

export const validateRecord = (value: unknown) => check(recordGuard, value);

/** Fills in the search keys from the number and name. */
export function withKeys(record: Omit<HistoryRecord, 'numberKeys' | 'nameWords'>): HistoryRecord {
  return {
    ...record,
    numberKeys: numberKeys(record.number, record.e164),
    nameWords: nameKeys(record.name, record.number),
  };
}

const talkSeconds = (answeredAt: number | undefined, endedAt: number | undefined) =>
  answeredAt !== undefined && endedAt !== undefined
    ? Math.max(0, Math.round((endedAt - answeredAt) / 1000))
    : undefined;

/** Drops undefined fields, so stored records and the guard agree. */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** The record of a live call, as it is now. */
export function recordFromCall(call: Call, country: string, now: number): HistoryRecord {
  const ended = call.endedAt !== undefined;
  return withKeys(
    defined({
      sessionId: call.sessionId,
      source: 'live' as const,
      direction: call.direction,
      number: call.remoteNumber,
      e164: e164Of(call.remoteNumber, country),
      name: call.remoteName,
      localNumber: call.localNumber,
      startedAt: call.startedAt,
      answeredAt: call.answeredAt,
      endedAt: call.endedAt,
      outcome: ended ? (call.endReason ?? (call.wasConnected ? 'answered' : 'missed')) : undefined,
      talkSeconds: ended ? (talkSeconds(call.answeredAt, call.endedAt) ?? 0) : undefined,
      updatedAt: now,
    }),
  );
}

/**
 * A newer write of the same call over the stored record. What happened stays: answer and end
 * times and the outcome, once written, are final; notes, disposition and the CRM record belong
 * to the agent and are never overwritten by the call's progress.
 */
export function mergeRecord(old: HistoryRecord | undefined, next: HistoryRecord): HistoryRecord {
  if (!old) return next;
  const final = old.outcome !== undefined;
  return withKeys(
    defined({
      ...old,
      direction: next.direction,
      number: next.number || old.number,
      e164: next.e164 ?? old.e164,
      name: next.name ?? old.name,
      localNumber: next.localNumber ?? old.localNumber,
      source: old.source === 'live' || next.source === 'live' ? ('live' as const) : ('pbx' as const),
      startedAt: Math.min(old.startedAt, next.startedAt),
      answeredAt: old.answeredAt ?? next.answeredAt,
      endedAt: old.endedAt ?? next.endedAt,
      outcome: old.outcome ?? next.outcome,
      talkSeconds: final
        ? old.talkSeconds
        : (talkSeconds(old.answeredAt ?? next.answeredAt, old.endedAt ?? next.endedAt) ?? next.talkSeconds),
      crmRecord: old.crmRecord ?? next.crmRecord,
      updatedAt: Math.max(old.updatedAt, next.updatedAt),
    }),
  );
}

/** Which way a PBX history entry went, by the same rules as live calls (calls.ts). */
function entryDirection(entry: HistoryEntry, rules: FollowRules): { direction: Direction; outbound: boolean } {
  const mine = [rules.extension, ...rules.extraNumbers].filter(Boolean);
  const callerMine = mine.some((n) => sameNumber(entry.caller, n));
  const calleeMine = mine.some((n) => sameNumber(entry.callee, n));
  const declared = (entry.direction ?? '').toLowerCase();
  const internal = declared === 'internal';
  if (callerMine && calleeMine) return { direction: 'internal', outbound: true };
  if (calleeMine) return { direction: internal ? 'internal' : 'inbound', outbound: false };
  if (callerMine) return { direction: internal ? 'internal' : 'outbound', outbound: true };
  if (declared === 'outbound') return { direction: 'outbound', outbound: true };
  return { direction: internal ? 'internal' : 'inbound', outbound: false };
}

/** Why a PBX history entry was not imported, or the record it becomes. */
export type Imported = { ok: true; record: HistoryRecord } | { ok: false; reason: string };

/**
 * A record from an entry of the PBX's own history (`getCallHistory`). The same direction rules
 * as live calls: the agent's side is the followed number; the entry says nothing of ringing
 * time, so only the talk time and the outcome are known.
 */
export function recordFromEntry(entry: HistoryEntry, rules: FollowRules, country: string, now: number): Imported {
  const startedAt = Date.parse(entry.startTime);
  if (!Number.isFinite(startedAt) || startedAt > now + 86_400_000 || startedAt < 0) {
    return { ok: false, reason: `bad start time ${JSON.stringify(entry.startTime.slice(0, 40))}` };
  }
  if (!isFollowed(entry, rules)) return { ok: false, reason: 'not a call of this agent' };
  const { direction, outbound } = entryDirection(entry, rules);
  const { cause } = normaliseState(entry.state);
  const talk = entry.talkDuration;
  const wasConnected = talk !== undefined ? talk > 0 : cause === 'completed' || cause === 'transferred';
  const outcome: EndReason = endReason(cause, { wasConnected, inbound: !outbound });
  const number = outbound ? entry.callee : entry.caller;
  const record = withKeys(
    defined({
      sessionId: entry.sessionId,
      source: 'pbx' as const,
      direction,
      number,
      e164: e164Of(number, country),
      name: outbound ? entry.calleeDisplayName : entry.callerDisplayName,
      localNumber: outbound ? entry.caller : entry.callee,
      startedAt,
      outcome,
      talkSeconds: talk !== undefined ? Math.round(talk) : 0,
      updatedAt: now,
    }),
  );
  const valid = validateRecord(record);
  return valid.ok ? { ok: true, record: valid.value } : { ok: false, reason: valid.error };
}

/** A call as the popup and the card list it: the record without its search keys. */
export interface HistoryView extends Omit<HistoryRecord, 'numberKeys' | 'nameWords'> {
  /** The number formatted for the agent's country. */
  numberDisplay: string;
}

export const HISTORY_KINDS = ['recent', 'missed', 'search'] as const;
export const MAX_PAGE_SIZE = 200;

const boundTime = optional(time);

/** `historyQuery`: the newest first, one page at a time. */
export const historyQueryGuard = obj({
  /** recent: every call; missed: missed calls only; search: `text` as a number or a name. */
  kind: oneOf(HISTORY_KINDS),
  /** A number in any format (or part of one: at least 3 digits), or the start of any word of a name. */
  text: optional(str(200)),
  /** Start time range, milliseconds since 1970, inclusive. */
  from: boundTime,
  to: boundTime,
  /** 0-based. */
  page: optional(num({ min: 0, max: 10_000, integer: true })),
  /** Default 50. */
  pageSize: optional(num({ min: 1, max: MAX_PAGE_SIZE, integer: true })),
});
export type HistoryQuery = Guarded<typeof historyQueryGuard>;

export interface HistoryPage {
  records: HistoryView[];
  page: number;
  pageSize: number;
  hasMore: boolean;
  /** Stored records that failed validation and were left out (they are reported in the log). */
  skipped: number;
  /** A search matched more calls than are looked at: narrow it down. */
  truncated?: boolean;
  /** The last storage problem, in words (e.g. the disk is full), until a write succeeds again. */
  problem?: string;
}

export const historyNoteGuard = obj({
  sessionId: str(MAX_TEXT, { min: 1 }),
  /** The whole note; an empty string removes it. Absent: left as it is. */
  note: optional(str(MAX_NOTE)),
  /** A short tag such as "sale" or "callback"; an empty string removes it. */
  disposition: optional(str(MAX_DISPOSITION)),
});
export type HistoryNote = Guarded<typeof historyNoteGuard>;

export const historyPreviousGuard = obj({
  sessionId: str(MAX_TEXT, { min: 1 }),
  limit: optional(num({ min: 1, max: 20, integer: true })),
});

export const historyRangeGuard = obj({ from: boundTime, to: boundTime });

export const historyImportGuard = obj({
  /** How many of the PBX's newest calls to look at (default 1000, at most 20,000). */
  limit: optional(num({ min: 1, max: 20_000, integer: true })),
});

export type HistoryResult<T> = ({ ok: true } & T) | { ok: false; code: Failure; message: string };

export interface ImportSummary {
  /** New calls added. */
  added: number;
  /** Calls already in the history (live or imported before): left as they were. */
  existing: number;
  /** Entries that were not valid or not the agent's, with the first few reasons. */
  rejected: number;
  reasons: string[];
  /** How many calls the PBX has in all. */
  total: number;
}
