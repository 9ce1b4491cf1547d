/**
 * One bridge node of several (--redis URL): the calls, the seq, presence and revoked tokens live in
 * Redis, events reach every node through a Redis stream (book.ts), and single-connection sources run
 * on one node at a time through a lease (lease.ts). Three connections, as ioredis documents: one for
 * commands, one for the blocking stream read (duplicate()), and the leases share the first. The
 * offline queue is off, so an outage is seen and counted rather than buffered inside the client; the
 * book holds and counts what waits. Reconnects back off with full jitter. Call commands for a leased
 * source go to the node holding its lease (commands.ts), each with blocking reads of its own.
 *
 * Faults: Redis away → /readyz says not ready, the agents stay connected; away past `outageMs` →
 * agents are closed with 1012 (and new ones refused) so that the load balancer moves them to a
 * healthy node; Redis back → the node recovers by itself (a fresh snapshot where events were lost).
 */
import { hostname } from 'node:os';
import { Redis } from 'ioredis';
import type { CtiSession } from '../../../src/shared/protocol';
import type { ClusterMetrics } from '../ops/metrics';
import type { BookEvent } from '../server/calls';
import type { RelayedCommand } from '../server/router';
import type { CommandOutcome, SourceLog } from '../sources/types';
import { clusterKeys, defineScripts, SharedBook } from './book';
import { CommandRelay } from './commands';
import { defineLeaseScripts, Lease } from './lease';
import { REVOKE } from './scripts';

export interface ClusterOptions {
  url: string;
  node?: string;
  outageMs: number;
  streamLength: number;
  leaseMs: number;
  /** Key prefix (several clusters on one Redis). */
  prefix?: string;
  maxBuffered?: number;
  /** A command forwarded to a lease holder waits this long to be taken (then: not carried out). Default 5000. */
  commandWaitMs?: number;
  /** And this long for the result of one taken (the PBX's own timeout and a second). Default 11000. */
  commandRunMs?: number;
}

/** What the node gives the cluster once it is built (the bridge: hub, router, tokens, history). */
export interface ClusterHost {
  publish(event: BookEvent): void;
  resnapshot(): void;
  closed(sourceId: string, session: CtiSession): void;
  revoked(ids: string[]): void;
  presence(): Map<string, number>;
  suspend(code: number, reason: string): void;
  resume(): void;
  startSource(id: string): Promise<void>;
  stopSource(id: string): Promise<void>;
  /** Carries out a command forwarded by another node, with a source running here. */
  execute(sourceId: string, command: RelayedCommand): Promise<CommandOutcome>;
}

const PRESENCE_MS = 5000;
const OUTAGE_CHECK_MS = 250;
export const OUTAGE_CLOSE = 1012;

/** Reconnect delay: exponential, capped at 2 s, with full jitter (a restart is not met by a stampede). */
export const retryDelay = (times: number) => Math.round(Math.random() * Math.min(2000, 50 * 2 ** Math.min(times, 6)));

export class Cluster {
  readonly node: string;
  readonly book: SharedBook;
  readonly writer: Redis;
  readonly reader: Redis;
  private readonly keys;
  private readonly leases = new Map<string, Lease>();
  private host: ClusterHost | undefined;
  private downSince: number | undefined = Date.now();
  private suspended = false;
  private closing = false;
  private readonly supervisor: ReturnType<typeof setInterval>;
  private presenceTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly prefix: string;
  private commands: CommandRelay | undefined;

