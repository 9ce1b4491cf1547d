/**
 * Reading the Ozeki HTTP API's answers: the `<Response>` envelope with its status code, the
 * active calls of `ListActiveCalls` in both shapes (Ozeki Phone System XE: `CallInfo` with ISO
 * times and whole seconds; Ozeki 10: `Call` with `yyyy-MM-dd HH:mm:ss` times, decimal seconds
 * and extra fields), and the pages of `GetCallHistory`. Everything from the PBX is untrusted:
 * every function here returns a value or a reason, and never throws.
 */

import type { Failure } from '../outcome';
import { child, children, childText, parseXml, textOf, type XmlElement } from './xml';

export type AnswerProblem = 'empty' | 'html' | 'notXml' | 'truncated' | 'badXml' | 'notOzeki' | 'status';

export type Answer =
  | { ok: true; code: 200; message: string; root: XmlElement }
  | { ok: false; problem: AnswerProblem; code?: number; message?: string; detail: string };

const MAX_TEXT = 1024;
const MAX_NAME = 256;

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/**
 * The title of an HTML error page, to say which page it was. Found with indexOf, not a
 * pattern: a body full of unclosed `<title` tags must cost one pass, not one per tag.
 */
function htmlTitle(body: string): string {
  const lower = body.slice(0, 64 * 1024).toLowerCase();
  const open = lower.indexOf('<title');
  const start = open < 0 ? -1 : lower.indexOf('>', open);
  if (start < 0) return '';
  const end = lower.indexOf('<', start + 1);
  const text = body.slice(start + 1, end < 0 ? start + 1 : Math.min(end, start + 201));
  return clip(text.replace(/\s+/g, ' ').trim(), 80);
}

/** Where the first tag starts after any whitespace and comments, in one pass (untrusted input). */
function firstTagAt(body: string): number {
  let at = 0;
  for (;;) {
    while (at < body.length && /\s/.test(body[at] as string)) at += 1;
    if (!body.startsWith('<!--', at)) return at;
    const end = body.indexOf('-->', at + 4);
    if (end < 0) return -1;
    at = end + 3;
  }
}

const HTML_START = /^<(?:!doctype\s+html|html[\s>]|head[\s>]|body[\s>])/i;

function looksLikeHtml(body: string, contentType: string): boolean {
  if (/\bhtml\b/i.test(contentType)) return true;
  const at = firstTagAt(body);
  return at >= 0 && HTML_START.test(body.slice(at, at + 16));
}

/** Reads one HTTP API answer: a `<Response>` with `<Code>` 200, or the reason it is not. */
export function parseAnswer(body: string, contentType = ''): Answer {
  const text = body.charCodeAt(0) === 0xfeff ? body.slice(1) : body;
  if (!text.trim()) return { ok: false, problem: 'empty', detail: 'the phone system sent an empty answer' };
  if (looksLikeHtml(text, contentType)) {
    const title = htmlTitle(text);
    return {
      ok: false,
      problem: 'html',
      detail: `the address answered with a web page${title ? ` ("${title}")` : ''}, not the Ozeki HTTP API: check the API address`,
    };
  }
  if (!text.trimStart().startsWith('<')) {
    return { ok: false, problem: 'notXml', detail: 'the answer is not XML: check the API address' };
  }
  const parsed = parseXml(text);
  if (!parsed.ok) {
    return parsed.truncated
      ? { ok: false, problem: 'truncated', detail: 'the answer was cut off (truncated XML)' }
      : { ok: false, problem: 'badXml', detail: `the answer is broken XML (${parsed.error})` };
  }
  const { root } = parsed;
  if (root.name.toLowerCase() !== 'response') {
    return {
      ok: false,
      problem: 'notOzeki',
      detail: `the answer is XML but not from the Ozeki HTTP API (<${clip(root.qname, 40)}>): check the API address`,
    };
  }
  const codeText = childText(root, 'Code') ?? '';
  const message = clip(childText(root, 'Message') ?? '', MAX_TEXT);
  if (!/^\d{1,4}$/.test(codeText)) {
    return { ok: false, problem: 'notOzeki', detail: 'the answer has no status code: check the API address' };
  }
  const code = Number(codeText);
  if (code === 200) return { ok: true, code, message, root };
  return { ok: false, problem: 'status', code, message, detail: statusText(code, message) };
}

/** Codes after which asking again cannot help until the settings change. */
export const DENIED_CODES: ReadonlySet<number> = new Set([304, 305, 306, 307]);

