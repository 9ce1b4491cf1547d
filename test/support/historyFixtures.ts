/** Calls and stores for the call history tests. */
import type { Call } from '../../src/shared/calls';

export const T0 = Date.parse('2025-03-10T09:00:00Z');

export function makeCall(patch: Partial<Call> = {}): Call {
  return {
    sessionId: 's1',
    phase: 'ringing',
    rawState: 'Ringing',
    stateKnown: true,
    direction: 'inbound',
    remoteNumber: '+49 30 1234567',
    remoteName: 'Anna Schmidt',
    localNumber: '1001',
    startedAt: T0,
    wasConnected: false,
    seq: 1,
    ...patch,
  };
}

/** The same call answered at +3 s and ended at `+endAfter` ms. */
export const answered = (base: Call, endAfter = 60_000): Call => ({
  ...base,
  phase: 'ended',
  wasConnected: true,
  answeredAt: base.startedAt + 3000,
  endedAt: base.startedAt + endAfter,
  endReason: 'answered',
});

export const missed = (base: Call): Call => ({
  ...base,
  phase: 'ended',
  endedAt: base.startedAt + 20_000,
  endReason: 'missed',
});
