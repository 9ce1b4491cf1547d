/**
 * Log templates (docs/crm.md, "Call logging"): how a call becomes an activity in the CRM. A
 * template has a method, an http(s) address template and a JSON body template, one to create
 * the activity and one to update it. Like the lookup templates, the address fixes its origin
 * (a value can change a path segment or a query value, never the site), every value is encoded
 * (URL-encoded in the address, JSON-encoded in the body: a value is only ever the content of a
 * JSON string or a number, never structure), `javascript:` and the like are refused, and sizes
 * are bounded. Pure: the background fills them, the options page and the unit tests check them.
 */
import { isRecord } from '../guard';
import { encodeValue, MAX_TEMPLATE_LENGTH, safeHttpUrl, templateOrigin } from '../templates';

export const LOG_METHODS = ['POST', 'PUT', 'PATCH'] as const;
export type LogMethod = (typeof LOG_METHODS)[number];

/** Every placeholder a log template may use. */
export const LOG_PLACEHOLDERS = [
  'number',
  'e164',
  'e164digits',
  'national',
  'digits',
  'name',
  'direction',
  /** ISO 8601, UTC: when the call started, ended. */
  'start',
  'end',
  /** Talk time in seconds, in milliseconds, and as m:ss (Zoho's `Call_Duration`). */
  'duration',
  'durationMs',
  'durationClock',
  /** answered, missed, unanswered, rejected, busy, failed. */
  'outcome',
  'note',
  'tag',
  'extension',
  'agentName',
  'recordingUrl',
  /** The looked-up CRM record's id (lookup.idPath). */
  'recordId',
  /** The PBX's call id. */
  'callId',
  /** The same for every attempt to log this call: the CRM can tell a repeat from a new call. */
  'idempotencyKey',
  /** Only in update templates (and the "open" address): the id the create answer gave. */
  'activityId',
] as const;
export type LogPlaceholder = (typeof LOG_PLACEHOLDERS)[number];
export type LogValues = Record<Exclude<LogPlaceholder, 'activityId'>, string> & { activityId?: string };

/** Placeholders whose value is a number: a body string that is exactly `{duration}` becomes a JSON number. */
const NUMERIC = new Set<string>(['duration', 'durationMs']);
/** An address with these needs a value: without one it is not the right address at all. */
const REQUIRED_IN_URL = new Set<string>(['recordId', 'activityId', 'callId', 'idempotencyKey']);

export const MAX_BODY_TEMPLATE = 8192;
/** A filled body larger than this is not sent (a note is at most 4,000 characters). */
export const MAX_BODY_BYTES = 64 * 1024;
/** The CRM's answer to a log request is read up to this size; more is refused unread. */
export const LOG_ANSWER_MAX_BYTES = 256 * 1024;
/** A request that has not answered by then counts as a timeout (and is retried). */
export const LOG_TIMEOUT_MS = 10_000;

export type LogTemplateKind = 'create' | 'update' | 'find' | 'open';

export type LogTemplateProblem =
  | 'tooLong'
  | 'notHttp'
  | 'originNotFixed'
  | 'unknownPlaceholder'
  | 'notJson'
  | 'placeholderOutsideString'
  | 'bodyTooLong';

const TOKEN = /\{([^{}]*)\}/g;
const placeholdersOf = (text: string) => [...text.matchAll(TOKEN)].map((m) => m[1] ?? '');
const known = (kind: LogTemplateKind) =>
  new Set<string>(LOG_PLACEHOLDERS.filter((name) => name !== 'activityId' || kind === 'update' || kind === 'open'));

