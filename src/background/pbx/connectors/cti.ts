/**
 * The PopLine CTI protocol connector (docs/protocol.md), client side: handshake with the
 * token in the first frame, snapshot reconciliation, heartbeat, commands answered by
 * `requestId`. It reports; the connection manager decides about reconnecting.
 */

import { log } from '../../../shared/log';
import { type ActionResult, failure, fromProtocolError, notConnected } from '../../../shared/outcome';
import {
  CLOSE,
  type ClientFrame,
  LIMITS,
  normaliseFeatures,
  normalisePermissions,
  PROTOCOL_VERSION,
  parseServerFrame,
  type ServerFrame,
  type ServerFrameOf,
  type SessionAction,
} from '../../../shared/protocol';
import type { Connector, ConnectorEvents, HistoryPage, TeamCommand } from './types';

export interface CtiOptions {
  url: string;
  token: string;
  extension: string;
  clientVersion: string;
  /** Injectable for tests in Node (the `ws` package). */
  WebSocketImpl?: typeof WebSocket;
  commandTimeoutMs?: number;
}

/** History rows read after a reconnect to fill the gap. */
const GAP_HISTORY_ROWS = 200;

type Pending = { resolve: (frame: ServerFrame | null) => void; timer: ReturnType<typeof setTimeout> };

const CLOSE_REASONS: Record<number, string> = {
  [CLOSE.protocolError]: 'the server reported a protocol error',
  [CLOSE.unauthorized]: 'the token was refused or has expired',
  [CLOSE.forbidden]: 'this token may not use the server',
  [CLOSE.handshakeTimeout]: 'the server gave up waiting for the handshake',
};

