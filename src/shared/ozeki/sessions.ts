/**
 * One Ozeki call as the common session shape (`CtiSession`, shared/protocol.ts), so the
 * reducer, the routing and the cards work for the HTTP API exactly as for the CTI protocol.
 */
import { dialDigits, sameNumber } from '../phone/numbers';
import type { CtiSession, HistoryEntry } from '../protocol';
import type { OzekiCall, OzekiHistoryCall } from './parse';

/** A PBX clock ahead of ours by more than this is not believed: the start is estimated instead. */
const MAX_CLOCK_AHEAD_MS = 60_000;

/**
 * When the call started: the PBX's time when it is believable, else now minus the ring and talk
 * seconds (an Ozeki 10 time is zone-less, and a PBX in another zone would put it hours off).
 */
export function startOf(call: Pick<OzekiCall, 'startTime' | 'ringSeconds' | 'talkSeconds'>, now: number): number {
  const estimate = now - Math.round(((call.ringSeconds ?? 0) + (call.talkSeconds ?? 0)) * 1000);
  const { startTime } = call;
  if (startTime === undefined || startTime > now + MAX_CLOCK_AHEAD_MS) return estimate;
  return Math.min(startTime, now);
}

/** A CallerId worth showing as a name: present, and not just the caller's number again. */
function displayName(callerId: string | undefined, number: string): string | undefined {
  if (!callerId || sameNumber(callerId, number)) return undefined;
  return callerId;
}

export function toSession(call: OzekiCall, now: number): CtiSession {
  const session: CtiSession = {
    sessionId: call.callId,
    state: call.state,
    caller: call.source,
    callee: call.destination,
    startTime: new Date(startOf(call, now)).toISOString(),
  };
  const name = displayName(call.callerId, call.source);
  if (name) session.callerDisplayName = name;
  if (call.calleeDialed) session.dialedNumber = call.calleeDialed;
  if (call.talkSeconds !== undefined) session.talkDuration = call.talkSeconds;
  return session;
}

/** Whether a text is a phone number we could have dialed (digits, `+`, `*`, `#`, spaces, dashes). */
export const isDialable = (text: string | undefined): text is string =>
  !!text && /^[+\d][\d\s()./*#-]{0,63}$/.test(text.trim()) && dialDigits(text) !== '';

export function toHistoryEntry(call: OzekiHistoryCall): HistoryEntry {
  const entry: HistoryEntry = {
    sessionId: call.callId,
    startTime: call.startTime !== undefined ? new Date(call.startTime).toISOString() : '',
    caller: call.source,
    callee: call.destination,
    state: call.state,
  };
  if (call.direction) entry.direction = call.direction;
  const name = displayName(call.callerId, call.source);
  if (name) entry.callerDisplayName = name;
  if (call.talkSeconds !== undefined) entry.talkDuration = call.talkSeconds;
  return entry;
}
