/** Display helpers for extension pages and the card: country names, times, call labels, failures. */

import { t, uiLanguage } from '../i18n';
import type { CardView } from '../shared/cards';
import { displayText } from '../shared/format';
import { type Failure, failureKey } from '../shared/outcome';

let regionNames: Intl.DisplayNames | undefined;

/** "Germany" for `DE`, in the browser's language; the code itself if the browser has no name. */
export function countryName(code: string): string {
  try {
    regionNames ??= new Intl.DisplayNames([uiLanguage()], { type: 'region' });
    return regionNames.of(code) ?? code;
  } catch {
    return code;
  }
}

/** Every ISO 3166 country code libphonenumber knows, sorted by the name the agent reads. */
export function countryChoices(codes: readonly string[]): { code: string; name: string }[] {
  return codes
    .map((code) => ({ code, name: countryName(code) }))
    .sort((a, b) => a.name.localeCompare(b.name, uiLanguage()));
}

/** "14:05" today, "Mon 14:05" this week, a date before that. */
export function callTime(at: number, now = Date.now()): string {
  const date = new Date(at);
  const language = uiLanguage();
  const sameDay = new Date(now).toDateString() === date.toDateString();
  if (sameDay) return date.toLocaleTimeString(language, { hour: '2-digit', minute: '2-digit' });
  if (now - at < 6 * 86_400_000) {
    return date.toLocaleString(language, { weekday: 'short', hour: '2-digit', minute: '2-digit' });
  }
  return date.toLocaleDateString(language, { year: 'numeric', month: 'short', day: 'numeric' });
}

/** A call's state in words, as the card says it. */
export function callStateLabel(call: CardView): string {
  if (call.phase === 'ended') return t(`end_${call.endReason ?? 'answered'}`);
  if (!call.stateKnown) return displayText(call.rawState, 40) || t('state_unknown');
  return t(`state_${call.phase}`);
}

/** The other party as one line: the name, else the number. */
export const partyName = (call: { name?: string; numberDisplay: string }) =>
  displayText(call.name) || displayText(call.numberDisplay, 64) || t('unknownCaller');

/** Why something did not happen, in the agent's words; the detail (a number, the PBX's words) as text. */
export const failureText = (code: Failure, detail = '') => t(failureKey(code), displayText(detail, 200));
