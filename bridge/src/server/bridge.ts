/**
 * One bridge: hub + calls book + history + sources + HTTP routes (/cti, /healthz, /readyz, /metrics,
 * /enrol, /sources/<id>/...). `createBridge` builds it without listening, so the simulator can mount
 * it on its own server; `startBridge` listens (http or https per config) and drains on request:
 * stop accepting, close agents with 1012 so they reconnect elsewhere, finish within the grace time.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { FailureThrottle } from '../auth/throttle';
import { enrolRoute, type StaticToken, TOKENS_FILE, TokenAuthority } from '../auth/tokens';
import { Cluster } from '../cluster';
import { type BridgeConfig, redactUrl } from '../ops/config';
import { createHttpServer } from '../ops/listen';
import { createLogger, type Logger } from '../ops/log';
import { type BridgeMetrics, createMetrics } from '../ops/metrics';
import { simulatorFactory } from '../sources/simulator';
import type { CallSource, SourceFactory, SourceLog } from '../sources/types';
import { voximplantFactory } from '../sources/voximplant';
import { webhookFactory } from '../sources/webhook';
import { type Book, CallBook } from './calls';
import { allowExtension, preflight } from './cors';
import { HistoryStore } from './history';
import { type Authenticator, CtiHub, type HubOptions, type Throttle } from './hub';
import { DEFAULT_HUB_LIMITS } from './limits';
import { entryOf, SourceRouter } from './router';
import type { TeamOptions } from './team';

export const SOURCE_TYPES: Record<string, SourceFactory> = {
  simulator: simulatorFactory,
  webhook: webhookFactory,
  voximplant: voximplantFactory,
};

/** For loadConfig: each source type's check of its configuration entry. */
export const sourceChecks = Object.fromEntries(Object.entries(SOURCE_TYPES).map(([type, f]) => [type, f.check]));

export const SERVER_NAME = 'PopLine bridge';

/** The package version, read where the sources or the build can find package.json. */
export function bridgeVersion(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const candidate of ['../../../package.json', '../../package.json', '../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(join(here, candidate), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'popline' && pkg.version) return pkg.version;
    } catch {
      // Try the next place.
    }
  }
  return '0.0.0';
}

export interface BridgeParts<O extends HubOptions = HubOptions> {
  hubOptions: O;
  auth: Authenticator;
  sources: CallSource[];
  historyCalls: number;
  webhookBodyBytes: number;
  dataDir?: string;
  throttle?: Throttle;
  metrics?: BridgeMetrics;
  log?: SourceLog;
  /** POST /enrol, when tokens are the bridge's own. */
  enrol?: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  /** One node of several: calls, events, presence and revocations through Redis (bridge/src/cluster). */
  cluster?: Cluster;
  /** Ids of the sources that hold one PBX connection: with a cluster, they run on one node at a time. */
  leased?: string[];
}

/** Whether a source says it holds a single connection to its PBX (then, in a cluster, it takes a lease). */
export const holdsSingleConnection = (source: CallSource): boolean =>
  (source as CallSource & { singleConnection?: boolean }).singleConnection === true;

const quiet: SourceLog = { debug() {}, info() {}, warn() {}, error() {} };
/** Longest a source's HTTP answer waits for its events to reach Redis. */
const ACK_WAIT_MS = 5000;

function json(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...extra,
  });
  res.end(text);
}

export class Bridge<O extends HubOptions = HubOptions> {
  readonly book: Book;
  readonly cluster: Cluster | undefined;
  readonly history: HistoryStore;
  readonly router: SourceRouter;
  readonly hub: CtiHub<O>;
  readonly log: SourceLog;
  started = false;
  draining = false;

  constructor(private readonly parts: BridgeParts<O>) {
    this.log = parts.log ?? quiet;
    this.cluster = parts.cluster;
    this.book = parts.cluster?.book ?? new CallBook((event) => this.hub.publish(event));
    this.history = new HistoryStore(
      parts.historyCalls,
      parts.dataDir ? join(parts.dataDir, 'history.jsonl') : undefined,
    );
    this.router = new SourceRouter(this.book, this.history, this.log, {
      webhookBodyBytes: parts.webhookBodyBytes,
      reconcileAtStart: !parts.cluster,
      ...(parts.dataDir ? { dataDir: parts.dataDir } : {}),
      ...(parts.metrics ? { metrics: parts.metrics } : {}),
    });
    const leased = new Set(parts.cluster ? this.leasedIds() : []);
    for (const source of parts.sources) this.router.add(source, { leased: leased.has(source.id) });
    this.hub = new CtiHub(parts.hubOptions, {
      auth: parts.auth,
      book: this.book,
      commands: this.router,
      ...(parts.throttle ? { throttle: parts.throttle } : {}),
      ...(parts.metrics ? { metrics: parts.metrics } : {}),
      log: this.log,
      server: { name: SERVER_NAME, version: bridgeVersion() },
    });
  }

