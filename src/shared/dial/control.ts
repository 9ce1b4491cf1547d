/**
 * What call control a sender may do (issue 18, gap 2), pure: a content script only for a call
 * its tab shows, and a transfer or forward target goes through the same parser and
 * confirmations as a dial. A content script cannot answer the confirmation (it would be the
 * page answering its own question): only an extension page's `confirmed` counts.
 */
import type { ActionResult, Failed } from '../outcome';
import { failure } from '../outcome';
import type { SessionAction } from '../protocol';
import { confirmReasons, type DialPolicySettings } from './policy';
import { parseDialInput } from './target';

export const TARGET_ACTIONS: ReadonlySet<SessionAction> = new Set(['blindTransfer', 'forward']);

/** Whether a tab's content script may act on this call: its card is on that tab's screen. */
export const tabShows = (tab: { shown: readonly string[] } | undefined, sessionId: string): boolean =>
  !!tab && Array.isArray(tab.shown) && tab.shown.includes(sessionId);

export interface TargetPolicy {
  country: string;
  dial: DialPolicySettings & { internalPattern?: string };
  log: readonly number[];
  now: number;
  fromPage: boolean;
  confirmed: boolean;
}

/** The number a transfer or forward goes to, or why not, or the question to ask first. */
export function transferTarget(
  input: string | undefined,
  policy: TargetPolicy,
): { ok: true; dial: string; display: string } | Failed | Extract<ActionResult, { code: 'confirm' }> {
  if (!input) return failure('invalidNumber', 'no transfer target');
  const parsed = parseDialInput(input, policy.country, policy.dial);
  if (!parsed.ok) return failure(parsed.problem === 'invalid' ? 'invalidNumber' : parsed.problem, parsed.text);
  const { target } = parsed;
  const reasons = confirmReasons(target, policy.dial, policy.log, policy.now, { fromPage: policy.fromPage });
  // A page's confirmation is worth nothing: only PopLine's own page may say yes.
  if (reasons.length && !(policy.confirmed && !policy.fromPage)) {
    return { ok: false, code: 'confirm', message: target.display, reasons };
  }
  return { ok: true, dial: target.dial, display: target.display };
}
