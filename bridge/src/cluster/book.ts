/**
 * The calls book of a cluster node: the active calls live in Redis, and every change goes through
 * one Lua script (scripts.ts APPLY) that updates them, takes the next cluster-wide `seq` and appends
 * the change to a stream trimmed with MAXLEN ~. Every node reads that stream with a blocking XREAD
 * on a connection of its own and keeps a mirror of the calls, so its snapshots are the same as every
 * other node's, and it fans each change out to its own agents.
 *
 * While Redis is unreachable, changes are held in order (up to `maxBuffered`, then dropped with a
 * count) and written when it is back; every write is idempotent, so one sent twice is harmless. When
 * the reader finds a hole in `seq` (the stream was trimmed past it, or Redis lost its data) it
 * reloads the calls and sends its agents a fresh snapshot: history gone ⇒ snapshot.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { CtiSession } from '../../../src/shared/protocol';
import type { ClusterMetrics } from '../ops/metrics';
import type { ActiveCall, Book, BookEvent } from '../server/calls';
import type { SourceLog } from '../sources/types';
import { APPLY, LOAD, RESEED } from './scripts';
import { RedisTeamStore } from './team';

export interface ClusterKeys {
  prefix: string;
  calls: string;
  owners: string;
  seq: string;
  events: string;
  epoch: string;
  revoked: string;
  ended: string;
  changed: string;
}

export const clusterKeys = (prefix: string): ClusterKeys => ({
  prefix,
  calls: `${prefix}calls`,
  owners: `${prefix}owners`,
  seq: `${prefix}seq`,
  events: `${prefix}events`,
  epoch: `${prefix}epoch`,
  revoked: `${prefix}revoked`,
  ended: `${prefix}ended`,
  changed: `${prefix}changed`,
});

/** What the book tells the node it runs in. */
export interface BookHandlers {
  /** A change, to fan out to this node's agents (the hub's publish). */
  event(event: BookEvent): void;
  /** A call ended (for the node's history). */
  closed(sourceId: string, session: CtiSession): void;
  /** The calls were reloaded: every agent here needs a fresh snapshot. */
  resynced(): void;
  /** Token ids revoked somewhere in the cluster. */
  revoked(ids: string[]): void;
}

export interface SharedBookOptions {
  keys: ClusterKeys;
  node: string;
  streamLength: number;
  /** Changes held while Redis is unreachable; past this they are dropped (and counted). */
  maxBuffered: number;
  log: SourceLog;
  metrics?: ClusterMetrics;
}

type Scripted = Redis & {
  poplineApply(...args: (string | number)[]): Promise<number[]>;
  poplineLoad(...args: string[]): Promise<[string[], string[], string, string, string, string[]]>;
  poplineReseed(...args: (string | number)[]): Promise<string>;
};

/** One change waiting for Redis: op (u upsert, x end, f forget), source, session id, JSON, time. */
type Op = [string, string, string, string, string];

const BATCH = 200;
const READ_COUNT = 1000;
const BLOCK_MS = 1000;
/** When Redis lost its data, the seq put back jumps this far ahead of what this node saw. */
const SEQ_MARGIN = 1000;
/**
 * What a node wrote in this last while it writes again when Redis comes back without its data
 * (a restart without persistence): events the other nodes had not read yet, or that the node that
 * put the calls back had not. Every write is idempotent, and an ended call stays ended (`ended`).
 */
