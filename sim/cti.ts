/**
 * The server side of the PopLine CTI protocol (docs/protocol.md) on top of the simulated PBX:
 * token check, snapshot on connect, every call's events to every client (clients filter),
 * commands, heartbeat supervision, limits. Test hooks (drop, freeze, raw frames) live here
 * because only the server side can misbehave on purpose.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { ENDED, type Pbx, type PbxEvent, type Vocabulary, wireSession, wireState } from './pbx';
import { Timers } from './timers';

export interface TokenInfo {
  /** Bound extension; when absent the client names one in `connect`. */
  extension?: string;
  userName?: string;
  fullName?: string;
  permissions?: Partial<Permissions>;
  /** ISO time; a token past it is refused with "token expired". */
  expiresAt?: string;
}

interface Permissions {
  dial: boolean;
  control: boolean;
  history: boolean;
  monitorAll: boolean;
}

export interface CtiOptions {
  tokens: Record<string, TokenInfo>;
  vocabulary: Vocabulary;
  /** Seconds; sent to clients, who ping this often. */
  heartbeat: number;
  handshakeTimeoutMs: number;
  /** Click-to-dial timing: the agent's phone answers, then the customer's. */
  dialAgentMs: number;
  dialCustomerMs: number;
}

export const DEFAULT_TOKEN = 'popline-demo';

export const defaultCtiOptions = (): CtiOptions => ({
  tokens: {
    [DEFAULT_TOKEN]: {
      userName: 'agent',
      fullName: 'Demo Agent',
      permissions: { dial: true, control: true, history: true, monitorAll: true },
    },
  },
  vocabulary: 'dotnet',
  heartbeat: 20,
  handshakeTimeoutMs: 10_000,
  dialAgentMs: 800,
  dialCustomerMs: 2500,
});

const FRAME_LIMIT = 65_536;
const MAX_BAD_FRAMES = 20;
const MAX_DIAL_LOG = 1000;

interface Client {
  socket: WebSocket;
  granted: boolean;
  extension: string;
  permissions: Permissions;
  badFrames: number;
  lastHeard: number;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isText = (v: unknown, max = 1024): v is string => typeof v === 'string' && v.length <= max;

export class CtiServer {
  readonly wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
  readonly clients = new Set<Client>();
  /** Every createCall received (the last MAX_DIAL_LOG), valid or not: tests check who asked to dial what. */
  readonly dialRequests: { extension: string; number: string }[] = [];
  private frozenUntil = 0;
  private readonly timers = new Timers();
  private readonly supervisor: ReturnType<typeof setInterval>;

  constructor(
    readonly pbx: Pbx,
    readonly options: CtiOptions,
  ) {
    pbx.on('event', (event) => this.broadcast(event));
    this.wss.on('connection', (socket) => this.accept(socket));
    this.supervisor = setInterval(() => this.superviseSilence(), 1000);
    this.supervisor.unref();
  }

  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.wss.handleUpgrade(request, socket, head, (ws) => this.wss.emit('connection', ws, request));
  }

  /** Connections that completed the handshake. */
  get grantedCount(): number {
    return [...this.clients].filter((client) => client.granted).length;
  }

  private accept(socket: WebSocket): void {
    const client: Client = {
      socket,
      granted: false,
      extension: '',
      permissions: { dial: false, control: false, history: false, monitorAll: false },
      badFrames: 0,
      lastHeard: Date.now(),
    };
    this.clients.add(client);
    const handshake = setTimeout(() => {
      if (!client.granted) socket.close(4408, 'handshake timeout');
    }, this.options.handshakeTimeoutMs);
    socket.on('message', (data, isBinary) => {
      client.lastHeard = Date.now();
      this.receive(client, isBinary ? null : data.toString());
    });
    socket.on('close', () => {
      clearTimeout(handshake);
      this.clients.delete(client);
    });
    socket.on('error', () => undefined);
  }

  private send(client: Client, frame: Record<string, unknown> | string): void {
    if (Date.now() < this.frozenUntil) return;
    if (client.socket.readyState === WebSocket.OPEN) {
      client.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
    }
  }

  private bad(client: Client, message: string): void {
    client.badFrames += 1;
    this.send(client, { op: 'error', code: 'INVALID', message });
    if (client.badFrames >= MAX_BAD_FRAMES) client.socket.close(4400, 'too many protocol errors');
  }

