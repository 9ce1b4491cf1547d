/**
 * Presence of a colleague, on two axes kept apart as the PBXs keep them: the phone (from the
 * calls the server sees) and what the person set. One combined tone decides the colour; the words
 * always name both axes, so colour is never the only signal.
 */
import type { Availability, ClientState, PhoneState } from '../protocol';

/** The colour of a row: free to take a call, ringing, busy on the phone, away, do not disturb, offline. */
export type PresenceTone = 'free' | 'ringing' | 'busy' | 'away' | 'dnd' | 'offline';

export const PHONE_KEY: Record<PhoneState, string> = {
  idle: 'phoneIdle',
  ringing: 'phoneRinging',
  inCall: 'phoneInCall',
  onHold: 'phoneOnHold',
  offline: 'phoneOffline',
};
export const AVAILABILITY_KEY: Record<Availability, string> = {
  available: 'availabilityAvailable',
  away: 'availabilityAway',
  dnd: 'availabilityDnd',
};

/** What the person set, with an expiry that has passed counted as "available" (the server resets it too). */
export function effectiveAvailability(state: Pick<ClientState, 'availability' | 'until'>, now: number): Availability {
  if (state.availability === 'available' || !state.until) return state.availability;
  const until = Date.parse(state.until);
  return Number.isFinite(until) && until <= now ? 'available' : state.availability;
}

/**
 * The phone axis is the PBX's: a desk phone can be on a call while the person's client is offline
 * (`status`). So only the phone's "offline" makes the row offline; a client that is offline only
 * keeps the row from counting as free.
 */
export function presenceTone(state: ClientState | undefined, now: number): PresenceTone {
  if (!state || state.phone === 'offline') return 'offline';
  const availability = effectiveAvailability(state, now);
  if (availability === 'dnd') return 'dnd';
  if (state.phone === 'inCall' || state.phone === 'onHold') return 'busy';
  if (state.phone === 'ringing') return 'ringing';
  if (state.status === 'OFFLINE') return 'offline';
  return availability === 'away' ? 'away' : 'free';
}

/** Free to take a transfer: online, phone idle, and set to available. */
export const isFree = (state: ClientState | undefined, now: number): boolean => presenceTone(state, now) === 'free';

/** The i18n keys of both axes' words (the phone's, then the person's; none for the person when offline). */
export function presenceKeys(state: ClientState | undefined, now: number): { phone: string; availability?: string } {
  if (!state) return { phone: PHONE_KEY.offline };
  const availability = effectiveAvailability(state, now);
  // What the person set, while their client is online (or when it says more than "available").
  const said = state.status === 'ONLINE' || availability !== 'available';
  return { phone: PHONE_KEY[state.phone], ...(said ? { availability: AVAILABILITY_KEY[availability] } : {}) };
}