/** Every Ozeki HTTP API status code, in words an agent or an admin understands. */
const STATUS_TEXT: Record<number, string> = {
  300: 'the phone system could not read the request (code 300)',
  301: 'the phone system does not know this command (code 301): check the API address and the Ozeki version',
  302: 'a value sent to the phone system was missing or invalid (code 302)',
  303: 'the phone system does not allow this command here (code 303)',
  304: 'the phone system wants an office user name and password (code 304): enter them in the PopLine options',
  305: 'wrong user name or password (code 305)',
  306: 'this office user may not use the HTTP API (code 306): allow it in the PBX HTTP API settings',
  307: "this computer's address is not allowed by the PBX (code 307): add it to the HTTP API's allowed addresses",
  401: 'no API extension installed (code 401): install one on the PBX and enter its number in the PopLine options',
  402: 'the call could not be connected (code 402)',
  501: 'the message could not be delivered: no such destination (code 501)',
  601: 'the call no longer exists (code 601)',
  701: 'a configuration the command needs is missing on the PBX (code 701)',
  702: 'a configuration on the PBX is invalid (code 702)',
  703: 'that configuration already exists on the PBX (code 703)',
};

/** Codes whose Ozeki message names the value at fault; it is worth showing. */
const WITH_DETAIL = new Set([302, 401, 402]);

export function statusText(code: number, message = ''): string {
  const known = STATUS_TEXT[code];
  const said = clip(message.replace(/\s+/g, ' ').trim(), 160);
  if (!known) return `the phone system answered with code ${code}${said ? `: ${said}` : ''}`;
  return WITH_DETAIL.has(code) && said ? `${known}: ${said}` : known;
}

/** The action-result code for an Ozeki status code. */
export function resultCode(code: number): Failure {
  if (code === 601) return 'notFound';
  if (code === 302) return 'invalid';
  if (code === 301) return 'unsupported';
  if (DENIED_CODES.has(code) || code === 401) return 'forbidden';
  return 'failed';
}

