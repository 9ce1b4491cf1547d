/**
 * The CTI protocol's server side (docs/protocol.md), one instance per bridge process: handshake with
 * the token authority, snapshot on connect, every call event to the agents that may see it, commands
 * answered by requestId, heartbeat supervision, close codes, limits and back-pressure. Sending is
 * per socket and never awaited: a slow agent is cut, it never holds the others up.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import {
  CLOSE,
  type CtiSession,
  LIMITS,
  PROTOCOL_VERSION,
  parseClientFrame,
  type ReceivedClientFrame,
  SESSION_ACTIONS,
  type SessionAction,
} from '../../../src/shared/protocol';
import type { Verdict } from '../auth/tokens';
import { numberKey } from '../sources/query';
import type { CallCommand, CommandOutcome, HistoryPage, HistoryQuery, SourceLog } from '../sources/types';
import type { BookEvent, BookView } from './calls';
import { Connection } from './connection';
import { fitSession, fitSessions } from './fit';
import type { HubLimits } from './limits';
import { LocalTeamStore, Team, type TeamOptions, type TeamStore } from './team';

export interface HubOptions {
  /** Seconds; clients ping this often, and three silent heartbeats close a connection. */
  heartbeat: number;
  handshakeTimeoutMs: number;
  limits: HubLimits;
  /** Presence and chat (docs/protocol.md, "Team"); absent: none, and their commands are UNSUPPORTED. */
  team?: TeamOptions;
  /** The PBX can answer an agent's phone: `permissions.accept` for agents that may control calls. */
  accept?: boolean;
}

export interface Authenticator {
  verify(token: unknown, extension: string | undefined): Verdict;
  onRevoke?(listener: (id: string) => void): () => void;
}

export interface Throttle {
  delayMs(address: string): number;
  failed(address: string): void;
  succeeded(address: string): void;
}

/** The part of the bridge's metrics the hub feeds (bridge/src/ops/metrics.ts). */
export interface HubMetrics {
  connections: { set(n: number): void };
  handshakesRefused: { inc(reason: string): void };
  framesOut: { inc(n?: number): void };
  latency: { observe(seconds: number): void };
  slowConsumers: { inc(): void };
}

/** Where commands go once the hub has checked the frame and the permission (bridge/src/server/router.ts). */
export interface CommandPort {
  dial(connection: Connection, number: string): Promise<CommandOutcome>;
  call(connection: Connection, command: CallCommand, sessionId: string, target?: string): Promise<CommandOutcome>;
  history(query: HistoryQuery): Promise<HistoryPage>;
}

export interface HubDeps {
  auth: Authenticator;
  /** A cluster's book also gives the team's store on its Redis. */
  book: BookView & { teamStore?(): TeamStore };
  commands: CommandPort;
  throttle?: Throttle;
  metrics?: HubMetrics;
  log?: SourceLog;
  server: { name: string; version: string };
  /** Where the team's state and messages are shared (a cluster's Redis); default: this process. */
  teamStore?: TeamStore;
}

const MAX_DIAL_LOG = 1000;
/** Connections from one address that have not finished the handshake; more are refused with 429. */
export const MAX_PENDING_PER_ADDRESS = 64;
const REVERIFY_EVERY_TICKS = 10;
const ACTIONS: Record<SessionAction, CallCommand> = {
  hangup: 'hangup',
  hold: 'hold',
  unhold: 'unhold',
  blindTransfer: 'transfer',
  forward: 'forward',
  accept: 'accept',
  reject: 'reject',
};

const quiet: SourceLog = { debug() {}, info() {}, warn() {}, error() {} };
const closeReason = (text: string) => Buffer.from(text).subarray(0, 120).toString();