const REPLAY_MS = 60_000;
const REPLAY_MAX = 50_000;
/** The replays of what was written since `cutoff`: the last change of each call (u → r, x → e), in order. */
function replayOf(recent: readonly { op: Op; at: number }[], cutoff: number): { op: Op; at: number }[] {
  const last = new Map<string, { op: Op; at: number }>();
  for (const entry of recent) {
    if (entry.at < cutoff) continue;
    const [kind, source, sessionId, json, at] = entry.op;
    const replayed = kind === 'u' ? 'r' : kind === 'x' ? 'e' : kind;
    last.delete(sessionId); // re-inserted: the map keeps the order of each call's last change
    last.set(sessionId, { op: [replayed, source, sessionId, json, at], at: entry.at });
  }
  return [...last.values()];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const now = () => performance.timeOrigin + performance.now();

export function defineScripts(redis: Redis): void {
  redis.defineCommand('poplineApply', { numberOfKeys: 6, lua: APPLY });
  redis.defineCommand('poplineLoad', { numberOfKeys: 6, lua: LOAD });
  redis.defineCommand('poplineReseed', { numberOfKeys: 4, lua: RESEED });
}

export class SharedBook implements Book {
  seq = 0;
  /** Whether the mirror has been loaded from Redis at least once. */
  synced = false;
  handlers: BookHandlers | undefined;
  private readonly mirror = new Map<string, ActiveCall>();
  private queue: Op[] = [];
  /** What this node wrote lately, with when it first wrote it, oldest first (to replay after a data loss). */
  private recent: { op: Op; at: number }[] = [];
  /** Changes written again after Redis lost its data: before `queue`, and not counted for `whenWritten`. */
  private replay: { op: Op; at: number }[] = [];
  private flushing = false;
  private scheduled = false;
  /** True once this connection's epoch check ran (after every reconnect): writes wait for it. */
  private seeded = false;
  private epoch = '';
  private lastId = '0-0';
  private needSync = true;
  private closed = false;
  private dropped = 0;
  /** Changes ever queued, and ever written (or dropped): a request can wait for its own to be in Redis. */
  private pushed = 0;
  private done = 0;
  private readonly writeWaiters = new Set<() => void>();
  private readonly writer: Scripted;
  private readonly reader: Scripted;
  private reading: Promise<void> | undefined;

  constructor(
    writer: Redis,
    reader: Redis,
    private readonly o: SharedBookOptions,
  ) {
    this.writer = writer as Scripted;
    this.reader = reader as Scripted;
  }

  get size(): number {
    return this.mirror.size;
  }

  get(sessionId: string): ActiveCall | undefined {
    return this.mirror.get(sessionId);
  }

  active(): ActiveCall[] {
    return [...this.mirror.values()];
  }

  /** The team's store on the same Redis and key prefix (the hub asks for it when the team is on). */
  teamStore(): RedisTeamStore {
    return new RedisTeamStore(this.writer, {
      prefix: this.o.keys.prefix,
      node: this.o.node,
      streamLength: this.o.streamLength,
      log: this.o.log,
    });
  }

  /** Changes not yet in Redis. */
  get buffered(): number {
    return this.queue.length;
  }

  upsert(sourceId: string, session: CtiSession, at = performance.now()): boolean {
    this.push(['u', sourceId, session.sessionId, JSON.stringify(session), String(performance.timeOrigin + at)]);
    return true;
  }

  end(sourceId: string, sessionId: string, final?: CtiSession, at = performance.now()): CtiSession | undefined {
    this.push(['x', sourceId, sessionId, final ? JSON.stringify(final) : '', String(performance.timeOrigin + at)]);
    return undefined; // Recorded by every node when the stream delivers the close (handlers.closed).
  }

  forget(sourceId: string, sessionId: string): void {
    this.push(['f', sourceId, sessionId, '', String(now())]);
  }

  /** The source's calls become exactly `sessions` (a lease taken over: what the PBX lists as active). */
  reconcile(sourceId: string, sessions: CtiSession[]): void {
    const present = new Set(sessions.map((session) => session.sessionId));
    for (const call of this.mirror.values()) {
      if (call.sourceId === sourceId && !present.has(call.session.sessionId))
        this.end(sourceId, call.session.sessionId);
    }
    for (const session of sessions) this.upsert(sourceId, session);
  }

  /** Another node may run this source now: its calls stay. */
  dropSource(): void {}

  private push(op: Op): void {
    if (this.closed) return;
    if (this.queue.length >= this.o.maxBuffered) {
      this.dropped += 1;
      this.o.metrics?.writesDropped.inc();
      if (this.dropped === 1 || this.dropped % 1000 === 0)
        this.o.log.error('Redis unreachable and the buffer is full: call event dropped', {
          dropped: this.dropped,
          buffered: this.queue.length,
        });
      return;
    }
    this.queue.push(op);
    this.pushed += 1;
    this.o.metrics?.writesBuffered.set(this.queue.length);
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled || this.flushing) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private get writable(): boolean {
    return this.seeded && this.writer.status === 'ready' && !this.closed;
  }

  /** Writes what waits, in order, in batches; stops at the first failure and keeps the rest. */
  private async flush(): Promise<void> {
    if (this.flushing || !this.writable) return;
    this.flushing = true;
    try {
      while ((this.replay.length || this.queue.length) && this.writable) {
        const replaying = this.replay.length > 0;
        const entries = replaying
          ? this.replay.slice(0, BATCH)
          : this.queue.slice(0, BATCH).map((op) => ({ op, at: Date.now() }));
        const batch = entries.map((entry) => entry.op);
        const k = this.o.keys;
        let results: number[];
        try {
          results = await this.writer.poplineApply(
            k.calls,
            k.owners,
            k.seq,
            k.events,
            k.ended,
            k.changed,
            this.o.streamLength,
            this.o.node,
            ...batch.flat(),
          );
        } catch (error) {
          this.o.metrics?.redisErrors.inc();
          this.o.log.debug('call events kept for Redis', { buffered: this.queue.length, error: String(error) });
          break;
        }
        if (replaying) this.replay.splice(0, batch.length);
        else {
          this.queue.splice(0, batch.length);
          this.done += batch.length;
          for (const wake of [...this.writeWaiters]) wake();
        }
        this.remember(entries);
        results.forEach((result, index) => {
          if (result === -1)
            this.o.log.warn('session id already used by another source; ignored', { sessionId: batch[index]?.[2] });
        });
      }
    } finally {
      this.flushing = false;
      this.o.metrics?.writesBuffered.set(this.queue.length);
    }
    if ((this.replay.length || this.queue.length) && this.writable) this.schedule();
  }

  /** Keeps what was written for REPLAY_MS (at most REPLAY_MAX changes). */
  private remember(entries: { op: Op; at: number }[]): void {
    this.recent.push(...entries);
    const cutoff = Date.now() - REPLAY_MS;
    let drop = Math.max(0, this.recent.length - REPLAY_MAX);
    while (drop < this.recent.length && (this.recent[drop]?.at ?? 0) < cutoff) drop += 1;
    if (drop) this.recent.splice(0, drop);
  }

  /** A mark for `whenWritten`: every change queued so far. */
  get mark(): number {
    return this.pushed;
  }

  /**
   * Resolves true once every change queued up to `mark` is in Redis (so a node killed now loses
   * none of them), false after `ms` (they are still held and will be written when Redis is back).
   */
  whenWritten(mark: number, ms: number): Promise<boolean> {
    // Changes dropped for a full buffer never come: count them as done for waiting.
    if (this.done + this.dropped >= mark) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.writeWaiters.delete(check);
        resolve(false);
      }, ms);
      const check = () => {
        if (this.done + this.dropped < mark) return;
        clearTimeout(timer);
        this.writeWaiters.delete(check);
        resolve(true);
      };
      this.writeWaiters.add(check);
    });
  }

  /** The writer lost Redis: hold writes until `connected()` has checked what Redis still has. */
  disconnected(): void {
    this.seeded = false;
  }

  /**
   * After every (re)connect of the writer. If Redis has no epoch it lost its data (a restart without
   * persistence): the first node back puts the calls it knows back, with a seq ahead of any an agent
   * saw; every node then reloads (a fresh snapshot to its agents). Then held writes go out.
   */
  async connected(): Promise<void> {
    const k = this.o.keys;
    const triples = [...this.mirror].flatMap(([id, call]) => [id, call.sourceId, JSON.stringify(call.session)]);
    const epoch = await this.writer.poplineReseed(
      k.calls,
      k.owners,
      k.seq,
      k.epoch,
      randomBytes(8).toString('hex'),
      this.seq + (this.epoch ? SEQ_MARGIN : 0),
      ...triples,
    );
    if (this.epoch && epoch !== this.epoch) {
      // What this node wrote lately goes again (another node may have put the calls back without it):
      // the last change it wrote of each call, as a replay, which never overwrites a newer change
      // nor brings back an ended call.
      this.replay = [...replayOf(this.recent, Date.now() - REPLAY_MS), ...this.replay];
      this.recent = [];
      this.o.log.warn('Redis lost its data (restarted without persistence?): the calls were put back', {
        calls: this.mirror.size,
        replayed: this.replay.length,
      });
      this.needSync = true;
    }
    this.epoch = epoch;
    this.seeded = true;
    this.schedule();
  }

  start(handlers: BookHandlers): void {
    this.handlers = handlers;
    this.reading ??= this.readLoop();
  }

  /** Resolves once the calls were loaded from Redis, or after `ms`. */
  async whenSynced(ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (!this.synced && Date.now() < deadline && !this.closed) await sleep(25);
    return this.synced;
  }

  private async readLoop(): Promise<void> {
    let failures = 0;
    while (!this.closed) {
      try {
        if (this.needSync) await this.sync();
        const reply = (await this.reader.xread(
          'COUNT',
          READ_COUNT,
          'BLOCK',
          BLOCK_MS,
          'STREAMS',
          this.o.keys.events,
          this.lastId,
        )) as [string, [string, string[]][]][] | null;
        failures = 0;
        const entries = reply?.[0]?.[1];
        if (entries) this.take(entries);
      } catch (error) {
        if (this.closed) return;
        failures += 1;
        if (failures === 1) this.o.log.warn('cannot read the event stream from Redis', { error: String(error) });
        // Full jitter, so that nodes do not come back in step after a Redis restart.
        await sleep(Math.random() * Math.min(2000, 50 * 2 ** Math.min(failures, 6)));
      }
    }
  }

  /** Loads the calls, the seq and the stream's last id at one instant. */
  private async sync(): Promise<void> {
    const k = this.o.keys;
    const [calls, owners, seq, lastId, epoch, revoked] = await this.reader.poplineLoad(
      k.calls,
      k.owners,
      k.seq,
      k.events,
      k.epoch,
      k.revoked,
    );
    // No epoch: Redis lost its data and no node has put the calls back yet; keep ours meanwhile.
    if (!epoch) throw new Error('Redis has no cluster data yet');
    const owner = new Map<string, string>();
    for (let i = 0; i + 1 < owners.length; i += 2) owner.set(owners[i] as string, owners[i + 1] as string);
    this.mirror.clear();
    for (let i = 0; i + 1 < calls.length; i += 2) {
      const id = calls[i] as string;
      try {
        this.mirror.set(id, { sourceId: owner.get(id) ?? '', session: JSON.parse(calls[i + 1] as string) });
      } catch {
        this.o.log.error('unreadable call in Redis; skipped', { sessionId: id });
      }
    }
    this.seq = Number(seq);
    this.lastId = lastId;
    this.needSync = false;
    const again = this.synced;
    this.synced = true;
    if (revoked.length) this.handlers?.revoked(revoked);
    if (again) {
      this.o.metrics?.resyncs.inc();
      this.o.log.info('calls reloaded from Redis; agents get a fresh snapshot', {
        calls: this.mirror.size,
        seq: this.seq,
      });
      this.handlers?.resynced();
    }
  }

  private take(entries: [string, string[]][]): void {
    for (const [id, list] of entries) {
      const f: Record<string, string> = {};
      for (let i = 0; i + 1 < list.length; i += 2) f[list[i] as string] = list[i + 1] as string;
      const seq = Number(f.q ?? 0);
      if (seq > 0) {
        if (seq <= this.seq) {
          this.lastId = id;
          continue; // Already in the calls this node loaded.
        }
        if (seq !== this.seq + 1) {
          this.needSync = true; // A hole: trimmed away, or Redis lost its data.
          break;
        }
      }
      this.lastId = id;
      try {
        this.apply(f, seq);
      } catch (error) {
        this.o.log.error('unreadable event in the stream; reloading', { id, error: String(error) });
        this.needSync = true;
        break;
      }
    }
  }

  private apply(f: Record<string, string>, seq: number): void {
    const sessionId = f.i ?? '';
    const sourceId = f.o ?? '';
    const at = Number(f.a) - performance.timeOrigin;
    switch (f.t) {
      case 'c':
      case 'u': {
        const session = JSON.parse(f.s ?? '') as CtiSession;
        const previous = f.p ? (JSON.parse(f.p) as CtiSession) : undefined;
        this.mirror.set(sessionId, { sourceId, session });
        this.seq = seq;
        this.handlers?.event({
          type: 'upsert',
          created: f.t === 'c',
          seq,
          session,
          ...(previous ? { previous } : {}),
          at: Number.isFinite(at) ? at : performance.now(),
        });
        return;
      }
      case 'x': {
        const session = JSON.parse(f.s ?? '') as CtiSession;
        this.mirror.delete(sessionId);
        this.seq = seq;
        this.handlers?.event({ type: 'closed', seq, session, at: Number.isFinite(at) ? at : performance.now() });
        this.handlers?.closed(sourceId, session);
        return;
      }
      case 'f':
        this.mirror.delete(sessionId);
        return;
      case 'r':
        this.handlers?.revoked([sessionId]);
        return;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.reading?.catch(() => undefined);
  }
}