/** Seconds as `12`, `12.5`, `12,5` (a comma locale) or a .NET TimeSpan `00:00:12.5`. */
export function parseSeconds(text: string | undefined): number | undefined {
  const value = (text ?? '').trim();
  if (/^\d{1,9}([.,]\d{1,9})?$/.test(value)) return Number(value.replace(',', '.'));
  const span = /^(?:(\d{1,5})\.)?(\d{1,2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?$/.exec(value);
  if (!span) return undefined;
  const [, days = '0', h = '0', m = '0', s = '0', fraction = '0'] = span;
  return Number(days) * 86_400 + Number(h) * 3600 + Number(m) * 60 + Number(s) + Number(`0.${fraction}`);
}

const inRange = (value: number, min: number, max: number) => value >= min && value <= max;

/**
 * A PBX time as epoch milliseconds: ISO 8601 with offset (XE, any number of fraction
 * digits), or `yyyy-MM-dd HH:mm:ss` without an offset (Ozeki 10), read as this computer's
 * local time, which is the PBX's in the usual case of one office.
 */
export function parseTime(text: string | undefined): number | undefined {
  const value = (text ?? '').trim();
  const local = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?$/.exec(value);
  if (local) {
    const [, y, mo, d, h, mi, s = '0', f = '0'] = local;
    if (!inRange(Number(mo), 1, 12) || !inRange(Number(d), 1, 31) || !inRange(Number(h), 0, 23)) return undefined;
    if (!inRange(Number(mi), 0, 59) || !inRange(Number(s), 0, 59)) return undefined;
    const ms = Math.round(Number(`0.${f}`) * 1000);
    const time = new Date(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms).getTime();
    return Number.isFinite(time) ? time : undefined;
  }
  const iso = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?)(?:[.,](\d{1,9}))?(Z|[+-]\d{2}:?\d{2})$/i.exec(value);
  if (!iso) return undefined;
  const [, base, fraction = '0', zone = 'Z'] = iso;
  const offset = zone.toUpperCase() === 'Z' ? 'Z' : zone.replace(/^([+-]\d{2})(\d{2})$/, '$1:$2');
  const time = Date.parse(`${base}.${fraction.padEnd(3, '0').slice(0, 3)}${offset}`);
  return Number.isFinite(time) ? time : undefined;
}

/** One call of `ListActiveCalls`, in either shape. */
export interface OzekiCall {
  callId: string;
  state: string;
  source: string;
  destination: string;
  /** A display name or a number. */
  callerId?: string;
  /** Ozeki 10 only. */
  callerDialed?: string;
  calleeDialed?: string;
  startTime?: number;
  ringSeconds?: number;
  talkSeconds?: number;
}

function field(element: XmlElement, name: string, max = MAX_TEXT): string | undefined {
  const text = childText(element, name);
  return text ? clip(text, max) : undefined;
}

function readCall(element: XmlElement): OzekiCall | undefined {
  const callId = childText(element, 'CallId') ?? '';
  const state = childText(element, 'CallState') ?? childText(element, 'State') ?? '';
  if (!callId || callId.length > MAX_TEXT || !state) return undefined;
  const call: OzekiCall = {
    callId,
    state: clip(state, 64),
    source: field(element, 'Source') ?? '',
    destination: field(element, 'Destination') ?? '',
  };
  const optional = {
    callerId: field(element, 'CallerId', MAX_NAME),
    callerDialed: field(element, 'CallerDialed'),
    calleeDialed: field(element, 'CalleeDialed'),
    startTime: parseTime(childText(element, 'StartTime')),
    ringSeconds: parseSeconds(childText(element, 'RingDuration')),
    talkSeconds: parseSeconds(childText(element, 'TalkDuration')),
  };
  for (const [key, value] of Object.entries(optional)) {
    if (value !== undefined) Object.assign(call, { [key]: value });
  }
  return call;
}

export interface ActiveCalls {
  calls: OzekiCall[];
  /** Entries without a call id or a state, left out. */
  skipped: number;
}

/** The calls of a `ListActiveCalls` answer (`<ActiveCalls>` of `<CallInfo>` or `<Call>`). */
export function parseActiveCalls(root: XmlElement): ActiveCalls {
  const list = child(root, 'ActiveCalls');
  const entries = list ? [...children(list, 'CallInfo'), ...children(list, 'Call')] : [];
  const calls: OzekiCall[] = [];
  const seen = new Set<string>();
  for (const entry of entries) {
    const call = readCall(entry);
    if (call && !seen.has(call.callId)) {
      seen.add(call.callId);
      calls.push(call);
    }
  }
  return { calls, skipped: entries.length - calls.length };
}

/** One entry of `GetCallHistory`. */
export interface OzekiHistoryCall {
  callId: string;
  startTime?: number;
  direction?: string;
  source: string;
  destination: string;
  state: string;
  dialed?: string;
  callerId?: string;
  type?: string;
  talkSeconds?: number;
}

export interface HistoryAnswer {
  total: number;
  calls: OzekiHistoryCall[];
  skipped: number;
}

/** A page of `GetCallHistory` (`NumberOfCalls` and `<Calls>`), or Ozeki 10's `TotalRecords` and `<CallHistory>`. */
export function parseCallHistory(root: XmlElement): HistoryAnswer {
  const list = child(root, 'Calls');
  const entries = [
    ...(list ? children(list, 'Call') : []),
    ...children(root, 'CallHistory').flatMap((node) => (child(node, 'CallId') ? [node] : children(node, 'Call'))),
  ];
  const calls: OzekiHistoryCall[] = [];
  for (const entry of entries) {
    const callId = childText(entry, 'CallId') ?? '';
    if (!callId || callId.length > MAX_TEXT) continue;
    const call: OzekiHistoryCall = {
      callId,
      source: field(entry, 'Source') ?? '',
      destination: field(entry, 'Destination') ?? '',
      state: clip(childText(entry, 'State') ?? childText(entry, 'CallState') ?? '', 64),
    };
    const optional = {
      startTime: parseTime(childText(entry, 'StartTime')),
      direction: field(entry, 'Direction', 32),
      dialed: field(entry, 'Dialed'),
      callerId: field(entry, 'CallerId', MAX_NAME),
      type: field(entry, 'Type', 32),
      talkSeconds: parseSeconds(childText(entry, 'TalkDuration') ?? childText(entry, 'Duration')),
    };
    for (const [key, value] of Object.entries(optional)) {
      if (value !== undefined) Object.assign(call, { [key]: value });
    }
    calls.push(call);
  }
  const totalText = textOf(child(root, 'NumberOfCalls') ?? child(root, 'TotalRecords'));
  const total = /^\d{1,9}$/.test(totalText) ? Number(totalText) : calls.length;
  return { total: Math.max(total, calls.length), calls, skipped: entries.length - calls.length };
}