/** Why an address template cannot be used, or null. Empty means "not set". */
export function logUrlProblem(template: string, kind: LogTemplateKind): LogTemplateProblem | null {
  if (template === '') return null;
  if (template.length > MAX_TEMPLATE_LENGTH) return 'tooLong';
  const names = known(kind);
  if (placeholdersOf(template).some((name) => !names.has(name))) return 'unknownPlaceholder';
  if (!/^https?:\/\//i.test(template.trim())) return 'notHttp';
  if (!templateOrigin(template)) return 'originNotFixed';
  return fillLogUrl(template, SAMPLE) ? null : 'notHttp';
}

/**
 * The address for these values, or null: a required value missing, or a result that is not
 * http(s) on the template's own origin.
 */
export function fillLogUrl(template: string, values: Partial<LogValues>): string | null {
  const origin = templateOrigin(template);
  if (!origin) return null;
  let missing = false;
  const filled = template.trim().replace(TOKEN, (_, name: string) => {
    const value = Object.hasOwn(values, name) ? values[name as keyof LogValues] : undefined;
    if (value === undefined || (value === '' && REQUIRED_IN_URL.has(name))) missing = true;
    return encodeValue(value ?? '');
  });
  if (missing) return null;
  const url = safeHttpUrl(filled);
  return url && new URL(url).origin === origin ? url : null;
}

/** Why a body template cannot be used, or null. Empty means "no body". */
export function logBodyProblem(template: string, kind: LogTemplateKind): LogTemplateProblem | null {
  if (template === '') return null;
  if (template.length > MAX_BODY_TEMPLATE) return 'bodyTooLong';
  let parsed: unknown;
  try {
    parsed = JSON.parse(template);
  } catch {
    return 'notJson';
  }
  if (!isRecord(parsed) && !Array.isArray(parsed)) return 'notJson';
  // Placeholders outside strings (`{"d": {duration}}`) would not parse; inside keys they would change structure.
  const names = known(kind);
  let problem: LogTemplateProblem | null = null;
  walk(parsed, (text, isKey) => {
    const used = placeholdersOf(text);
    if (isKey && used.length) problem ??= 'placeholderOutsideString';
    if (used.some((name) => !names.has(name))) problem ??= 'unknownPlaceholder';
    return text;
  });
  return problem;
}

/** Visits every string (keys too) of a JSON value, rebuilding it with what `visit` returns for values. */
function walk(value: unknown, visit: (text: string, isKey: boolean) => unknown): unknown {
  if (typeof value === 'string') return visit(value, false);
  if (Array.isArray(value)) return value.map((item) => walk(item, visit));
  if (isRecord(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      visit(key, true);
      Object.defineProperty(out, key, {
        value: walk(child, visit),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  return value;
}

/**
 * The body for these values as JSON text, or null when the template is unusable or the result
 * too large. Each value is the content of a JSON string (JSON.stringify escapes it); a string
 * that is exactly one numeric placeholder becomes a number.
 */
export function fillLogBody(template: string, values: Partial<LogValues>): string | null {
  if (template === '') return '';
  let parsed: unknown;
  try {
    parsed = JSON.parse(template);
  } catch {
    return null;
  }
  const value = (name: string) => (Object.hasOwn(values, name) ? (values[name as keyof LogValues] ?? '') : '');
  const filled = walk(parsed, (text) => {
    const whole = /^\{([^{}]*)\}$/.exec(text)?.[1];
    if (whole && NUMERIC.has(whole)) {
      const number = Number(value(whole));
      return Number.isFinite(number) ? number : 0;
    }
    return text.replace(TOKEN, (_, name: string) => value(name));
  });
  const body = JSON.stringify(filled);
  return utf8Length(body) <= MAX_BODY_BYTES ? body : null;
}

/** UTF-8 bytes of a text (no TextEncoder: the options page's tests run where there is none). */
const utf8Length = (text: string) => {
  let bytes = 0;
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
  }
  return bytes;
};

export const SAMPLE: LogValues = {
  number: '+1 (212) 555-0198',
  e164: '+12125550198',
  e164digits: '12125550198',
  national: '(212) 555-0198',
  digits: '12125550198',
  name: 'Émilie O’Neil & Co',
  direction: 'inbound',
  start: '2026-01-02T10:00:00.000Z',
  end: '2026-01-02T10:03:05.000Z',
  duration: '185',
  durationMs: '185000',
  durationClock: '3:05',
  outcome: 'answered',
  note: 'Wants a callback "tomorrow" {not a placeholder}',
  tag: 'callback',
  extension: '1001',
  agentName: 'Jane Doe',
  recordingUrl: 'https://pbx.example.com/rec/1.wav',
  recordId: 'r-1',
  callId: 's-1',
  idempotencyKey: 'popline-s-1',
  activityId: 'a-1',
};
