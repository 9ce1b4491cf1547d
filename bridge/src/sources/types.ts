/**
 * The one interface every PBX source plugs in through. Calls and their changes come in through the
 * `SourceContext`; commands go out through the optional methods, each answered with a protocol
 * outcome (a source that lacks a method is answered UNSUPPORTED by the core). Sources that are
 * called (webhooks, Voximplant's control URL) mount HTTP routes under /sources/<id>/; sources that
 * hold a connection (Asterisk ARI) or poll (Ozeki) do it between start() and stop().
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CtiSession, HistoryEntry } from '../../../src/shared/protocol';

export type ErrorCode = 'FORBIDDEN' | 'NOT_FOUND' | 'INVALID' | 'BUSY' | 'FAILED' | 'RATE_LIMITED' | 'UNSUPPORTED';

export type CommandOutcome = { ok: true; sessionId?: string } | { ok: false; code: ErrorCode; message: string };

/** Who asks: the connection's extension and its grant (for sources that act on behalf of an agent). */
export interface Requester {
  extension: string;
  grantId: string;
}

export interface DialRequest extends Requester {
  number: string;
}

export interface CallRequest extends Requester {
  sessionId: string;
  /** The number for transfer and forward. */
  target?: string;
}

export interface HistoryQuery {
  pageNumber: number;
  pageRows: number;
  general?: string;
  /** Epoch milliseconds. */
  from?: number;
  to?: number;
  /** The numbers whose calls the asker may see; null means every call (monitorAll). */
  numbers: string[] | null;
}

export interface HistoryPage {
  total: number;
  entries: HistoryEntry[];
}

/** What a source reports through (the core validates every session it is given). */
export interface SourceContext {
  /** A call appeared or changed: the whole session, as on the wire. */
  upsert(session: CtiSession): void;
  /** A call ended; `final` is its last state (recorded in the bridge's history when the source keeps none). */
  end(sessionId: string, final?: CtiSession): void;
  /** A call vanished without an event (the PBX lost it): clients learn it from the next snapshot. */
  forget(sessionId: string): void;
  /** Replaces every active call of this source at once (after reconnecting to the PBX, or a poll). */
  reconcile(sessions: CtiSession[]): void;
  /** The source's health, shown in /readyz and the metrics. */
  setUp(up: boolean): void;
  log: SourceLog;
  /** Where the source may keep state across restarts; undefined: memory only. */
  dataDir?: string;
  limits: { webhookBodyBytes: number };
}

export interface SourceLog {
  debug(msg: string, fields?: object): void;
  info(msg: string, fields?: object): void;
  warn(msg: string, fields?: object): void;
  error(msg: string, fields?: object): void;
}

export type RouteHandler = (req: IncomingMessage, res: ServerResponse, path: string) => Promise<void> | void;

export type MaybePromise<T> = T | Promise<T>;

export interface CallSource {
  readonly id: string;
  readonly type: string;
  start(ctx: SourceContext): MaybePromise<void>;
  stop(): MaybePromise<void>;
  /** The calls active right now, for reconciling (the core asks at start). */
  listActive?(): MaybePromise<CtiSession[]>;
  dial?(request: DialRequest): MaybePromise<CommandOutcome>;
  hangup?(request: CallRequest): MaybePromise<CommandOutcome>;
  hold?(request: CallRequest): MaybePromise<CommandOutcome>;
  unhold?(request: CallRequest): MaybePromise<CommandOutcome>;
  transfer?(request: CallRequest): MaybePromise<CommandOutcome>;
  forward?(request: CallRequest): MaybePromise<CommandOutcome>;
  accept?(request: CallRequest): MaybePromise<CommandOutcome>;
  reject?(request: CallRequest): MaybePromise<CommandOutcome>;
  /** The PBX's own call history; without it the core answers from the calls it saw. */
  history?(query: HistoryQuery): MaybePromise<HistoryPage>;
  /** Served at /sources/<id>/<path>; `path` is what follows, starting with '/'. */
  route?: RouteHandler;
}

/** Builds a source from its configuration entry; `check` lists the problems of an entry (empty: fine). */
export interface SourceFactory {
  check(raw: { type: string; id: string; [key: string]: unknown }): string[];
  create(raw: { type: string; id: string; [key: string]: unknown }): CallSource;
}

export const CALL_COMMANDS = ['hangup', 'hold', 'unhold', 'transfer', 'forward', 'accept', 'reject'] as const;
export type CallCommand = (typeof CALL_COMMANDS)[number];
