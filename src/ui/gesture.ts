/**
 * Only a real user gesture dials. A page can dispatch synthetic clicks and key presses, script
 * a selection and post messages, but the events it makes are never `isTrusted`, and it cannot
 * give the window transient user activation. The evidence sent to the background is the
 * event's own time on the wall clock; the background accepts each gesture once, while fresh.
 */
import type { Gesture } from '../shared/dial/messages';

type ActivationNavigator = Navigator & { userActivation?: { isActive: boolean } };

/** The evidence of a trusted gesture, or null for an event the page made. */
export function gestureOf(event: Pick<Event, 'isTrusted' | 'timeStamp' | 'type'>): Gesture | null {
  if (!event.isTrusted) return null;
  const activation = (navigator as ActivationNavigator).userActivation;
  if (activation && !activation.isActive) return null;
  // The event's age on the monotonic clock, subtracted from the wall clock the background reads.
  const age = Math.max(0, performance.now() - event.timeStamp);
  return { at: Math.round(Date.now() - age), kind: event.type.startsWith('key') ? 'key' : 'pointer' };
}
