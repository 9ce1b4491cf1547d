/** The agent's own availability: the expiry choices (30 min, 1 h, until tomorrow) and what they mean. */
import type { Availability } from '../protocol';

export const EXPIRY_CHOICES = ['never', '30m', '1h', 'tomorrow'] as const;
export type ExpiryChoice = (typeof EXPIRY_CHOICES)[number];

const MINUTE = 60_000;

/** When a choice ends, from `now` (local time for "tomorrow": the coming midnight). Undefined: never. */
export function expiryTime(choice: ExpiryChoice, now: number): number | undefined {
  if (choice === '30m') return now + 30 * MINUTE;
  if (choice === '1h') return now + 60 * MINUTE;
  if (choice === 'tomorrow') {
    const midnight = new Date(now);
    midnight.setHours(24, 0, 0, 0);
    return midnight.getTime();
  }
  return undefined;
}

/** What the agent asked for, as the `setAvailability` frame carries it (an expiry only when not "available"). */
export function availabilityRequest(
  availability: Availability,
  choice: ExpiryChoice,
  note: string,
  now: number,
): { availability: Availability; note?: string; until?: string } {
  const until = availability === 'available' ? undefined : expiryTime(choice, now);
  const trimmed = note.trim().slice(0, 140);
  return {
    availability,
    ...(trimmed && availability !== 'available' ? { note: trimmed } : {}),
    ...(until !== undefined ? { until: new Date(until).toISOString() } : {}),
  };
}
