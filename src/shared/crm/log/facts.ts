/**
 * What a call's activity says: the facts kept in the outbox entry when the call ended (the
 * number's forms, times, outcome, agent, the looked-up record) plus the note and tag the
 * agent saved, which are read fresh at each send so an edit is what lands.
 */
import { MAX_DISPOSITION, MAX_NOTE } from '../../history/noteLimits';
import type { LogValues } from './template';

export interface LogFacts {
  callId: string;
  direction: 'inbound' | 'outbound' | 'internal';
  number: string;
  e164: string;
  e164digits: string;
  national: string;
  digits: string;
  name: string;
  startedAt: number;
  endedAt: number;
  talkSeconds: number;
  outcome: string;
  extension: string;
  agentName: string;
  recordingUrl: string;
  recordId: string;
  /** The looked-up record's address, for "Open in CRM" when no activity address is set. */
  recordUrl?: string;
}

export interface LogNote {
  note: string;
  tag: string;
}

const clock = (seconds: number) => `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
const iso = (ms: number) => new Date(ms).toISOString();

/** The idempotency key of a call: the same for every attempt, different for every call. */
export const idempotencyKey = (callId: string) => `popline-${callId}`;

export function logValues(facts: LogFacts, note: LogNote, activityId?: string): LogValues {
  const seconds = Math.max(0, Math.round(facts.talkSeconds));
  return {
    number: facts.number,
    e164: facts.e164,
    e164digits: facts.e164digits,
    national: facts.national,
    digits: facts.digits,
    name: facts.name,
    direction: facts.direction,
    start: iso(facts.startedAt),
    end: iso(facts.endedAt),
    duration: String(seconds),
    durationMs: String(seconds * 1000),
    durationClock: clock(seconds),
    outcome: facts.outcome,
    note: note.note.slice(0, MAX_NOTE),
    tag: note.tag.slice(0, MAX_DISPOSITION),
    extension: facts.extension,
    agentName: facts.agentName,
    recordingUrl: facts.recordingUrl,
    recordId: facts.recordId,
    callId: facts.callId,
    idempotencyKey: idempotencyKey(facts.callId),
    ...(activityId ? { activityId } : {}),
  };
}
