/**
 * What the PopLine scenario (bridge/voximplant/popline.voxengine.js) posts, and how each request turns
 * into the generic webhook's events (sources/webhook/events.ts), so that ordering, merging and the
 * lifecycle are the webhook's, not a second copy. One Voximplant session is one scenario run; each agent
 * leg of it (the first agent, then each transfer) is one PopLine call, `vx-<session>-<leg>`.
 */
import {
  anyOf,
  clippedStr,
  type Guarded,
  num,
  obj,
  oneOf,
  optional,
  str,
  stringMap,
} from '../../../../src/shared/guard';
import { LIMITS } from '../../../../src/shared/protocol';
import type { OUTCOMES, Tracked, WebhookEvent } from '../webhook/events';

export const VOX_EVENTS = [
  'alerting',
  'dialing',
  'ringing',
  'connected',
  'hold',
  'unhold',
  'record',
  'transfer',
  'transferred',
  'failed',
  'disconnected',
  'terminating',
] as const;
export type VoxEventName = (typeof VOX_EVENTS)[number];

const text = str(LIMITS.string);
const isoTime = (value: unknown, path = '') => {
  const time = str(64)(value, path);
  if (!Number.isFinite(Date.parse(time))) throw new Error(`${path}: not an ISO 8601 time`);
  return time;
};

export const voxRequestGuard = obj({
  v: num({ min: 1, max: 1, integer: true }),
  session: str(32, { min: 1 }),
  seq: num({ min: 1, max: Number.MAX_SAFE_INTEGER, integer: true }),
  event: oneOf(VOX_EVENTS),
  time: isoTime,
  control: optional(str(2048)),
  leg: optional(num({ min: 1, max: 100, integer: true })),
  call: optional(
    obj({
      callerid: text,
      displayName: optional(clippedStr(LIMITS.displayName)),
      destination: text,
      fromURI: optional(text),
      toURI: optional(text),
      headers: optional(stringMap(32, 1024)),
      customData: optional(str(1024)),
    }),
  ),
  dial: optional(obj({ extension: str(64, { min: 1 }), number: text, request: optional(str(64)) })),
  code: optional(num({ integer: true })),
  reason: optional(str(256)),
  duration: optional(num({ min: 0 })),
  by: optional(oneOf(['customer', 'agent', 'control'] as const)),
  party: optional(str(32)),
  url: optional(str(2048)),
  from: optional(num({ min: 1, max: 100, integer: true })),
  to: optional(anyOf<string | number>(text, num({ integer: true }))),
  extension: optional(str(64)),
});
export type VoxRequest = Guarded<typeof voxRequestGuard>;

/** SIP final codes of CallEvents.Failed, as PopLine end reasons. */
export function failedOutcome(code: number | undefined): (typeof OUTCOMES)[number] {
  switch (code) {
    case 486:
    case 600:
      return 'busy';
    case 408:
    case 480:
      return 'noanswer';
    case 603:
    case 403:
      return 'rejected';
    case 487:
      return 'cancelled';
    default:
      return 'failed';
  }
}

/** What the bridge knows of one Voximplant session beyond its legs' calls. */
export interface VoxMeta {
  session: string;
  control?: string;
  direction: 'Inbound' | 'Outbound';
  caller: string;
  callerName?: string;
  /** The PopLine extension (inbound) or the customer's number (outbound) of each leg. */
  callees: Record<number, string>;
  dialed?: string;
  customData?: Record<string, string>;
  /** Epoch ms of the last request: sessions idle for long are forgotten. */
  seenAt: number;
}

export const callIdOf = (session: string, leg: number) => `vx-${session}-${leg}`;

/** The call's custom data: the X- headers, the SIP URIs and the caller's customData, as strings. */
export function customDataOf(call: NonNullable<VoxRequest['call']>): Record<string, string> {
  const data: Record<string, string> = { ...(call.headers ?? {}) };
  if (call.fromURI) data.fromURI = call.fromURI;
  if (call.toURI) data.toURI = call.toURI;
  if (call.customData) data.customData = call.customData;
  return data;
}

/**
 * The webhook event that a request means for `leg`, or null when it means nothing for it.
 * `known` is the leg's call as tracked (to tell an answered call from one still ringing).
 */
export function toEvent(
  request: VoxRequest,
  meta: VoxMeta,
  leg: number,
  known: Tracked | undefined,
): WebhookEvent | null {
  const base: WebhookEvent = {
    callId: callIdOf(meta.session, leg),
    event: 'update',
    seq: request.seq,
    time: request.time,
    caller: meta.caller,
    callee: meta.callees[leg] ?? meta.callees[1] ?? '',
    direction: meta.direction,
    ...(meta.callerName ? { callerName: meta.callerName } : {}),
    ...(meta.dialed ? { dialedNumber: meta.dialed } : {}),
  };
  const connected = known?.connectedAt !== undefined || known?.session.state === 'InCall';
  const hungUpBy = (by: VoxRequest['by']) => {
    const customer = by === 'customer';
    return meta.direction === 'Inbound'
      ? customer
        ? 'CallerHungUp'
        : 'CalleeHungUp'
      : customer
        ? 'CalleeHungUp'
        : 'CallerHungUp';
  };
  switch (request.event) {
    case 'alerting':
      return { ...base, event: 'ringing', ...(meta.customData ? { customData: meta.customData } : {}) };
    case 'dialing':
      return { ...base, event: 'dialing' };
    case 'ringing':
      return { ...base, event: 'ringing' };
    case 'transfer':
      return { ...base, event: 'ringing', masterCallId: callIdOf(meta.session, request.from ?? 1) };
    case 'connected':
      return { ...base, event: 'connected' };
    case 'hold':
      return { ...base, event: 'held' };
    case 'unhold':
      return { ...base, event: 'resumed' };
    case 'record':
      return request.url ? { ...base, customData: { recording: request.url } } : null;
    case 'transferred':
      return { ...base, event: 'ended', outcome: 'transferred' };
    case 'failed':
      return { ...base, event: 'ended', outcome: failedOutcome(request.code) };
    case 'disconnected':
      if (!connected) return { ...base, event: 'ended', outcome: 'cancelled' };
      return {
        ...base,
        event: 'ended',
        outcome: 'hungup',
        state: hungUpBy(request.by),
        ...(request.duration !== undefined ? { talkDuration: request.duration } : {}),
      };
    case 'terminating':
      // A leg still open when the session ends lost its last event: end it with what is known.
      return { ...base, event: 'ended', outcome: connected ? 'hungup' : 'cancelled' };
    default:
      return null;
  }
}