  constructor(
    private readonly o: ClusterOptions,
    private readonly log: SourceLog,
    private readonly metrics?: ClusterMetrics,
  ) {
    this.node = o.node ?? `${hostname()}-${process.pid}`;
    this.prefix = o.prefix ?? 'popline:';
    this.keys = clusterKeys(this.prefix);
    this.writer = new Redis(o.url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: null,
      retryStrategy: retryDelay,
      connectionName: `popline-bridge:${this.node}`,
    });
    // The blocking stream read gets a connection of its own, with ioredis' guard against a dead socket.
    this.reader = this.writer.duplicate({
      connectionName: `popline-bridge:${this.node}:read`,
      blockingTimeout: 5000,
    });
    for (const redis of [this.writer, this.reader]) {
      defineScripts(redis);
      redis.on('error', () => this.metrics?.redisErrors.inc());
    }
    defineLeaseScripts(this.writer);
    this.writer.defineCommand('poplineRevoke', { numberOfKeys: 2, lua: REVOKE });
    this.book = new SharedBook(this.writer, this.reader, {
      keys: this.keys,
      node: this.node,
      streamLength: o.streamLength,
      maxBuffered: o.maxBuffered ?? 100_000,
      log,
      ...(metrics ? { metrics } : {}),
    });
    this.writer.on('ready', () => this.up());
    this.writer.on('close', () => this.down());
    this.metrics?.redisUp.set(0);
    this.supervisor = setInterval(() => this.supervise(), OUTAGE_CHECK_MS);
    this.supervisor.unref();
  }

  /** Whether this node can serve: Redis reachable and the calls loaded. */
  get ready(): boolean {
    return this.downSince === undefined && this.book.synced;
  }

  state(): Record<string, unknown> {
    return {
      node: this.node,
      redis: this.downSince === undefined ? 'up' : 'down',
      ...(this.downSince !== undefined ? { downForMs: Date.now() - this.downSince } : {}),
      buffered: this.book.buffered,
      leases: Object.fromEntries([...this.leases].map(([id, lease]) => [id, lease.held ? 'held' : 'standby'])),
    };
  }

  private up(): void {
    this.book.connected().then(
      () => {
        if (this.downSince !== undefined)
          this.log.info('Redis reachable', { downForMs: Date.now() - this.downSince, node: this.node });
        this.downSince = undefined;
        this.metrics?.redisUp.set(1);
        if (this.suspended && !this.closing) {
          this.suspended = false;
          this.host?.resume();
        }
      },
      (error) => {
        this.metrics?.redisErrors.inc();
        this.log.warn('Redis: could not check its data after connecting', { error: String(error) });
        this.writer.disconnect(true);
      },
    );
  }

  private down(): void {
    this.book.disconnected();
    if (this.downSince === undefined) {
      this.downSince = Date.now();
      this.metrics?.redisUp.set(0);
      if (!this.closing) this.log.warn('Redis unreachable: agents stay connected meanwhile', { node: this.node });
    }
  }

  private supervise(): void {
    if (this.closing || this.suspended || this.downSince === undefined || !this.book.synced) return;
    if (Date.now() - this.downSince < this.o.outageMs) return;
    this.suspended = true;
    this.metrics?.outageCloses.inc();
    this.log.error('Redis unreachable too long: agents closed with 1012 to move to a healthy node', {
      downForMs: Date.now() - this.downSince,
    });
    this.host?.suspend(OUTAGE_CLOSE, 'cluster storage unreachable: reconnect');
  }

  /** Connects and loads the calls (waits up to `waitMs`; a node may start while Redis is down). */
  async start(host: ClusterHost, leased: string[], waitMs = 5000): Promise<void> {
    this.host = host;
    this.commands = new CommandRelay(
      this.writer,
      {
        prefix: this.prefix,
        node: this.node,
        waitMs: this.o.commandWaitMs ?? 5000,
        runMs: this.o.commandRunMs ?? 11_000,
      },
      (sourceId, command) => host.execute(sourceId, command),
      this.log,
    );
    this.book.start({
      event: (event) => host.publish(event),
      closed: (sourceId, session) => host.closed(sourceId, session),
      resynced: () => host.resnapshot(),
      revoked: (ids) => host.revoked(ids),
    });
    await Promise.all([this.writer.connect(), this.reader.connect()].map((p) => p.catch(() => undefined)));
    await this.book.whenSynced(waitMs);
    for (const id of leased) {
      const lease = new Lease(
        this.writer,
        `${this.prefix}lease:${id}`,
        this.node,
        this.o.leaseMs,
        {
          acquired: async () => {
            this.metrics?.leaseHeld.set(id, 1);
            await this.book.whenSynced(this.o.leaseMs);
            await host.startSource(id);
            this.commands?.serve(id);
          },
          lost: async () => {
            this.metrics?.leaseHeld.set(id, 0);
            await this.commands?.unserve(id);
            await host.stopSource(id);
          },
        },
        this.log,
      );
      this.leases.set(id, lease);
      this.metrics?.leaseHeld.set(id, 0);
      lease.start();
    }
    this.reportPresence();
  }

  /** Passes a command for a leased source held by another node to that node; resolves with its outcome. */
  forward(sourceId: string, command: RelayedCommand): Promise<CommandOutcome> {
    if (!this.commands) return Promise.resolve({ ok: false, code: 'FAILED', message: 'the cluster is not started' });
    return this.commands.forward(sourceId, command);
  }

  /** Counters of the command relay (tests). */
  get commandStats(): { executed: number; duplicates: number; cancelled: number } | undefined {
    return this.commands?.stats;
  }

  /** Tells every node that a token was revoked here (each node closes the connections holding it). */
  revoke(id: string, attempt = 0): void {
    (this.writer as Redis & { poplineRevoke(...a: (string | number)[]): Promise<number> })
      .poplineRevoke(this.keys.revoked, this.keys.events, this.o.streamLength, this.node, id)
      .catch((error: unknown) => {
        this.metrics?.redisErrors.inc();
        if (this.closing || attempt > 600) return;
        this.log.warn('could not share a revocation through Redis yet; retrying', { error: String(error) });
        setTimeout(() => this.revoke(id, attempt + 1), 500 + retryDelay(attempt)).unref();
      });
  }

  /** Which extensions are connected on which node (every node writes its own, with an expiry). */
  async presence(): Promise<Record<string, Record<string, number>>> {
    const nodes = await this.writer.smembers(`${this.prefix}presence:nodes`);
    const out: Record<string, Record<string, number>> = {};
    for (const node of nodes) {
      const counts = await this.writer.hgetall(`${this.prefix}presence:${node}`);
      if (Object.keys(counts).length)
        out[node] = Object.fromEntries(Object.entries(counts).map(([ext, n]) => [ext, Number(n)]));
    }
    return out;
  }

  private reportPresence(): void {
    if (this.closing) return;
    const key = `${this.prefix}presence:${this.node}`;
    const counts = this.host?.presence() ?? new Map();
    const tx = this.writer.multi().del(key);
    if (counts.size) tx.hset(key, Object.fromEntries(counts)).pexpire(key, PRESENCE_MS * 3);
    tx.sadd(`${this.prefix}presence:nodes`, this.node)
      .exec()
      .catch(() => undefined);
    this.presenceTimer = setTimeout(() => this.reportPresence(), PRESENCE_MS * (0.8 + Math.random() * 0.4));
    this.presenceTimer.unref();
  }

  /** Drain: give the leases up so that another node takes them at once. */
  async releaseLeases(): Promise<void> {
    await Promise.all([...this.leases.values()].map((lease) => lease.release()));
  }

  async close(): Promise<void> {
    this.closing = true;
    clearInterval(this.supervisor);
    clearTimeout(this.presenceTimer);
    await this.releaseLeases();
    await this.commands?.close();
    await this.writer.del(`${this.prefix}presence:${this.node}`).catch(() => undefined);
    const reading = this.book.close();
    this.reader.disconnect();
    // A blocking read ends when its connection does; never wait past a second for it.
    await Promise.race([reading, new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
    this.writer.disconnect();
  }

  /** Test hook: this node dies at once (no lease given up, nothing written). */
  crash(): void {
    this.closing = true;
    clearInterval(this.supervisor);
    clearTimeout(this.presenceTimer);
    for (const lease of this.leases.values()) lease.abandon();
    this.commands?.crash();
    void this.book.close();
    this.reader.disconnect();
    this.writer.disconnect();
  }
}
