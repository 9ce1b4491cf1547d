/**
 * The phone axis of presence (docs/protocol.md, "Team"), derived from the calls a server sees:
 * one answered call makes the extension busy whatever else rings; held only when every answered
 * call is held; ringing while a call is being set up or rings; idle otherwise.
 */
import { normaliseState } from './calls/state';
import type { PhoneState } from './protocol';

export function phoneAxis(states: readonly unknown[], connected: boolean): PhoneState {
  let held = false;
  let ringing = false;
  for (const state of states) {
    const { phase } = normaliseState(state);
    if (phase === 'connected' || phase === 'transferring') return 'inCall';
    if (phase === 'held') held = true;
    else if (phase === 'setup' || phase === 'ringing') ringing = true;
  }
  if (held) return 'onHold';
  if (ringing) return 'ringing';
  return connected ? 'idle' : 'offline';
}
