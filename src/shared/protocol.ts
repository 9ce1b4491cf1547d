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
  GuardError,
  type Guarded,
  isRecord,
  num,
  obj,
  oneOf,
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
  /** Presence and chat (compatible additions): an extension, a status note, a message, ids. */
  extension: 64,
  note: 140,
  message: 1000,
  messageId: 128,
  /** Users in one `directory` page, and message ids in one `markRead` or `messageStatus`. */
  directoryPage: 200,
  messageIds: 200,
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

export const PHONE_STATES = ['idle', 'ringing', 'inCall', 'onHold', 'offline'] as const;
/** The phone axis of presence, derived by the server from the calls it sees (`offline`: no connection). */
export type PhoneState = (typeof PHONE_STATES)[number];
export const AVAILABILITIES = ['available', 'away', 'dnd'] as const;
/** The availability axis: what the person set. */
export type Availability = (typeof AVAILABILITIES)[number];
export const CLIENT_STATUSES = ['ONLINE', 'OFFLINE'] as const;
export type ClientStatus = (typeof CLIENT_STATUSES)[number];
export const MESSAGE_STATES = ['delivered', 'read'] as const;
export type MessageState = (typeof MESSAGE_STATES)[number];

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
  /** Compatible addition: the PBX can answer the agent's phone (`sessionAction` `accept`). */
  accept: optional(bool),
});
export type Permissions = {
  dial: boolean;
  control: boolean;
  history: boolean;
  monitorAll: boolean;
  /** Absent means false (servers before the addition); `normalisePermissions` always sets it. */
  accept?: boolean;
};

/** Compatible addition: the optional features a server announces in `ACCESS_GRANTED`. */
export const featuresGuard = obj({ presence: optional(bool), chat: optional(bool) });
export type Features = { presence: boolean; chat: boolean };

/** A string that passes `Date.parse` (ISO 8601 on the wire). */
const isoTime: Guard<string> = (value, path = '') => {
  const s = str(64, { min: 1 })(value, path);
  if (!Number.isFinite(Date.parse(s))) throw new GuardError('expected an ISO 8601 time', path);
  return s;
};
/** A contact field (phone, mobile, e-mail): a string; one over `max` is dropped, not the whole user. */
const contact =
  (max: number): Guard<string | undefined> =>
  (value, path = '') => {
    const s = str(Number.MAX_SAFE_INTEGER)(value, path);
    return s.length > max ? undefined : s;
  };
const extensionId = str(LIMITS.extension, { min: 1 });
const messageId = str(LIMITS.messageId, { min: 1 });

/** Presence of one colleague: the phone axis (from calls) and the availability axis (what they set). */
export const clientStateGuard = obj({
  phoneNumber: extensionId,
  status: oneOf(CLIENT_STATUSES),
  phone: oneOf(PHONE_STATES),
  availability: oneOf(AVAILABILITIES),
  note: optional(clippedStr(LIMITS.note)),
  until: optional(isoTime),
  nickname: optional(clippedStr(LIMITS.displayName)),
});
export type ClientState = Guarded<typeof clientStateGuard>;

/** One user of the directory (Ozeki's `onUserInfoReceived`). Every string is untrusted text. */
export const directoryUserGuard = obj({
  extension: extensionId,
  name: optional(clippedStr(LIMITS.displayName)),
  fullName: optional(clippedStr(LIMITS.displayName)),
  phone: optional(contact(LIMITS.displayName)),
  mobile: optional(contact(LIMITS.displayName)),
  email: optional(contact(LIMITS.displayName)),
  devices: optional(arrayOf(str(LIMITS.extension), { max: 64 })),
  nickname: optional(clippedStr(LIMITS.displayName)),
  state: optional(clientStateGuard),
});
export type DirectoryUser = Guarded<typeof directoryUserGuard>;

const directoryGuard: Guard<{ page: number; pages: number; users: DirectoryUser[] }> = (value, path = '') => {
  const frame = obj({
    page: num({ min: 1, integer: true }),
    pages: num({ min: 1, max: 10_000, integer: true }),
    users: arrayOf(directoryUserGuard, { max: LIMITS.directoryPage }),
  })(value, path);
  if (frame.page > frame.pages) throw new GuardError('page after the last page', path);
  return frame;
};

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
    /** Compatible addition: which of presence and chat this server offers. */
    features: optional(featuresGuard),
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
    /** Compatible addition: the id a `sendMessage` got. */
    messageId: optional(messageId),
  }),
  error: obj({ code: text, message: optional(text) }),
  pong: obj({ t: optional(num()) }),
  // Presence and chat (compatible additions; see docs/protocol.md "Team").
  directory: directoryGuard,
  userInfoReceived: obj({ user: directoryUserGuard }),
  clientStateChanged: clientStateGuard,
  messageReceived: obj({
    id: messageId,
    from: extensionId,
    to: extensionId,
    content: clippedStr(LIMITS.message),
    time: isoTime,
  }),
  messageStatus: obj({
    ids: arrayOf(messageId, { max: LIMITS.messageIds }),
    state: oneOf(MESSAGE_STATES),
    by: extensionId,
    time: isoTime,
  }),
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
  accept: p?.accept ?? false,
});

export const normaliseFeatures = (f: Guarded<typeof featuresGuard> | undefined): Features => ({
  presence: f?.presence ?? false,
  chat: f?.chat ?? false,
});

/**
 * Cuts a directory into `directory` frames: at most `LIMITS.directoryPage` users each and each
 * within the frame limit (a user too large alone loses its optional fields but `extension`).
 * Always at least one frame, so an empty directory is announced too.
 */
export function directoryFrames(users: readonly DirectoryUser[], frameBytes: number = LIMITS.frameBytes): string[] {
  const encoder = new TextEncoder();
  const room = frameBytes - 64; // `{"op":"directory","page":N,"pages":N,"users":[...]}` around the users.
  const pages: string[][] = [];
  let page: string[] = [];
  let size = 0;
  for (const user of users) {
    let json = JSON.stringify(user);
    let bytes = encoder.encode(json).length + 1;
    if (bytes > room) {
      json = JSON.stringify({ extension: user.extension });
      bytes = json.length + 1;
    }
    if (page.length >= LIMITS.directoryPage || (page.length > 0 && size + bytes > room)) {
      pages.push(page);
      page = [];
      size = 0;
    }
    page.push(json);
    size += bytes;
  }
  pages.push(page);
  return pages.map(
    (list, index) => `{"op":"directory","page":${index + 1},"pages":${pages.length},"users":[${list.join(',')}]}`,
  );
}

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
  | { op: 'ping'; t: number }
  | { op: 'setAvailability'; requestId: string; availability: Availability; note?: string; until?: string }
  | { op: 'sendMessage'; requestId: string; to: string; content: string }
  | { op: 'markRead'; requestId: string; ids: string[] };

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
  // Presence and chat: checked fully here, so a bad one is answered INVALID with its requestId.
  setAvailability: obj({
    requestId,
    availability: oneOf(AVAILABILITIES),
    note: optional(str(LIMITS.note)),
    until: optional(isoTime),
  }),
  sendMessage: obj({ requestId, to: extensionId, content: str(LIMITS.message, { min: 1 }) }),
  markRead: obj({ requestId, ids: arrayOf(messageId, { max: LIMITS.messageIds }) }),
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
