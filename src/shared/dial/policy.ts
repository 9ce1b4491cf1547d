/**
 * When a dial asks the agent first: international and premium-rate numbers (each a setting),
 * and a burst of dials (more than `confirmAfterPerMinute` in a minute), which is what a
 * misbehaving page or a stuck key would look like. Pure: the caller keeps the dial log.
 */
import type { DialTarget } from './target';

export { CONFIRM_REASONS, type ConfirmReason } from '../outcome';

import type { ConfirmReason } from '../outcome';

export interface DialPolicySettings {
  confirmInternational: boolean;
  confirmPremium: boolean;
  /** Dials allowed in any 60 seconds before the next one asks; 0 never asks. */
  confirmAfterPerMinute: number;
}

export const BURST_WINDOW_MS = 60_000;

/** The dial times that still count, oldest first. */
export const recentDials = (log: readonly number[], now: number): number[] =>
  log.filter((time) => time <= now && now - time < BURST_WINDOW_MS);

export function confirmReasons(
  target: DialTarget,
  policy: DialPolicySettings,
  log: readonly number[],
  now: number,
  { fromPage = true }: { fromPage?: boolean } = {},
): ConfirmReason[] {
  const reasons: ConfirmReason[] = [];
  // Not a setting: a page must never be able to place an emergency call with one click. The
  // popup's dialer (the agent typed it in PopLine's own UI) is not delayed.
  if (target.kind === 'internal' && target.emergency && fromPage) reasons.push('emergency');
  if (target.kind === 'number' && target.international && policy.confirmInternational) reasons.push('international');
  if (target.premium && policy.confirmPremium) reasons.push('premium');
  const limit = policy.confirmAfterPerMinute;
  if (limit > 0 && recentDials(log, now).length >= limit) reasons.push('burst');
  return reasons;
}

/** How long after the agent's click or key press a dial may still arrive. */
export const GESTURE_FRESH_MS = 10_000;
/** Two gestures closer than this are the same one, sent twice. */
const SAME_GESTURE_MS = 50;

/**
 * Why a content script's gesture evidence is not good enough to dial, or null when it is: too
 * old (or from the future), or a gesture that already dialled.
 */
export function gestureProblem(at: number, lastAccepted: number | undefined, now: number): 'stale' | 'reused' | null {
  if (at > now + 2000 || now - at > GESTURE_FRESH_MS) return 'stale';
  if (lastAccepted !== undefined && at - lastAccepted < SAME_GESTURE_MS) return 'reused';
  return null;
}
