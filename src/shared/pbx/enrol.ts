/**
 * Enrolment with the PopLine bridge (docs/bridge.md): the agent types the one-time code the
 * administrator's CLI printed; the background exchanges it at the bridge's `/enrol` for a token,
 * which is stored and never shown. This file is the pure part: the address, the answer's shape,
 * and what a refusal means in the agent's words.
 */
import { arrayOf, type Guarded, obj, optional, str } from '../guard';
import { LIMITS, type Permissions, permissionsGuard, serverUrlProblem } from '../protocol';

/** `wss://host/path/cti` → `https://host/path/enrol` (and `ws:` → `http:`): next to the CTI endpoint. */
export function enrolUrl(serverUrl: string, allowInsecure: boolean): string | null {
  if (serverUrlProblem(serverUrl, allowInsecure)) return null;
  const url = new URL(serverUrl);
  url.protocol = url.protocol === 'wss:' ? 'https:' : 'http:';
  url.search = '';
  url.hash = '';
  return new URL('enrol', url).href;
}

/** What the agent typed, as the bridge wants it: the code's letters and digits, grouped as printed. */
export const cleanCode = (typed: string): string => typed.trim().replace(/\s+/g, '').toUpperCase().slice(0, 64);

const text = str(LIMITS.string);
export const enrolAnswerGuard = obj({
  token: str(LIMITS.token, { min: 1 }),
  extension: text,
  extensions: optional(arrayOf(text, { max: 64 })),
  permissions: optional(permissionsGuard),
  expiresAt: optional(text),
  fullName: optional(str(LIMITS.displayName)),
  userName: optional(text),
});
export type EnrolAnswer = Guarded<typeof enrolAnswerGuard>;

export const ENROL_PROBLEMS = [
  'badAddress',
  'noCode',
  'unknownCode',
  'usedCode',
  'unreachable',
  'notBridge',
  'failed',
] as const;
export type EnrolProblem = (typeof ENROL_PROBLEMS)[number];

/** What the options page learns: who this browser now is, never the token. */
export type EnrolResult =
  | { ok: true; extension: string; permissions: Permissions; expiresAt?: string; name?: string }
  | { ok: false; problem: EnrolProblem; detail?: string };

/** A refusal by HTTP status (the bridge answers 404 for an unknown code, 410 for a used or expired one). */
export function enrolRefusal(status: number): EnrolProblem {
  if (status === 404) return 'unknownCode';
  if (status === 410) return 'usedCode';
  if (status === 400 || status === 429) return 'failed';
  return 'notBridge';
}
