/**
 * The PopLine CTI protocol, version 1 (docs/protocol.md): frame types, limits and the
 * validators both ends use. Unknown ops and unknown fields are ignored; a frame that breaks
 * the rules is rejected with a reason and never throws past `parseServerFrame`.
 */
import {
  anyOf,
  arrayOf,
  bool,
  check,
  clippedStr,
  type Guard,
  type Guarded,
  isRecord,
  num,
  obj,
  optional,
  str,
  stringMap,
} from './guard';

export const PROTOCOL_VERSION = 1;
export const LIMITS = {
  frameBytes: 65_536,
  string: 1024,
  token: 4096,
  displayName: 256,
  /** Longest heartbeat a server may ask for, so Chrome keeps the worker alive. */
  maxHeartbeat: 25,
  defaultHeartbeat: 20,
  pongTimeout: 10,
  handshakeTimeout: 10,
} as const;

export const CLOSE = {
  protocolError: 4400,
  unauthorized: 4401,
  forbidden: 4403,
  handshakeTimeout: 4408,
} as const;

export const CONNECTION_STATES = [
  'CONNECTING',
  'ACCESS_GRANTED',
  'ACCESS_DENIED',
  'CONNECTION_FAILED',
  'CONNECTION_CLOSED',
] as const;
export type ConnectionState = (typeof CONNECTION_STATES)[number];

export const SESSION_ACTIONS = ['hangup', 'hold', 'unhold', 'blindTransfer', 'forward', 'accept', 'reject'] as const;
export type SessionAction = (typeof SESSION_ACTIONS)[number];

export const ERROR_CODES = [
  'FORBIDDEN',
  'NOT_FOUND',
  'INVALID',
  'BUSY',
  'FAILED',
  'RATE_LIMITED',
  'UNSUPPORTED',
] as const;

const text = str(LIMITS.string);
const displayName = clippedStr(LIMITS.displayName);
const seq = num({ min: 0, integer: true });

export const sessionGuard = obj({
  sessionId: str(LIMITS.string, { min: 1 }),
  masterSessionId: optional(text),
  state: anyOf<string | number>(text, num({ integer: true })),
  caller: text,
  callee: text,
  callerDisplayName: optional(displayName),
  calleeDisplayName: optional(displayName),
  source: optional(text),
  destination: optional(text),
  dialedNumber: optional(text),
  direction: optional(text),
  startTime: text,
  talkDuration: optional(num({ min: 0 })),
  customData: optional(stringMap()),
});
export type CtiSession = Guarded<typeof sessionGuard>;

export const permissionsGuard = obj({
  dial: optional(bool),
  control: optional(bool),
  history: optional(bool),
  monitorAll: optional(bool),
});
export type Permissions = { dial: boolean; control: boolean; history: boolean; monitorAll: boolean };

export const historyEntryGuard = obj({
  sessionId: text,
  startTime: text,
  direction: optional(text),
  caller: text,
  callee: text,
  callerDisplayName: optional(displayName),
  calleeDisplayName: optional(displayName),
  state: anyOf<string | number>(text, num({ integer: true })),
  talkDuration: optional(num({ min: 0 })),
});
export type HistoryEntry = Guarded<typeof historyEntryGuard>;

const serverFrames = {
  connectionStateChanged: obj({
    state: text,
    extension: optional(text),
    reason: optional(text),
    user: optional(
      obj({ userName: optional(text), fullName: optional(displayName), devices: optional(arrayOf(text, { max: 64 })) }),
    ),
    permissions: optional(permissionsGuard),
    tokenExpiresAt: optional(text),
    heartbeat: optional(num({ min: 1, max: 3600 })),
    /** PopLine addition: which server answered (the bridge sends its name and version). */
    server: optional(obj({ name: optional(text), version: optional(text) })),
  }),
  sessionCreated: obj({ seq, session: sessionGuard }),
  sessionStateChanged: obj({ seq, session: sessionGuard }),
  sessionClosed: obj({ seq, sessionId: text, state: optional(anyOf<string | number>(text, num({ integer: true }))) }),
  sessionsSnapshot: obj({ seq, sessions: arrayOf(sessionGuard, { max: 5000 }), requestId: optional(text) }),
  callHistory: obj({
    requestId: text,
    total: num({ min: 0, integer: true }),
    entries: arrayOf(historyEntryGuard, { max: 1000 }),
  }),
  result: obj({
    requestId: text,
    ok: bool,
    error: optional(obj({ code: text, message: optional(text) })),
    sessionId: optional(text),
  }),
  error: obj({ code: text, message: optional(text) }),
  pong: obj({ t: optional(num()) }),
};

type ServerFrames = typeof serverFrames;
export type ServerFrame = { [K in keyof ServerFrames]: { op: K } & Guarded<ServerFrames[K]> }[keyof ServerFrames];
export type ServerFrameOf<K extends keyof ServerFrames> = Extract<ServerFrame, { op: K }>;

export type ParsedFrame =
  | { kind: 'frame'; frame: ServerFrame }
  | { kind: 'ignored'; op: string }
  | { kind: 'invalid'; reason: string };

