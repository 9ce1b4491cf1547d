/**
 * The Ozeki HTTP API's XML, as the simulator writes it, in the two shapes the products use:
 * Ozeki Phone System XE (`CallInfo`, ISO times with offset and four fraction digits, whole
 * seconds) and Ozeki 10 (`Call`, `yyyy-MM-dd HH:mm:ss` local times, seconds with decimals,
 * extra fields, namespace attributes on `Response`).
 */
import { type HistoryRecord, type SimCall, wireState } from './pbx';

export type OzekiShape = 'xe' | 'ozeki10';
export const OZEKI_SHAPES: readonly OzekiShape[] = ['xe', 'ozeki10'];

const ESCAPES: Record<string, string> = { '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' };
export const escapeXml = (text: string) => text.replace(/[<>&"']/g, (char) => ESCAPES[char] as string);

const element = (name: string, value: string | number | undefined) =>
  value === undefined || value === '' ? '' : `<${name}>${escapeXml(String(value))}</${name}>`;

const pad = (n: number, width = 2) => String(Math.trunc(Math.abs(n))).padStart(width, '0');

/** .NET's round-trip format with the local offset: 2013-07-01T10:49:07.9558+02:00. */
function isoWithOffset(ms: number): string {
  const date = new Date(ms);
  const offset = -date.getTimezoneOffset();
  const sign = offset >= 0 ? '+' : '-';
  const fraction = pad(date.getMilliseconds(), 3) + String(Math.floor(Math.random() * 10));
  return `${localDateTime(ms, 'T')}.${fraction}${sign}${pad(offset / 60)}:${pad(offset % 60)}`;
}

function localDateTime(ms: number, separator = ' '): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}${separator}${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export const timeIn = (shape: OzekiShape, ms: number) => (shape === 'xe' ? isoWithOffset(ms) : localDateTime(ms));
const secondsIn = (shape: OzekiShape, ms: number) =>
  shape === 'xe' ? Math.round(ms / 1000) : (Math.max(0, ms) / 1000).toFixed(2);

/** Opens a `<Response>` with its code and message, as each product writes it. */
export function responseXml(shape: OzekiShape, code: number, message: string, body = ''): string {
  const open =
    shape === 'xe'
      ? '<?xml version="1.0"?>\n<Response>'
      : '<?xml version="1.0" encoding="utf-8"?>\n<Response xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">';
  return `${open}\n<Code>${code}</Code>\n<Message>${escapeXml(message)}</Message>\n${body}</Response>\n`;
}

/** One active call; `state` overrides the call's own (an ended call still listed). */
export function callXml(shape: OzekiShape, call: SimCall, now: number): string {
  const start = Date.parse(call.startTime);
  const answered = call.answeredAt;
  const end = call.endedAt ?? now;
  const ring = (answered ?? end) - start;
  const talk = answered ? end - answered : 0;
  const fields = [
    element('CallState', wireState(call.state, 'http')),
    element('CallId', call.sessionId),
    element('Source', call.caller),
    element('CallerId', call.callerDisplayName ?? call.caller),
    ...(shape === 'ozeki10' ? [element('CallerDialed', call.callee)] : []),
    element('Destination', call.callee),
    ...(shape === 'ozeki10' ? [element('CalleeDialed', call.dialedNumber ?? call.callee)] : []),
    element('StartTime', timeIn(shape, start)),
    element('RingDuration', secondsIn(shape, ring)),
    element('TalkDuration', secondsIn(shape, talk)),
    ...(shape === 'ozeki10' ? [element('Type', 'Audio'), element('Recorded', 'False')] : []),
  ];
  const tag = shape === 'xe' ? 'CallInfo' : 'Call';
  return `<${tag}>${fields.join('')}</${tag}>\n`;
}

export function historyXml(shape: OzekiShape, record: HistoryRecord): string {
  const fields = [
    element('StartTime', localDateTime(Date.parse(record.startTime))),
    element('Direction', record.direction),
    element('Source', record.caller),
    element('Destination', record.callee),
    element('State', wireState(record.state, 'dotnet')),
    element('Dialed', record.callee),
    element('CallerId', record.callerDisplayName ?? record.caller),
    element('Type', 'Audio'),
    element('CallId', record.sessionId),
    ...(shape === 'ozeki10' ? [element('Duration', record.talkDuration.toFixed(2))] : []),
  ];
  return `<Call>${fields.join('')}</Call>\n`;
}

/** The OzML the PBX fetches when the agent answers a click-to-dial: transfer the agent to `number`. */
export function ozmlTransfer(number: string): string {
  return `<?xml version="1.0"?>\n<Response>\n  <BlindTransfer>${escapeXml(number)}</BlindTransfer>\n</Response>\n`;
}

/** Ozeki's own messages for its status codes. */
export const OZEKI_MESSAGES: Record<number, string> = {
  200: 'Command successfully executed',
  300: "Error occured during parsing message: '{0}'",
  301: "Not implemented command: '{0}'",
  302: "Missing or invalid parameter '{0}' for command '{1}'",
  303: "Command '{0}' cannot be used here",
  304: 'Authentication required',
  305: 'Authentication failed, bad username or password',
  306: 'User is not allowed to use API in ACL',
  307: 'Use API from this address is forbidden',
  401: "API extension '{0}' unavailable, please check configuration or permissions",
  402: "Call connect to '{0}' failed with result state '{1}'",
  501: 'Destination of the SMS is not found',
  601: "Call not found with ID '{0}'",
  701: "Configuration for type '{0}' not found",
  702: "Invalid configuration for type '{0}'",
  703: 'Extension configuration already exists',
};

export const ozekiMessage = (code: number, ...values: string[]) =>
  (OZEKI_MESSAGES[code] ?? `Error ${code}`).replace(/\{(\d)\}/g, (_, index) => values[Number(index)] ?? '');