/** The address a connection comes from; behind a proxy on this machine, the one the proxy names. */
function remoteAddress(request: IncomingMessage): string {
  const direct = request.socket.remoteAddress ?? 'unknown';
  const forwarded = request.headers['x-forwarded-for'];
  const loopback = direct === '::1' || direct.startsWith('127.') || direct === '::ffff:127.0.0.1';
  if (!loopback || typeof forwarded !== 'string') return direct;
  return forwarded.split(',').pop()?.trim().slice(0, 64) || direct;
}

export class CtiHub<O extends HubOptions = HubOptions> {
  readonly wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024, clientTracking: false });
  readonly clients = new Set<Connection>();
  /** Every createCall received (the last MAX_DIAL_LOG), valid or not: tests check who asked to dial what. */
  readonly dialRequests: { extension: string; number: string }[] = [];
  /** Counters the tests and the bench read (the metrics have them too). */
  readonly stats = {
    handshakesSlowed: 0,
    maxHandshakeDelayMs: 0,
    slowConsumers: 0,
    rateLimited: 0,
    strikeOuts: 0,
    pendingRefused: 0,
  };
  private readonly byNumber = new Map<string, Set<Connection>>();
  private readonly watchers = new Set<Connection>();
  private readonly pending = new Map<string, number>();
  private granted = 0;
  private frozenUntil = 0;
  private accepting = true;
  private ticks = 0;
  private readonly supervisor: ReturnType<typeof setInterval>;
  private readonly unsubscribe: (() => void) | undefined;
  private readonly log: SourceLog;
  /** Presence and chat, when `options.team` is set. */
  readonly team: Team | undefined;

  constructor(
    readonly options: O,
    private readonly deps: HubDeps,
  ) {
    this.log = deps.log ?? quiet;
    this.supervisor = setInterval(() => this.supervise(), 1000);
    this.supervisor.unref();
    this.unsubscribe = deps.auth.onRevoke?.((id) => {
      for (const c of this.clients) if (c.grant?.id === id) this.deny(c, 'token revoked', CLOSE.unauthorized);
    });
    const hub = this;
    this.team = options.team
      ? new Team(options.team, deps.teamStore ?? deps.book.teamStore?.() ?? new LocalTeamStore(), {
          *clients() {
            for (const c of hub.clients) if (c.granted) yield c;
          },
          send: (c, text) => this.send(c, text),
          book: deps.book,
          log: this.log,
        })
      : undefined;
  }

  /** Connections that completed the handshake. */
  get grantedCount(): number {
    return this.granted;
  }

  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (!this.accepting) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    const address = remoteAddress(request);
    if ((this.pending.get(address) ?? 0) >= MAX_PENDING_PER_ADDRESS) {
      this.stats.pendingRefused += 1;
      this.deps.metrics?.handshakesRefused.inc('too many pending handshakes');
      socket.end('HTTP/1.1 429 Too Many Requests\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(request, socket, head, (ws) => this.accept(ws, address));
  }

  private pendingDone(c: Connection): void {
    if (!c.pending) return;
    c.pending = false;
    const left = (this.pending.get(c.address) ?? 1) - 1;
    if (left > 0) this.pending.set(c.address, left);
    else this.pending.delete(c.address);
  }

  /** The book's events, fanned out: one serialisation, one non-blocking send per agent that may see the call. */
  publish(event: BookEvent): void {
    const frame =
      event.type === 'closed'
        ? { op: 'sessionClosed', seq: event.seq, sessionId: event.session.sessionId, state: event.session.state }
        : {
            op: event.created ? 'sessionCreated' : 'sessionStateChanged',
            seq: event.seq,
            session: fitSession(event.session, LIMITS.frameBytes),
          };
    const text = JSON.stringify(frame);
    let sent = 0;
    for (const c of this.watchers) if (this.send(c, text)) sent += 1;
    const keys = new Set([numberKey(event.session.caller), numberKey(event.session.callee)]);
    if (event.type === 'upsert' && event.previous) {
      keys.add(numberKey(event.previous.caller));
      keys.add(numberKey(event.previous.callee));
    }
    const reached = keys.size > 1 ? new Set<Connection>() : undefined;
    for (const key of keys) {
      for (const c of this.byNumber.get(key) ?? []) {
        if (reached) {
          if (reached.has(c)) continue;
          reached.add(c);
        }
        if (this.send(c, text)) sent += 1;
      }
    }
    if (sent) this.deps.metrics?.framesOut.inc(sent);
    this.deps.metrics?.latency.observe((performance.now() - event.at) / 1000);
    this.team?.callEvent(event);
  }

  private accept(socket: WebSocket, address: string): void {
    const c = new Connection(socket, address, this.options.limits);
    this.clients.add(c);
    c.pending = true;
    this.pending.set(address, (this.pending.get(address) ?? 0) + 1);
    c.handshakeTimer = setTimeout(() => {
      if (!c.granted) {
        this.deps.metrics?.handshakesRefused.inc('handshake timeout');
        socket.close(CLOSE.handshakeTimeout, 'handshake timeout');
      }
    }, this.options.handshakeTimeoutMs);
    socket.on('message', (data, isBinary) => this.receive(c, data as Buffer, isBinary));
    socket.on('close', () => this.forget(c));
    socket.on('error', () => undefined);
  }

  private forget(c: Connection): void {
    clearTimeout(c.handshakeTimer);
    this.pendingDone(c);
    if (!this.clients.delete(c)) return;
    if (c.granted) {
      this.team?.leave(c);
      this.granted -= 1;
      this.deps.metrics?.connections.set(this.granted);
      this.watchers.delete(c);
      for (const key of c.numbers) {
        const set = this.byNumber.get(key);
        set?.delete(c);
        if (set?.size === 0) this.byNumber.delete(key);
      }
    }
  }

  /** Sends one frame; false when it was not sent. A socket whose backlog is past the bound is cut. */
  send(c: Connection, frame: Record<string, unknown> | string): boolean {
    if (Date.now() < this.frozenUntil) return false;
    const { socket } = c;
    if (socket.readyState !== WebSocket.OPEN) return false;
    if (socket.bufferedAmount > this.options.limits.maxBufferedBytes) {
      this.stats.slowConsumers += 1;
      this.deps.metrics?.slowConsumers.inc();
      this.log.warn('slow consumer cut', {
        extension: c.extension,
        address: c.address,
        buffered: socket.bufferedAmount,
      });
      socket.terminate();
      return false;
    }
    socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
    return true;
  }

  /** A protocol error: told, and counted; past the budget the connection is closed with 4400. */
  private strike(c: Connection, message: string, tell = true): void {
    if (tell) this.send(c, { op: 'error', code: 'INVALID', message });
    if (!c.strikes.take()) {
      this.stats.strikeOuts += 1;
      this.log.info('connection closed after repeated protocol errors', { address: c.address, last: message });
      c.socket.close(CLOSE.protocolError, 'too many protocol errors');
    }
  }

  private receive(c: Connection, data: Buffer, isBinary: boolean): void {
    c.lastHeard = Date.now();
    if (c.lastHeard < this.frozenUntil) return;
    if (isBinary) return this.strike(c, 'binary frames are not supported');
    if (data.length > this.options.limits.frameBytes) {
      return this.strike(c, `frame over ${this.options.limits.frameBytes} bytes`);
    }
    const parsed = parseClientFrame(data.toString('utf8'));
    if (!c.granted) {
      if (parsed.kind === 'frame' && parsed.frame.op === 'connect') return this.handshake(c, parsed.frame);
      return this.strike(c, parsed.kind === 'invalid' ? parsed.reason : 'connect first');
    }
    if (parsed.kind === 'invalid') {
      if (parsed.requestId) this.fail(c, parsed.requestId, 'INVALID', parsed.reason);
      return this.strike(c, parsed.reason, !parsed.requestId);
    }
    if (parsed.kind === 'ignored' || parsed.frame.op === 'connect' || parsed.frame.op === 'ping') {
      if (!c.otherFrames.take()) return this.strike(c, 'too many frames', false);
      if (parsed.kind === 'frame' && parsed.frame.op === 'ping') {
        this.send(c, { op: 'pong', t: parsed.frame.t ?? Date.now() });
      }
      return; // Unknown ops (and a second connect) are ignored.
    }
    const { frame } = parsed;
    if (!c.commands.take()) {
      this.stats.rateLimited += 1;
      this.fail(c, frame.requestId, 'RATE_LIMITED', 'too many commands; slow down');
      return this.strike(c, 'rate limited', false);
    }
    void this.command(c, frame).catch((error) => {
      this.log.error('command failed', { op: frame.op, error: (error as Error).message });
      this.fail(c, frame.requestId, 'FAILED', 'the bridge could not carry out the command');
    });
  }

  private handshake(c: Connection, frame: Extract<ReceivedClientFrame, { op: 'connect' }>): void {
    if (c.verifying) return;
    if (frame.v !== PROTOCOL_VERSION) {
      this.deps.metrics?.handshakesRefused.inc('unsupported version');
      this.send(c, {
        op: 'error',
        code: 'UNSUPPORTED_VERSION',
        message: `this server speaks version ${PROTOCOL_VERSION}`,
      });
      c.socket.close(CLOSE.protocolError, 'unsupported version');
      return;
    }
    c.verifying = true;
    const delay = this.deps.throttle?.delayMs(c.address) ?? 0;
    if (delay <= 0) return this.verify(c, frame);
    this.stats.handshakesSlowed += 1;
    this.stats.maxHandshakeDelayMs = Math.max(this.stats.maxHandshakeDelayMs, delay);
    this.log.debug('handshake slowed after failures', { address: c.address, delayMs: delay });
    setTimeout(() => this.verify(c, frame), delay).unref();
  }

  private verify(c: Connection, frame: Extract<ReceivedClientFrame, { op: 'connect' }>): void {
    if (c.socket.readyState !== WebSocket.OPEN) return;
    const verdict = this.deps.auth.verify(frame.token, frame.extension);
    if (!verdict.ok) {
      this.deps.throttle?.failed(c.address);
      this.deps.metrics?.handshakesRefused.inc(verdict.reason);
      this.log.info('handshake refused', { address: c.address, reason: verdict.reason, closeCode: verdict.code });
      return this.deny(c, verdict.reason, verdict.code);
    }
    this.deps.throttle?.succeeded(c.address);
    clearTimeout(c.handshakeTimer);
    this.pendingDone(c);
    const { grant, extension } = verdict;
    c.granted = true;
    c.extension = extension;
    c.grant = grant;
    c.token = frame.token ?? '';
    c.permissions = { ...grant.permissions };
    c.numbers = [...new Set([extension, ...grant.extensions].map(numberKey))];
    this.granted += 1;
    this.deps.metrics?.connections.set(this.granted);
    if (c.permissions.monitorAll) this.watchers.add(c);
    else {
      for (const key of c.numbers) {
        const set = this.byNumber.get(key) ?? new Set<Connection>();
        this.byNumber.set(key, set);
        set.add(c);
      }
    }
    this.log.debug('agent connected', { extension, grant: grant.id, address: c.address });
    this.send(c, {
      op: 'connectionStateChanged',
      state: 'ACCESS_GRANTED',
      extension,
      user: { userName: grant.userName ?? extension, fullName: grant.fullName ?? '', devices: [extension] },
      permissions: this.options.accept && c.permissions.control ? { ...c.permissions, accept: true } : c.permissions,
      ...(grant.expiresAt ? { tokenExpiresAt: grant.expiresAt } : {}),
      heartbeat: this.options.heartbeat,
      server: this.deps.server,
      ...(this.team ? { features: this.team.features } : {}),
    });
    this.sendSnapshot(c);
    this.team?.join(c).catch((error) => this.log.warn('team: join failed', { error: String(error) }));
  }

  private deny(c: Connection, reason: string, code: number): void {
    this.send(c, { op: 'connectionStateChanged', state: 'ACCESS_DENIED', reason });
    c.socket.close(code, closeReason(reason));
  }

  private sendSnapshot(c: Connection, requestId?: string): void {
    const sessions: CtiSession[] = [];
    for (const call of this.deps.book.active()) if (c.sees(call.session)) sessions.push(call.session);
    const seq = this.deps.book.seq;
    const fitted = fitSessions(sessions, c, LIMITS.frameBytes, (list) =>
      JSON.stringify({ op: 'sessionsSnapshot', seq, sessions: list, ...(requestId ? { requestId } : {}) }),
    );
    if (fitted.dropped)
      this.log.warn('snapshot cut to fit one frame', { extension: c.extension, dropped: fitted.dropped });
    this.send(c, fitted.text);
  }

  private result(c: Connection, requestId: string, outcome: CommandOutcome | { ok: true; messageId: string }): void {
    if (outcome.ok) {
      this.send(c, {
        op: 'result',
        requestId,
        ok: true,
        ...('sessionId' in outcome && outcome.sessionId ? { sessionId: outcome.sessionId } : {}),
        ...('messageId' in outcome ? { messageId: outcome.messageId } : {}),
      });
    } else this.fail(c, requestId, outcome.code, outcome.message);
  }

  private fail(c: Connection, requestId: string, code: string, message: string): void {
    this.send(c, { op: 'result', requestId, ok: false, error: { code, message: message.slice(0, 1024) } });
  }

  private async command(c: Connection, frame: Exclude<ReceivedClientFrame, { op: 'connect' | 'ping' }>): Promise<void> {
    switch (frame.op) {
      case 'listSessions':
        return this.sendSnapshot(c, frame.requestId);
      case 'createCall': {
        this.dialRequests.push({ extension: c.extension, number: frame.number.slice(0, 64) });
        if (this.dialRequests.length > MAX_DIAL_LOG) this.dialRequests.shift();
        if (!c.permissions.dial) return this.fail(c, frame.requestId, 'FORBIDDEN', 'this token may not dial');
        if (frame.number.length > 64 || !/\d/.test(frame.number)) {
          return this.fail(c, frame.requestId, 'INVALID', 'not a number');
        }
        return this.result(c, frame.requestId, await this.deps.commands.dial(c, frame.number));
      }
      case 'sessionAction': {
        const { requestId } = frame;
        if (!c.permissions.control) return this.fail(c, requestId, 'FORBIDDEN', 'this token may not control calls');
        const call = this.deps.book.get(frame.sessionId);
        if (!call || !c.sees(call.session)) return this.fail(c, requestId, 'NOT_FOUND', 'no such call');
        const command = (SESSION_ACTIONS as readonly string[]).includes(frame.action)
          ? ACTIONS[frame.action as SessionAction]
          : undefined;
        if (!command) return this.fail(c, requestId, 'UNSUPPORTED', 'unknown action');
        const target = frame.target && frame.target.length <= 64 ? frame.target : '';
        if ((command === 'transfer' || command === 'forward') && !target) {
          return this.fail(c, requestId, 'INVALID', 'a target number is required');
        }
        const outcome = await this.deps.commands.call(c, command, frame.sessionId, target || undefined);
        return this.result(
          c,
          requestId,
          outcome.ok ? { ok: true, sessionId: outcome.sessionId ?? frame.sessionId } : outcome,
        );
      }
      case 'getCallHistory': {
        const { requestId } = frame;
        if (!c.permissions.history) return this.fail(c, requestId, 'FORBIDDEN', 'this token may not read history');
        const filter = frame.filter ?? {};
        const from = filter.from ? Date.parse(filter.from) : Number.NaN;
        const to = filter.to ? Date.parse(filter.to) : Number.NaN;
        const query: HistoryQuery = {
          pageNumber: frame.pageNumber ?? 0,
          pageRows: Math.min(1000, Math.max(1, frame.pageRows ?? 50)),
          ...(filter.general ? { general: filter.general } : {}),
          ...(Number.isFinite(from) ? { from } : {}),
          ...(Number.isFinite(to) ? { to } : {}),
          numbers: c.permissions.monitorAll ? null : c.numbers,
        };
        const page = await this.deps.commands.history(query);
        const fitted = fitSessions(page.entries, c, LIMITS.frameBytes, (entries) =>
          JSON.stringify({ op: 'callHistory', requestId, total: page.total, entries }),
        );
        this.send(c, fitted.text);
        return;
      }
      case 'setAvailability':
      case 'sendMessage':
      case 'markRead':
        if (!this.team) return this.fail(c, frame.requestId, 'UNSUPPORTED', 'this server has no presence or chat');
        return this.result(c, frame.requestId, await this.team.command(c, frame));
    }
  }

  /** Once a second: silent connections (three heartbeats) and tokens that expired or were revoked. */
  private supervise(): void {
    this.ticks += 1;
    const now = Date.now();
    const silence = this.options.heartbeat * 3 * 1000;
    const reverify = this.ticks % REVERIFY_EVERY_TICKS === 0;
    for (const c of this.clients) {
      if (!c.granted || c.socket.readyState !== WebSocket.OPEN) continue;
      if (now - c.lastHeard > silence) {
        c.socket.close(1001, 'silent too long');
        continue;
      }
      if (c.grant?.expiresAt && Date.parse(c.grant.expiresAt) <= now) {
        this.deny(c, 'token expired', CLOSE.unauthorized);
        continue;
      }
      if (reverify) {
        const verdict = this.deps.auth.verify(c.token, c.extension);
        if (!verdict.ok) this.deny(c, verdict.reason, verdict.code);
      }
    }
  }

  /** Every agent gets a fresh snapshot (the cluster lost track of some events: "history gone ⇒ snapshot"). */
  resnapshot(): number {
    let sent = 0;
    for (const c of this.clients) {
      if (!c.granted) continue;
      this.sendSnapshot(c);
      sent += 1;
    }
    return sent;
  }

  /** The extensions connected here, with their connection counts (the cluster's presence). */
  presence(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const c of this.clients) if (c.granted) counts.set(c.extension, (counts.get(c.extension) ?? 0) + 1);
    return counts;
  }

  /**
   * The cluster lost Redis for too long: new agents are refused (503) and the connected ones closed
   * with `code` so that they move to a healthy node; `resume()` takes agents again.
   */
  suspend(code: number, reason: string): number {
    this.accepting = false;
    for (const c of this.clients) c.socket.close(code, reason);
    return this.clients.size;
  }

  resume(): void {
    this.accepting = true;
  }

  get isAccepting(): boolean {
    return this.accepting;
  }

  /** Stops taking new connections and closes every open one with `code` (1012: reconnect elsewhere). */
  closeAll(code: number, reason: string): number {
    this.accepting = false;
    for (const c of this.clients) c.socket.close(code, reason);
    return this.clients.size;
  }

  /** Test hook: cuts every connection without a closing handshake (a network drop). */
  dropAll(): number {
    const count = this.clients.size;
    for (const c of this.clients) c.socket.terminate();
    return count;
  }

  /** Test hook: sends a raw text frame to every connected agent. */
  sendRaw(text: string): number {
    let sent = 0;
    for (const c of this.clients) {
      if (c.granted && c.socket.readyState === WebSocket.OPEN) {
        c.socket.send(text);
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
    this.accepting = false;
    clearInterval(this.supervisor);
    this.unsubscribe?.();
    void this.team?.close();
    for (const c of this.clients) c.socket.terminate();
    this.wss.close();
  }
}

export type { Connection };