const byteLength = (text: string) =>
  text.length * 3 <= LIMITS.frameBytes ? text.length : new TextEncoder().encode(text).length;

/** The rules both directions share: a text frame within the size limit, a JSON object, a string `op`. */
function readFrame(
  data: unknown,
): { ok: true; value: Record<string, unknown>; op: string } | { ok: false; reason: string } {
  if (typeof data !== 'string') return { ok: false, reason: 'not a text frame' };
  if (byteLength(data) > LIMITS.frameBytes) return { ok: false, reason: `frame over ${LIMITS.frameBytes} bytes` };
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  if (!isRecord(value)) return { ok: false, reason: 'not a JSON object' };
  const { op } = value;
  if (typeof op !== 'string') return { ok: false, reason: 'no string op' };
  return { ok: true, value, op };
}

/** Parses one text frame from the server. Never throws. */
export function parseServerFrame(data: unknown): ParsedFrame {
  const read = readFrame(data);
  if (!read.ok) return { kind: 'invalid', reason: read.reason };
  const { value, op } = read;
  if (!Object.hasOwn(serverFrames, op)) return { kind: 'ignored', op: op.slice(0, 64) };
  const result = check(serverFrames[op as keyof ServerFrames] as Guard<unknown>, value);
  if (!result.ok) return { kind: 'invalid', reason: `${op}: ${result.error}` };
  return { kind: 'frame', frame: { op, ...(result.value as object) } as ServerFrame };
}

export const normalisePermissions = (p: Guarded<typeof permissionsGuard> | undefined): Permissions => ({
  dial: p?.dial ?? true,
  control: p?.control ?? false,
  history: p?.history ?? false,
  monitorAll: p?.monitorAll ?? false,
});

/** Frames the client sends. */
export type ClientFrame =
  | { op: 'connect'; v: number; token: string; extension?: string; client: { name: string; version: string } }
  | { op: 'createCall'; requestId: string; number: string }
  | { op: 'sessionAction'; requestId: string; sessionId: string; action: SessionAction; target?: string }
  | {
      op: 'getCallHistory';
      requestId: string;
      pageNumber: number;
      pageRows: number;
      filter?: { general?: string; from?: string; to?: string };
    }
  | { op: 'listSessions'; requestId: string }
  | { op: 'ping'; t: number };

const requestId = str(LIMITS.string, { min: 1 });

/** What a server accepts from clients; semantic checks (is it a number, is the action known) are the server's. */
const clientFrames = {
  connect: obj({
    v: optional(num()),
    token: optional(str(LIMITS.token)),
    extension: optional(str(64)),
    client: optional(obj({ name: optional(text), version: optional(text) })),
  }),
  createCall: obj({ requestId, number: text }),
  sessionAction: obj({ requestId, sessionId: text, action: text, target: optional(text) }),
  getCallHistory: obj({
    requestId,
    pageNumber: optional(num({ min: 0, integer: true })),
    pageRows: optional(num({ min: 0, integer: true })),
    filter: optional(obj({ general: optional(text), from: optional(text), to: optional(text) })),
  }),
  listSessions: obj({ requestId }),
  ping: obj({ t: optional(num()) }),
};

type ClientFrames = typeof clientFrames;
export type ReceivedClientFrame = {
  [K in keyof ClientFrames]: { op: K } & Guarded<ClientFrames[K]>;
}[keyof ClientFrames];

export type ParsedClientFrame =
  | { kind: 'frame'; frame: ReceivedClientFrame }
  | { kind: 'ignored'; op: string }
  /** `requestId` when the frame carried a usable one, so the server can answer with a failed `result`. */
  | { kind: 'invalid'; reason: string; op?: string; requestId?: string };

/** Parses one text frame from a client (server side). Never throws. */
export function parseClientFrame(data: unknown): ParsedClientFrame {
  const read = readFrame(data);
  if (!read.ok) return { kind: 'invalid', reason: read.reason };
  const { value, op } = read;
  if (!Object.hasOwn(clientFrames, op)) return { kind: 'ignored', op: op.slice(0, 64) };
  const result = check(clientFrames[op as keyof ClientFrames] as Guard<unknown>, value);
  if (!result.ok) {
    const id = value.requestId;
    const usable = typeof id === 'string' && id.length > 0 && id.length <= LIMITS.string;
    return { kind: 'invalid', reason: `${op}: ${result.error}`, op, ...(usable ? { requestId: id } : {}) };
  }
  return { kind: 'frame', frame: { op, ...(result.value as object) } as ReceivedClientFrame };
}

/** Whether a `ws://` URL is allowed without the user's explicit consent (loopback only). */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

/** Checks a server URL against the transport rules; returns a reason when it is refused. */
export function serverUrlProblem(url: string, allowInsecure: boolean): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'not a valid URL';
  }
  if (parsed.protocol === 'wss:') return null;
  if (parsed.protocol !== 'ws:') return 'the address must start with wss:// (or ws:// for this computer)';
  if (isLoopbackHost(parsed.hostname) || allowInsecure) return null;
  return 'unencrypted ws:// is only allowed for this computer; use wss:// or allow insecure servers';
}