  private leasedIds(): string[] {
    return this.parts.sources
      .filter((s) => holdsSingleConnection(s) || this.parts.leased?.includes(s.id))
      .map((s) => s.id);
  }

  async start(): Promise<void> {
    const { cluster } = this;
    if (cluster) {
      const auth = this.parts.auth as Authenticator & { applyRevoked?(ids: string[]): void };
      auth.onRevoke?.((id) => cluster.revoke(id));
      this.router.forwarder = (sourceId, command) => cluster.forward(sourceId, command);
      await cluster.start(
        {
          publish: (event) => this.hub.publish(event),
          resnapshot: () => this.hub.resnapshot(),
          closed: (sourceId, session) => {
            if (!this.router.sources.get(sourceId)?.history) this.history.add(entryOf(session));
          },
          revoked: (ids) => auth.applyRevoked?.(ids),
          presence: () => this.hub.presence(),
          suspend: (code, reason) => this.hub.suspend(code, reason),
          resume: () => {
            if (!this.draining) this.hub.resume();
          },
          startSource: (id) => this.router.startSource(id),
          stopSource: (id) => this.router.stopSource(id),
          execute: (sourceId, command) => this.router.execute(sourceId, command),
        },
        this.leasedIds(),
      );
    }
    await this.router.start();
    this.started = true;
  }

  get ready(): boolean {
    return this.started && !this.draining && this.router.allUp && (this.cluster?.ready ?? true);
  }

  /** Handles the bridge's paths; false for any other path (the simulator serves its own). */
  handleRequest(req: IncomingMessage, res: ServerResponse): boolean {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === '/healthz') {
      json(res, 200, { ok: true });
      return true;
    }
    if (path === '/readyz') {
      const body = {
        ready: this.ready,
        draining: this.draining,
        sources: this.router.health(),
        ...(this.cluster ? { cluster: this.cluster.state() } : {}),
      };
      json(res, this.ready ? 200 : 503, body);
      return true;
    }
    if (path === '/metrics' && this.parts.metrics) {
      void this.parts.metrics.route(req, res);
      return true;
    }
    if (path === '/enrol' && this.parts.enrol) {
      // The extension's options page asks from its own origin (CORS); nothing else gets an answer it can read.
      if (preflight(req, res)) return true;
      allowExtension(req, res);
      this.parts.enrol(req, res).catch(() => json(res, 400, { error: 'bad_request', message: 'unreadable request' }));
      return true;
    }
    const match = /^\/sources\/([A-Za-z0-9_-]{1,64})(\/.*)?$/.exec(path);
    if (match) {
      const source = this.router.sources.get(match[1] as string);
      if (this.draining) {
        json(res, 503, { error: 'draining', message: 'this bridge is shutting down; retry' }, { connection: 'close' });
      } else if (!source?.route) {
        json(res, 404, { error: 'not_found', message: 'no such source' });
      } else {
        if (this.cluster) this.answerOnceWritten(res);
        Promise.resolve(source.route(req, res, match[2] ?? '/')).catch((error) => {
          this.log.error('source route failed', { source: source.id, error: (error as Error).message });
          if (!res.headersSent) json(res, 500, { error: 'internal', message: 'the source failed' });
        });
      }
      return true;
    }
    return false;
  }

  /**
   * In a cluster, a source's HTTP answer (a webhook's 200) goes out only once the call events it
   * caused are in Redis, so that this node dying right after cannot lose them. Redis away: the answer
   * goes out after ACK_WAIT_MS anyway, the events held for it (the sender may retry: harmless).
   */
  private answerOnceWritten(res: ServerResponse): void {
    const book = this.cluster?.book;
    if (!book) return;
    const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
    (res as { end: (...args: unknown[]) => ServerResponse }).end = (...args: unknown[]) => {
      void book.whenWritten(book.mark, ACK_WAIT_MS).then(() => end(...args));
      return res;
    };
  }

  /** Takes the /cti upgrade; false for any other path. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    if (new URL(req.url ?? '/', 'http://localhost').pathname !== '/cti') return false;
    this.hub.handleUpgrade(req, socket, head);
    return true;
  }

  /** Stops taking agents and events, closes agents with `code`, and stops the sources. */
  async drain(code = 1012, reason = 'server restarting'): Promise<void> {
    this.draining = true;
    this.hub.closeAll(code, reason);
    await this.cluster?.releaseLeases();
    await this.router.stop();
  }

  /** Closes everything; with a cluster, resolves once Redis is let go. */
  close(): Promise<void> {
    this.draining = true;
    this.hub.close();
    return this.cluster?.close() ?? Promise.resolve();
  }
}