export class CtiConnector implements Connector {
  private socket: WebSocket | undefined;
  private granted = false;
  private mayReadHistory = false;
  private denied: string | undefined;
  private snapshotSeen = false;
  private finished = false;
  private nextId = 0;
  private readonly pending = new Map<string, Pending>();
  private heartbeatTimer: ReturnType<typeof setInterval> | undefined;
  private pongTimer: ReturnType<typeof setTimeout> | undefined;
  private handshakeTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly options: CtiOptions,
    private readonly events: ConnectorEvents,
  ) {}

  open(): void {
    const Impl = this.options.WebSocketImpl ?? WebSocket;
    this.events.status({ state: 'CONNECTING' });
    let socket: WebSocket;
    try {
      socket = new Impl(this.options.url);
    } catch (error) {
      this.finish(true, `the server address cannot be used (${(error as Error).message})`);
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      this.send({
        op: 'connect',
        v: PROTOCOL_VERSION,
        token: this.options.token,
        ...(this.options.extension ? { extension: this.options.extension } : {}),
        client: { name: 'PopLine', version: this.options.clientVersion },
      });
      this.handshakeTimer = setTimeout(
        () => this.abort('the server did not answer the handshake in time'),
        LIMITS.handshakeTimeout * 1000,
      );
    };
    socket.onmessage = (event) => this.receive(event.data);
    socket.onerror = () => {
      // The close event follows with the code; nothing to add here.
    };
    socket.onclose = (event) => this.onClose(event.code, event.reason);
  }

  close(): void {
    this.finished = true;
    this.stopTimers();
    this.failPending();
    try {
      this.socket?.close(1000, 'client closing');
    } catch {
      // Already closed.
    }
  }

  async createCall(number: string): Promise<ActionResult> {
    return this.command({ op: 'createCall', requestId: this.requestId(), number });
  }

  async sessionAction(sessionId: string, action: SessionAction, target?: string): Promise<ActionResult> {
    return this.command({
      op: 'sessionAction',
      requestId: this.requestId(),
      sessionId,
      action,
      ...(target ? { target } : {}),
    });
  }

  async getCallHistory(
    pageNumber: number,
    pageRows: number,
    filter?: { general?: string; from?: string; to?: string },
  ): Promise<HistoryPage> {
    const frame = await this.request({
      op: 'getCallHistory',
      requestId: this.requestId(),
      pageNumber,
      pageRows,
      ...(filter ? { filter } : {}),
    });
    if (frame?.op === 'callHistory') return { total: frame.total, entries: frame.entries };
    throw new Error(frame?.op === 'result' ? (frame.error?.message ?? 'history refused') : 'no answer from the server');
  }

  async teamCommand(frame: TeamCommand): Promise<ActionResult & { messageId?: string }> {
    if (!this.granted) return notConnected();
    const answer = await this.request({ ...frame, requestId: this.requestId() } as Extract<
      ClientFrame,
      { requestId: string }
    >);
    if (!answer) return failure('timeout', 'the phone system did not answer in time');
    if (answer.op !== 'result') return failure('failed', 'unexpected answer');
    if (answer.ok) return answer.messageId ? { ok: true, messageId: answer.messageId } : { ok: true };
    return failure(fromProtocolError(answer.error?.code), answer.error?.message ?? 'the command failed');
  }

  private requestId(): string {
    this.nextId += 1;
    return `r${this.nextId}`;
  }

  private async command(frame: Extract<ClientFrame, { requestId: string }>): Promise<ActionResult> {
    if (!this.granted) return notConnected();
    const answer = await this.request(frame);
    if (!answer) return failure('timeout', 'the phone system did not answer in time');
    if (answer.op !== 'result') return failure('failed', 'unexpected answer');
    if (answer.ok) return answer.sessionId ? { ok: true, sessionId: answer.sessionId } : { ok: true };
    return failure(fromProtocolError(answer.error?.code), answer.error?.message ?? 'the command failed');
  }

  private request(frame: Extract<ClientFrame, { requestId: string }>): Promise<ServerFrame | null> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(frame.requestId);
        resolve(null);
      }, this.options.commandTimeoutMs ?? 15_000);
      this.pending.set(frame.requestId, { resolve, timer });
      if (!this.send(frame)) {
        clearTimeout(timer);
        this.pending.delete(frame.requestId);
        resolve(null);
      }
    });
  }

  private send(frame: ClientFrame): boolean {
    if (this.socket?.readyState !== 1) return false;
    this.socket.send(JSON.stringify(frame));
    return true;
  }

  private receive(data: unknown): void {
    const parsed = parseServerFrame(data);
    if (parsed.kind === 'invalid') {
      log.warn(`ignored a bad frame from the server: ${parsed.reason}`);
      return;
    }
    if (parsed.kind === 'ignored') return;
    try {
      this.handle(parsed.frame);
    } catch (error) {
      log.error('failed to handle a frame', error);
    }
  }

  private handle(frame: ServerFrame): void {
    if (!this.granted && frame.op !== 'connectionStateChanged' && frame.op !== 'error') return;
    switch (frame.op) {
      case 'connectionStateChanged':
        return this.onConnectionState(frame);
      case 'sessionsSnapshot': {
        const fresh = !this.snapshotSeen;
        this.snapshotSeen = true;
        this.events.call({ type: 'snapshot', seq: frame.seq, sessions: frame.sessions, fresh });
        if (frame.requestId) this.settle(frame.requestId, frame);
        if (fresh && this.mayReadHistory) void this.fillGap();
        return;
      }
      case 'sessionCreated':
      case 'sessionStateChanged':
        if (!this.snapshotSeen) return;
        return this.events.call({ type: 'upsert', seq: frame.seq, session: frame.session });
      case 'sessionClosed':
        if (!this.snapshotSeen) return;
        return this.events.call({
          type: 'close',
          seq: frame.seq,
          sessionId: frame.sessionId,
          ...(frame.state !== undefined ? { state: frame.state } : {}),
        });
      case 'result':
      case 'callHistory':
        return this.settle(frame.requestId, frame);
      case 'pong':
        clearTimeout(this.pongTimer);
        this.pongTimer = undefined;
        return;
      case 'directory':
      case 'userInfoReceived':
      case 'clientStateChanged':
      case 'messageReceived':
      case 'messageStatus':
        return this.events.team?.(frame);
      case 'error':
        log.warn(`server error ${frame.code}: ${frame.message ?? ''}`);
        if (frame.code === 'UNSUPPORTED_VERSION') this.denied = 'the server does not speak this protocol version';
        return;
    }
  }

  /** After a (re)connect: what happened while we were away, from the PBX's own history. */
  private async fillGap(): Promise<void> {
    try {
      // The agent's own calls: on a busy PBX the newest rows are mostly other people's.
      const filter = this.options.extension ? { general: this.options.extension } : undefined;
      const page = await this.getCallHistory(0, GAP_HISTORY_ROWS, filter);
      if (!this.finished) this.events.call({ type: 'history', entries: page.entries });
    } catch (error) {
      log.warn('could not read recent history after reconnecting', error);
    }
  }

  private onConnectionState(frame: ServerFrameOf<'connectionStateChanged'>): void {
    if (frame.state === 'ACCESS_GRANTED') {
      clearTimeout(this.handshakeTimer);
      this.granted = true;
      this.mayReadHistory = normalisePermissions(frame.permissions).history;
      const heartbeat = Math.min(frame.heartbeat ?? LIMITS.defaultHeartbeat, LIMITS.maxHeartbeat);
      // A server may grant again (or a hostile one a thousand times): still one timer.
      clearInterval(this.heartbeatTimer);
      this.heartbeatTimer = setInterval(() => this.ping(), heartbeat * 1000);
      this.events.status({
        state: 'ACCESS_GRANTED',
        permissions: normalisePermissions(frame.permissions),
        ...(frame.user?.fullName || frame.user?.userName
          ? { userName: frame.user.fullName || frame.user.userName }
          : {}),
        ...(frame.tokenExpiresAt ? { tokenExpiresAt: frame.tokenExpiresAt } : {}),
        ...(frame.extension ? { extension: frame.extension } : {}),
        ...(frame.features ? { features: normaliseFeatures(frame.features) } : {}),
      });
    } else if (frame.state === 'ACCESS_DENIED') {
      this.denied = frame.reason || 'the server refused the token';
      this.events.status({ state: 'ACCESS_DENIED', detail: this.denied });
    }
  }

  /** Pings every heartbeat; the oldest unanswered ping decides when the connection is dead. */
  private ping(): void {
    if (!this.send({ op: 'ping', t: Date.now() }) || this.pongTimer) return;
    this.pongTimer = setTimeout(() => this.abort('the server stopped answering'), LIMITS.pongTimeout * 1000);
  }

  /** Gives up on a connection that is still open but no longer useful. */
  private abort(detail: string): void {
    const socket = this.socket;
    this.finish(true, detail);
    try {
      socket?.close(1000, 'dead connection');
    } catch {
      // Ignore.
    }
  }

  private onClose(code: number, reason: string): void {
    if (code === CLOSE.unauthorized || code === CLOSE.forbidden) {
      return this.finish(false, this.denied ?? (reason || CLOSE_REASONS[code] || 'access denied'));
    }
    if (this.denied) return this.finish(false, this.denied);
    const detail = this.granted
      ? (CLOSE_REASONS[code] ?? 'the connection was lost')
      : (CLOSE_REASONS[code] ?? 'the server could not be reached');
    this.finish(true, detail);
  }

  private finish(retry: boolean, detail: string): void {
    if (this.finished) return;
    this.finished = true;
    this.granted = false;
    this.stopTimers();
    this.failPending();
    this.events.closed({ retry, detail });
  }

  private settle(requestId: string, frame: ServerFrame): void {
    const pending = this.pending.get(requestId);
    if (!pending) return;
    clearTimeout(pending.timer);
    this.pending.delete(requestId);
    pending.resolve(frame);
  }

  private failPending(): void {
    for (const [id, pending] of this.pending) {
      clearTimeout(pending.timer);
      pending.resolve(null);
      this.pending.delete(id);
    }
  }

  private stopTimers(): void {
    clearInterval(this.heartbeatTimer);
    clearTimeout(this.pongTimer);
    clearTimeout(this.handshakeTimer);
    this.heartbeatTimer = this.pongTimer = this.handshakeTimer = undefined;
  }
}
