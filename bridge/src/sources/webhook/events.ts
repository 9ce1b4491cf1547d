/**
 * The generic webhook's event format (docs/bridge.md, "Webhook format"): validation, and how an event
 * turns a call's session into the next one. Which of two events is newer is decided by the per-call
 * `seq` when both carry one, else by `time` (ties: the lifecycle's order), never by arrival.
 */
import {
  anyOf,
  arrayOf,
  clippedStr,
  type Guarded,
  isRecord,
  num,
  obj,
  oneOf,
  optional,
  str,
  stringMap,
} from '../../../../src/shared/guard';
import { type CtiSession, LIMITS } from '../../../../src/shared/protocol';

export const EVENTS = ['dialing', 'ringing', 'connected', 'held', 'resumed', 'update', 'ended'] as const;
export const OUTCOMES = ['hungup', 'cancelled', 'noanswer', 'busy', 'rejected', 'failed', 'transferred'] as const;
export const MAX_EVENTS_PER_REQUEST = 100;

const text = str(LIMITS.string);
const isoTime = (value: unknown, path = '') => {
  const time = str(64)(value, path);
  if (!Number.isFinite(Date.parse(time))) throw new Error(`${path}: not an ISO 8601 time`);
  return time;
};

export const eventGuard = obj({
  callId: str(256, { min: 1 }),
  event: oneOf(EVENTS),
  seq: optional(num({ min: 0, max: Number.MAX_SAFE_INTEGER, integer: true })),
  time: optional(isoTime),
  caller: text,
  callee: text,
  callerName: optional(clippedStr(LIMITS.displayName)),
  calleeName: optional(clippedStr(LIMITS.displayName)),
  direction: optional(oneOf(['Inbound', 'Outbound', 'Internal', 'External'] as const)),
  dialedNumber: optional(text),
  masterCallId: optional(str(256)),
  customData: optional(stringMap()),
  outcome: optional(oneOf(OUTCOMES)),
  talkDuration: optional(num({ min: 0 })),
  state: optional(anyOf<string | number>(str(64, { min: 1 }), num({ integer: true }))),
});
export type WebhookEvent = Guarded<typeof eventGuard>;

/** The body: one event, or {"events":[...]} with up to MAX_EVENTS_PER_REQUEST. All valid, or none applied. */
export function parseBody(value: unknown): { ok: true; events: WebhookEvent[] } | { ok: false; reason: string } {
  const list = isRecord(value) && Array.isArray(value.events) ? value.events : [value];
  try {
    const events = arrayOf(eventGuard, { max: MAX_EVENTS_PER_REQUEST })(list, 'events');
    for (const [index, event] of events.entries()) {
      if (event.seq === undefined && event.time === undefined) {
        return { ok: false, reason: `events[${index}]: give seq or time, so that events are ordered` };
      }
    }
    return { ok: true, events };
  } catch (error) {
    const message = (error as Error).message;
    return {
      ok: false,
      reason: isRecord(value) && Array.isArray(value.events) ? message : message.replace(/^events\[0\]\.?/, ''),
    };
  }
}

/** Where an event stands in its call: seq, time (ms) and the lifecycle rank. */
export interface Order {
  seq?: number;
  time?: number;
  rank: number;
}

const RANK: Record<WebhookEvent['event'], number> = {
  dialing: 0,
  ringing: 1,
  connected: 2,
  held: 3,
  resumed: 3,
  update: 3,
  ended: 9,
};

export const orderOf = (event: WebhookEvent): Order => ({
  ...(event.seq !== undefined ? { seq: event.seq } : {}),
  ...(event.time !== undefined ? { time: Date.parse(event.time) } : {}),
  rank: RANK[event.event],
});

/** Whether `next` comes after `last` in the call's own order. */
export function isNewer(next: Order, last: Order): boolean {
  if (next.seq !== undefined && last.seq !== undefined) return next.seq > last.seq;
  if (next.time !== undefined && last.time !== undefined) {
    return next.time > last.time || (next.time === last.time && next.rank >= last.rank);
  }
  return true; // Neither tells: the sender mixed styles; documented as "send seq or time on every event".
}

const LIVE_STATE: Record<Exclude<WebhookEvent['event'], 'ended' | 'update'>, string> = {
  dialing: 'Setup',
  ringing: 'Ringing',
  connected: 'InCall',
  held: 'CallerOnHold',
  resumed: 'InCall',
};

const END_STATE: Record<(typeof OUTCOMES)[number], string> = {
  hungup: 'CallerHungUp',
  cancelled: 'Cancelled',
  noanswer: 'NotAnswered',
  busy: 'Busy',
  rejected: 'Rejected',
  failed: 'Error',
  transferred: 'TransferCompleted',
};

export interface Tracked {
  session: CtiSession;
  order: Order;
  /** Epoch ms when it was first connected (for talkDuration). */
  connectedAt?: number;
}

/** The call after `event`: fields the event carries replace, the rest are kept. */
export function applyEvent(previous: Tracked | undefined, event: WebhookEvent, now: number): Tracked {
  const at = event.time ? Date.parse(event.time) : now;
  const before = previous?.session;
  const session: CtiSession = {
    ...before,
    sessionId: event.callId,
    caller: event.caller,
    callee: event.callee,
    state: before?.state ?? 'Ringing',
    startTime: before?.startTime ?? new Date(at).toISOString(),
  };
  fill(session, event, true);
  let connectedAt = previous?.connectedAt;
  if (event.event === 'connected' && connectedAt === undefined) connectedAt = at;
  if (event.event === 'ended') {
    const outcome = event.outcome ?? (connectedAt !== undefined ? 'hungup' : 'cancelled');
    session.state = END_STATE[outcome];
  } else if (event.event !== 'update') session.state = LIVE_STATE[event.event];
  if (event.state !== undefined) session.state = event.state;
  const talk = event.talkDuration ?? (connectedAt !== undefined ? Math.max(0, (at - connectedAt) / 1000) : 0);
  session.talkDuration = talk;
  return { session, order: orderOf(event), ...(connectedAt !== undefined ? { connectedAt } : {}) };
}

/** A stale event still brings what the call lacks (a display name sent only with `ringing`). */
export function mergeStale(tracked: Tracked, event: WebhookEvent): boolean {
  const before = JSON.stringify(tracked.session);
  fill(tracked.session, event, false);
  if (event.event === 'connected' && tracked.connectedAt === undefined && event.time) {
    tracked.connectedAt = Date.parse(event.time);
  }
  const at = event.time ? Date.parse(event.time) : undefined;
  if (at !== undefined && at < Date.parse(tracked.session.startTime))
    tracked.session.startTime = new Date(at).toISOString();
  return JSON.stringify(tracked.session) !== before;
}

function fill(session: CtiSession, event: WebhookEvent, replace: boolean): void {
  const put = <K extends keyof CtiSession>(key: K, value: CtiSession[K] | undefined) => {
    if (value !== undefined && (replace || session[key] === undefined)) session[key] = value;
  };
  put('callerDisplayName', event.callerName);
  put('calleeDisplayName', event.calleeName);
  put('direction', event.direction);
  put('dialedNumber', event.dialedNumber);
  put('masterSessionId', event.masterCallId);
  if (!event.customData) return;
  const merged = replace
    ? { ...session.customData, ...event.customData }
    : { ...event.customData, ...session.customData };
  // The protocol allows 64 keys: a call fed many small updates keeps the first 64.
  session.customData = Object.fromEntries(Object.entries(merged).slice(0, 64));
}
