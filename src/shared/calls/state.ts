/**
 * Normalises every Ozeki session-state vocabulary (.NET names, JavaScript API names, HTTP API
 * names and the .NET enum's integers 0..21) to six phases. The table is the one in
 * docs/pbx-facts.md. Names compare case-insensitively, ignoring `_`, `-` and spaces.
 */
export const CALL_PHASES = ['setup', 'ringing', 'connected', 'held', 'transferring', 'ended'] as const;
export type CallPhase = (typeof CALL_PHASES)[number];

/** Why a call ended, as the PBX said it (before we know whether the agent ever talked). */
export type EndCause =
  | 'completed'
  | 'transferred'
  | 'redirected'
  | 'transferFailed'
  | 'notFound'
  | 'busy'
  | 'cancelled'
  | 'notAnswered'
  | 'rejected'
  | 'error';

/** The outcome shown to the agent and stored in history. */
export const END_REASONS = ['answered', 'missed', 'unanswered', 'rejected', 'busy', 'failed'] as const;
export type EndReason = (typeof END_REASONS)[number];

export interface NormalisedState {
  /** null when the state is not one we know: the caller keeps the previous phase. */
  phase: CallPhase | null;
  cause?: EndCause;
  /** The state exactly as received, for display when unknown. */
  raw: string;
}

type Entry = [phase: CallPhase, cause?: EndCause];

/** .NET SessionState enum, by integer value. */
const DOTNET_ENUM: readonly string[] = [
  'Created',
  'Setup',
  'TransferSetup',
  'Ringing',
  'InCall',
  'CalleeOnHold',
  'CallerOnHold',
  'OnHold',
  'OnHoldInactive',
  'TransferRequested',
  'Transferring',
  'TransferCompleted',
  'TransferFailed',
  'CallerHungUp',
  'CalleeHungUp',
  'Redirected',
  'NotFound',
  'Busy',
  'Cancelled',
  'NotAnswered',
  'Error',
  'Aborted',
];

const TABLE: Record<string, Entry> = {
  created: ['setup'],
  setup: ['setup'],
  transfersetup: ['setup'],
  calling: ['setup'],
  ringing: ['ringing'],
  incall: ['connected'],
  answered: ['connected'],
  calleeonhold: ['held'],
  calleronhold: ['held'],
  onhold: ['held'],
  onholdinactive: ['held'],
  hold: ['held'],
  transferrequested: ['transferring'],
  transferring: ['transferring'],
  transfercompleted: ['ended', 'transferred'],
  callerhungup: ['ended', 'completed'],
  calleehungup: ['ended', 'completed'],
  redirected: ['ended', 'redirected'],
  completed: ['ended', 'completed'],
  transferred: ['ended', 'transferred'],
  transferfailed: ['ended', 'transferFailed'],
  notfound: ['ended', 'notFound'],
  busy: ['ended', 'busy'],
  cancelled: ['ended', 'cancelled'],
  canceled: ['ended', 'cancelled'],
  notanswered: ['ended', 'notAnswered'],
  noanswer: ['ended', 'notAnswered'],
  rejected: ['ended', 'rejected'],
  error: ['ended', 'error'],
  aborted: ['ended', 'error'],
};

const canonical = (name: string) => name.replace(/[\s_-]/g, '').toLowerCase();

export function normaliseState(state: unknown): NormalisedState {
  const raw = typeof state === 'number' ? String(state) : typeof state === 'string' ? state : '';
  let name = typeof state === 'string' ? state.trim() : '';
  if (typeof state === 'number' || /^\d{1,2}$/.test(name)) {
    const index = Number(state);
    name = Number.isInteger(index) ? (DOTNET_ENUM[index] ?? '') : '';
  }
  const entry = TABLE[canonical(name)];
  if (!entry) return { phase: null, raw };
  return entry[1] ? { phase: entry[0], cause: entry[1], raw } : { phase: entry[0], raw };
}

/**
 * The outcome of an ended call. The rule from the PBX facts: a call that ended without ever
 * being connected while it rang for the agent is a missed call.
 */
export function endReason(cause: EndCause | undefined, call: { wasConnected: boolean; inbound: boolean }): EndReason {
  if (cause === 'busy') return 'busy';
  if (cause === 'rejected') return 'rejected';
  if (call.wasConnected) return 'answered';
  if (cause === 'notFound' || cause === 'error' || cause === 'transferFailed') return 'failed';
  return call.inbound ? 'missed' : 'unanswered';
}