  private receive(client: Client, text: string | null): void {
    if (Date.now() < this.frozenUntil) return;
    if (text === null) return this.bad(client, 'binary frames are not supported');
    if (Buffer.byteLength(text) > FRAME_LIMIT) return this.bad(client, 'frame too large');
    let frame: unknown;
    try {
      frame = JSON.parse(text);
    } catch {
      return this.bad(client, 'not JSON');
    }
    if (!isRecord(frame) || typeof frame.op !== 'string') return this.bad(client, 'no op');
    if (!client.granted) {
      if (frame.op !== 'connect') return this.bad(client, 'connect first');
      return this.handshake(client, frame);
    }
    switch (frame.op) {
      case 'ping':
        return this.send(client, { op: 'pong', t: typeof frame.t === 'number' ? frame.t : Date.now() });
      case 'listSessions':
        if (!isText(frame.requestId)) return this.bad(client, 'requestId required');
        return this.sendSnapshot(client, frame.requestId);
      case 'createCall':
        return this.createCall(client, frame);
      case 'sessionAction':
        return this.sessionAction(client, frame);
      case 'getCallHistory':
        return this.callHistory(client, frame);
      default:
        return; // Unknown ops are ignored.
    }
  }

  private handshake(client: Client, frame: Record<string, unknown>): void {
    if (frame.v !== 1) {
      this.send(client, { op: 'error', code: 'UNSUPPORTED_VERSION', message: 'this server speaks version 1' });
      client.socket.close(4400, 'unsupported version');
      return;
    }
    const deny = (reason: string) => {
      this.send(client, { op: 'connectionStateChanged', state: 'ACCESS_DENIED', reason });
      client.socket.close(4401, reason);
    };
    const token = isText(frame.token, 4096) ? this.options.tokens[frame.token] : undefined;
    if (!token || !Object.hasOwn(this.options.tokens, frame.token as string)) return deny('invalid token');
    if (token.expiresAt && Date.parse(token.expiresAt) <= Date.now()) return deny('token expired');
    const extension = token.extension ?? (isText(frame.extension, 64) ? frame.extension : '');
    if (!extension) return deny('no extension given for this token');
    if (token.extension && isText(frame.extension) && frame.extension && frame.extension !== token.extension) {
      return deny(`this token belongs to extension ${token.extension}`);
    }
    client.granted = true;
    client.extension = extension;
    client.permissions = { dial: true, control: true, history: true, monitorAll: false, ...token.permissions };
    const granted: Record<string, unknown> = {
      op: 'connectionStateChanged',
      state: 'ACCESS_GRANTED',
      extension,
      user: { userName: token.userName ?? extension, fullName: token.fullName ?? '', devices: [extension] },
      permissions: client.permissions,
      heartbeat: this.options.heartbeat,
    };
    if (token.expiresAt) granted.tokenExpiresAt = token.expiresAt;
    this.send(client, granted);
    this.sendSnapshot(client);
  }

  private sendSnapshot(client: Client, requestId?: string): void {
    const sessions = this.pbx.active().map((call) => wireSession(call, this.options.vocabulary));
    this.send(client, { op: 'sessionsSnapshot', seq: this.pbx.seq, sessions, ...(requestId ? { requestId } : {}) });
  }

  private result(client: Client, requestId: string, ok: boolean, extra: Record<string, unknown> = {}): void {
    this.send(client, { op: 'result', requestId, ok, ...extra });
  }

  private fail(client: Client, requestId: string, code: string, message: string): void {
    this.result(client, requestId, false, { error: { code, message } });
  }

  private createCall(client: Client, frame: Record<string, unknown>): void {
    this.dialRequests.push({ extension: client.extension, number: String(frame.number).slice(0, 64) });
    if (this.dialRequests.length > MAX_DIAL_LOG) this.dialRequests.shift();
    if (!isText(frame.requestId)) return this.bad(client, 'requestId required');
    const { requestId } = frame;
    if (!client.permissions.dial) return this.fail(client, requestId, 'FORBIDDEN', 'this token may not dial');
    if (!isText(frame.number, 64) || !/\d/.test(frame.number)) {
      return this.fail(client, requestId, 'INVALID', 'not a number');
    }
    const call = this.pbx.originate(client.extension, frame.number);
    this.result(client, requestId, true, { sessionId: call.sessionId });
    this.timers.later(this.options.dialAgentMs, () => this.advance(call.sessionId, 'setup', 'ringing'));
    this.timers.later(this.options.dialAgentMs + this.options.dialCustomerMs, () =>
      this.advance(call.sessionId, 'ringing', 'incall'),
    );
  }

  private advance(id: string, from: string, to: 'ringing' | 'incall'): void {
    const call = this.pbx.calls.get(id);
    if (call?.state === from) this.pbx.setState(id, to);
  }

