/**
 * Why something the agent asked for did not happen: one vocabulary from the connector to the
 * words on the screen. Connectors turn the PBX's codes into these (`fromProtocolError`), the dial
 * policy adds its own, and every context shows one with the locale key `failure_<code>`.
 */
/** Why a dial asks the agent first (docs/dialing.md). */
/** `browserUi`: the menu or shortcut on a page that is not a CRM site (the parsed number is shown first). */
export const CONFIRM_REASONS = ['international', 'premium', 'burst', 'browserUi', 'emergency'] as const;
export type ConfirmReason = (typeof CONFIRM_REASONS)[number];

export const FAILURES = [
  // What the phone system (or the connection to it) said.
  'notConnected',
  'forbidden',
  'notFound',
  'invalid',
  'busy',
  'rateLimited',
  'unsupported',
  'timeout',
  'failed',
  // What the dial policy decided before asking the phone system.
  'invalidNumber',
  'notANumber',
  'ambiguous',
  'tooLong',
  'empty',
  'refused',
  'expired',
  'disabled',
] as const;
export type Failure = (typeof FAILURES)[number];

/** The answer to a command: done, failed with a reason, or (dials) "ask the agent first". */
export type ActionResult =
  | { ok: true; sessionId?: string }
  | { ok: false; code: Failure; message: string }
  | { ok: false; code: 'confirm'; message: string; reasons: ConfirmReason[] };

export type Failed = { ok: false; code: Failure; message: string };
/** A failure; `message` is the detail in English for the log, or the PBX's own words (untrusted text). */
export const failure = (code: Failure, message = ''): Failed => ({ ok: false, code, message });
export const notConnected = (): Failed => failure('notConnected', 'not connected to the phone system');

/** The protocol's error codes (docs/protocol.md) and the connectors' own, in this vocabulary. */
const PROTOCOL_CODES: Record<string, Failure> = {
  FORBIDDEN: 'forbidden',
  NOT_FOUND: 'notFound',
  INVALID: 'invalid',
  BUSY: 'busy',
  FAILED: 'failed',
  RATE_LIMITED: 'rateLimited',
  UNSUPPORTED: 'unsupported',
};
export const fromProtocolError = (code: unknown): Failure =>
  (typeof code === 'string' && Object.hasOwn(PROTOCOL_CODES, code) && PROTOCOL_CODES[code]) || 'failed';

/** The locale key of a failure's words; each takes the detail (a number, the PBX's message) as $1. */
export const failureKey = (code: Failure): `failure_${Failure}` => `failure_${code}`;