export interface RunningBridge {
  bridge: Bridge;
  server: Server;
  port: number;
  /** ws:// or wss:// URL of the CTI endpoint. */
  url: string;
  origin: string;
  authority: TokenAuthority;
  /** Graceful: stop accepting, 1012 to agents, wait for them (up to shutdownGraceMs), then cut. */
  stop(): Promise<void>;
}

export interface StartOptions {
  log?: Logger;
  /** Sources built by the caller (tests); otherwise from config.sources. */
  sources?: CallSource[];
  metrics?: BridgeMetrics;
  /** Tokens by value (the zero-configuration demo's 'popline-demo'); read live. */
  staticTokens?: Record<string, StaticToken>;
  /** Ids of sources (given in `sources`) that run on one cluster node at a time; config: `"lease": true`. */
  leased?: string[];
}

const teamOptions = (team: BridgeConfig['team']): TeamOptions => ({
  keptPerUser: team.keptPerUser,
  ...(team.directory ? { directory: team.directory } : {}),
});

/** Starts a bridge from a configuration; works in any process (tests run it in a child). */
export async function startBridge(config: BridgeConfig, options: StartOptions = {}): Promise<RunningBridge> {
  const log = options.log ?? createLogger({ level: config.logLevel });
  const metrics = options.metrics ?? createMetrics();
  const authority = new TokenAuthority({
    secret: config.tokenSecret || randomBytes(32).toString('base64url'),
    ...(config.dataDir ? { file: join(config.dataDir, TOKENS_FILE) } : {}),
    ...(options.staticTokens ? { staticTokens: options.staticTokens } : {}),
  });
  const throttle = new FailureThrottle();
  const sources =
    options.sources ??
    config.sources.map((raw) => {
      const factory = SOURCE_TYPES[raw.type];
      if (!factory) throw new Error(`unknown source type ${raw.type}`);
      return factory.create(raw);
    });
  const cluster = config.redis
    ? new Cluster(
        {
          url: config.redis,
          ...(config.cluster.nodeId ? { node: config.cluster.nodeId } : {}),
          outageMs: config.cluster.outageMs,
          streamLength: config.cluster.streamLength,
          leaseMs: config.cluster.leaseMs,
        },
        log,
        metrics.cluster,
      )
    : undefined;
  const leased = options.leased ?? config.sources.filter((raw) => raw.lease === true).map((raw) => raw.id);
  const bridge = new Bridge({
    hubOptions: {
      heartbeat: config.heartbeat,
      handshakeTimeoutMs: config.limits.handshakeTimeoutMs,
      limits: { ...DEFAULT_HUB_LIMITS, ...config.limits },
      // Presence and chat (bridge/src/server/team.ts), and whether a source can answer an agent's phone.
      ...(config.team?.enabled ? { team: teamOptions(config.team) } : {}),
      accept: sources.some((source) => typeof source.accept === 'function'),
    },
    auth: authority,
    sources,
    historyCalls: config.limits.historyCalls,
    webhookBodyBytes: config.limits.webhookBodyBytes,
    ...(config.dataDir ? { dataDir: config.dataDir } : {}),
    throttle,
    metrics,
    log,
    enrol: enrolRoute(authority, { throttle: new FailureThrottle() }),
    ...(cluster ? { cluster, leased } : {}),
  });
  await bridge.start();
  const server = createHttpServer(config, (req, res) => {
    if (!bridge.handleRequest(req, res)) json(res, 404, { error: 'not_found', message: 'no such path' });
  });
  server.on('upgrade', (req, socket, head) => {
    if (!bridge.handleUpgrade(req, socket, head)) socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const hostPart = config.host.includes(':') ? `[${config.host}]` : config.host;
  const origin = `${config.tls ? 'https' : 'http'}://${hostPart}:${port}`;
  log.info('bridge listening', {
    url: `${config.tls ? 'wss' : 'ws'}://${hostPart}:${port}/cti`,
    sources: sources.map((s) => `${s.type}:${s.id}`),
    dataDir: config.dataDir ?? null,
    ...(cluster ? { redis: redactUrl(config.redis as string), node: cluster.node } : {}),
  });
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      const deadline = Date.now() + config.shutdownGraceMs;
      server.close();
      await bridge.drain();
      while (bridge.hub.clients.size > 0 && Date.now() < deadline - 100) {
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      await bridge.close();
      authority.close();
      (server as Server).closeAllConnections?.();
      log.info('bridge stopped', { agentsLeft: bridge.hub.clients.size });
    })();
    return stopping;
  };
  return {
    bridge: bridge as Bridge,
    server: server as Server,
    port,
    url: `${config.tls ? 'wss' : 'ws'}://${hostPart}:${port}/cti`,
    origin,
    authority,
    stop,
  };
}