  private sessionAction(client: Client, frame: Record<string, unknown>): void {
    if (!isText(frame.requestId)) return this.bad(client, 'requestId required');
    const { requestId } = frame;
    if (!client.permissions.control)
      return this.fail(client, requestId, 'FORBIDDEN', 'this token may not control calls');
    const id = isText(frame.sessionId) ? frame.sessionId : '';
    if (!this.pbx.calls.has(id)) return this.fail(client, requestId, 'NOT_FOUND', 'no such call');
    const target = isText(frame.target, 64) ? frame.target : '';
    try {
      switch (frame.action) {
        case 'hangup':
          this.pbx.hangup(id);
          break;
        case 'hold':
          this.pbx.hold(id);
          break;
        case 'unhold':
        case 'accept':
          this.pbx.answer(id);
          break;
        case 'reject':
          this.pbx.reject(id);
          break;
        case 'blindTransfer':
        case 'forward':
          if (!target) return this.fail(client, requestId, 'INVALID', 'a target number is required');
          this.pbx.transfer(id, target);
          break;
        default:
          return this.fail(client, requestId, 'UNSUPPORTED', 'unknown action');
      }
    } catch (error) {
      return this.fail(client, requestId, 'FAILED', (error as Error).message);
    }
    this.result(client, requestId, true, { sessionId: id });
  }

  private callHistory(client: Client, frame: Record<string, unknown>): void {
    if (!isText(frame.requestId)) return this.bad(client, 'requestId required');
    const { requestId } = frame;
    if (!client.permissions.history)
      return this.fail(client, requestId, 'FORBIDDEN', 'this token may not read history');
    const page = Number.isInteger(frame.pageNumber) ? Math.max(0, frame.pageNumber as number) : 0;
    const rows = Number.isInteger(frame.pageRows) ? Math.min(1000, Math.max(1, frame.pageRows as number)) : 50;
    const filter = isRecord(frame.filter) ? frame.filter : {};
    const general = isText(filter.general) ? filter.general.toLowerCase() : '';
    const from = isText(filter.from) ? Date.parse(filter.from) : Number.NaN;
    const to = isText(filter.to) ? Date.parse(filter.to) : Number.NaN;
    const matches = this.pbx.history.filter((record) => {
      if (!client.permissions.monitorAll && record.caller !== client.extension && record.callee !== client.extension) {
        return false;
      }
      const time = Date.parse(record.startTime);
      if (Number.isFinite(from) && time < from) return false;
      if (Number.isFinite(to) && time > to) return false;
      if (!general) return true;
      return [record.caller, record.callee, record.callerDisplayName, record.calleeDisplayName].some((value) =>
        value?.toLowerCase().includes(general),
      );
    });
    const entries = matches.slice(page * rows, (page + 1) * rows).map((record) => ({
      ...record,
      state: wireState(record.state, this.options.vocabulary),
    }));
    this.send(client, { op: 'callHistory', requestId, total: matches.length, entries });
  }

  private broadcast(event: PbxEvent): void {
    const { vocabulary } = this.options;
    let frame: string;
    if (event.type === 'closed') {
      frame = JSON.stringify({
        op: 'sessionClosed',
        seq: event.seq,
        sessionId: event.call.sessionId,
        state: wireState(event.call.state, vocabulary),
      });
    } else {
      const op = event.type === 'created' ? 'sessionCreated' : 'sessionStateChanged';
      frame = JSON.stringify({ op, seq: event.seq, session: wireSession(event.call, vocabulary) });
    }
    for (const client of this.clients) if (client.granted) this.send(client, frame);
  }

  /** Closes connections silent for three heartbeats, as the protocol says. */
  private superviseSilence(): void {
    const limit = this.options.heartbeat * 3 * 1000;
    for (const client of this.clients) {
      if (client.granted && Date.now() - client.lastHeard > limit) client.socket.close(1001, 'silent too long');
    }
  }

  /** Test hook: cuts every connection without a closing handshake (a network drop). */
  dropAll(): number {
    const count = this.clients.size;
    for (const client of this.clients) client.socket.terminate();
    return count;
  }

  /** Test hook: sends a raw text frame to every connected client. */
  sendRaw(text: string): number {
    let sent = 0;
    for (const client of this.clients) {
      if (client.granted && client.socket.readyState === WebSocket.OPEN) {
        client.socket.send(text);
        sent += 1;
      }
    }
    return sent;
  }

  /** Test hook: the server goes silent (no answers, no events) for `ms`, like a hung PBX. */
  freeze(ms: number): void {
    this.frozenUntil = Date.now() + ms;
  }

  close(): void {
    clearInterval(this.supervisor);
    this.timers.clear();
    for (const client of this.clients) client.socket.terminate();
    this.wss.close();
  }
}

export const isEnded = (state: string) => ENDED.has(state as never);
