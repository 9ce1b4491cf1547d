/**
 * Call commands for a leased source, from any node to the one that holds its lease. The asking node
 * appends the command to the source's stream (`cmd:<source>`, trimmed with MAXLEN ~) and waits on a
 * reply key of its own (`cmd:reply:<id>`, with an expiry) through one blocking BLPOP per node, on a
 * connection of its own. The holder reads the stream through a consumer group (`holders`), with a
 * blocking XREADGROUP on a connection per source it serves, only while it holds the lease: losing it
 * disconnects that reader at once.
 *
 * Exactly once: before executing, the holder takes the command's claim (`cmd:claim:<id>`, SET NX).
 * A command delivered twice (a redelivery after a holder change, claimed from the dead holder's
 * pending entries with XAUTOCLAIM) finds the claim taken and is not executed again. An asker whose
 * wait runs out takes the claim itself ('cancelled'): if it gets it, no holder ever executes the
 * command and the agent is told so (FAILED, not carried out: try again); if a holder has it, the
 * command is under way and the asker waits for its result a while longer. Nothing relies on the
 * nodes' clocks agreeing.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { RelayedCommand } from '../server/router';
import { CALL_COMMANDS, type CommandOutcome, type SourceLog } from '../sources/types';

export interface CommandRelayOptions {
  prefix: string;
  node: string;
  /** How long an asker waits for a holder to take its command before it is cancelled. */
  waitMs: number;
  /** How long it then waits for the result of a command a holder took (the PBX's own timeout and some). */
  runMs: number;
  /** Commands kept per source's stream (MAXLEN ~). */
  streamLength?: number;
}

/** Executes a command on this node, where the source runs (the router). */
export type Execute = (sourceId: string, command: RelayedCommand) => Promise<CommandOutcome>;

const GROUP = 'holders';
const BLOCK_MS = 1000;
/** A command pending this long unanswered (its holder died, or lost the lease) is taken over. */
const CLAIM_IDLE_MS = 1000;
const CLAIM_TTL_MS = 120_000;
const REPLY_TTL_MS = 30_000;
const OPS = new Set<string>(['dial', ...CALL_COMMANDS]);

const failed = (message: string): CommandOutcome => ({ ok: false, code: 'FAILED', message });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Connects a fresh duplicate; a failure is left to the loop's retries (ioredis reconnects by itself). */
const connect = (redis: Redis): Promise<void> =>
  redis.status === 'wait' ? redis.connect().catch(() => undefined) : Promise.resolve();
const text = (value: unknown, max = 256): value is string => typeof value === 'string' && value.length <= max;

/** A command as read back from Redis: checked field by field (another process wrote it). */
export function readCommand(json: string): RelayedCommand | undefined {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { op, request } = value as { op?: unknown; request?: Record<string, unknown> };
  if (!text(op) || !OPS.has(op) || typeof request !== 'object' || request === null) return undefined;
  if (!text(request.extension, 64) || !text(request.grantId)) return undefined;
  const who = { extension: request.extension, grantId: request.grantId };
  if (op === 'dial') return text(request.number, 64) ? { op, request: { ...who, number: request.number } } : undefined;
  if (!text(request.sessionId)) return undefined;
  if (request.target !== undefined && !text(request.target, 64)) return undefined;
  return {
    op: op as Exclude<RelayedCommand['op'], 'dial'>,
    request: {
      ...who,
      sessionId: request.sessionId,
      ...(typeof request.target === 'string' ? { target: request.target } : {}),
    },
  } as RelayedCommand;
}

function readOutcome(json: string): CommandOutcome {
  try {
    const value = JSON.parse(json) as CommandOutcome;
    if (value.ok === true) return { ok: true, ...(text(value.sessionId) ? { sessionId: value.sessionId } : {}) };
    if (value.ok === false && text(value.code, 32) && text(value.message, 1024)) return value;
  } catch {
    // Unreadable: below.
  }
  return failed('the bridge node holding the phone system’s connection gave an unreadable answer');
}

/** The holder's side for one source: reads its stream while the lease is held. */
class Consumer {
  stopped = false;
  private readonly redis: Redis;
  private readonly loop: Promise<void>;
  private readonly chains = new Map<string, Promise<void>>();
  /** Entries taken and not yet answered: XAUTOCLAIM hands this consumer's own slow ones back to it. */
  private readonly taken = new Set<string>();
  private claimedAt = 0;

  constructor(
    private readonly relay: CommandRelay,
    private readonly sourceId: string,
    writer: Redis,
  ) {
    this.redis = writer.duplicate({
      connectionName: `popline-bridge:${relay.o.node}:cmd:${sourceId}`,
      blockingTimeout: BLOCK_MS * 5,
    });
    this.redis.on('error', () => undefined);
    this.loop = this.run();
  }

  private get key(): string {
    return this.relay.streamKey(this.sourceId);
  }

  private async run(): Promise<void> {
    let failures = 0;
    let grouped = false;
    // A duplicate starts unconnected and, with no offline queue, would refuse its first command.
    await connect(this.redis);
    while (!this.stopped) {
      try {
        if (!grouped) {
          await this.redis.xgroup('CREATE', this.key, GROUP, '0', 'MKSTREAM').catch((error: Error) => {
            if (!/BUSYGROUP/.test(error.message)) throw error;
          });
          grouped = true;
        }
        if (Date.now() - this.claimedAt >= CLAIM_IDLE_MS) await this.takeOver();
        const reply = (await this.redis.xreadgroup(
          'GROUP',
          GROUP,
          this.relay.o.node,
          'COUNT',
          100,
          'BLOCK',
          BLOCK_MS,
          'STREAMS',
          this.key,
          '>',
        )) as [string, [string, string[]][]][] | null;
        failures = 0;
        for (const entry of reply?.[0]?.[1] ?? []) this.take(entry);
      } catch (error) {
        if (this.stopped) return;
        // Redis may have come back without its data (NOGROUP): the group is made again (idempotent).
        grouped = false;
        failures += 1;
        if (failures === 1) this.relay.log.warn('cannot read commands from Redis', { error: String(error) });
        await sleep(Math.random() * Math.min(2000, 50 * 2 ** Math.min(failures, 6)));
      }
    }
  }

  /** Commands another consumer read and never answered (it died, or lost the lease): ours now. */
  private async takeOver(): Promise<void> {
    this.claimedAt = Date.now();
    let cursor = '0-0';
    do {
      const [next, entries] = (await this.redis.xautoclaim(
        this.key,
        GROUP,
        this.relay.o.node,
        CLAIM_IDLE_MS,
        cursor,
        'COUNT',
        100,
      )) as unknown as [string, ([string, string[]] | null)[]];
      for (const entry of entries) if (entry) this.take(entry);
      cursor = next;
    } while (cursor !== '0-0' && !this.stopped);
  }

  /** Commands on one call run in order; commands on different calls do not wait for each other. */
  private take([entryId, list]: [string, string[]]): void {
    if (this.taken.has(entryId)) return;
    this.taken.add(entryId);
    const f: Record<string, string> = {};
    for (let i = 0; i + 1 < list.length; i += 2) f[list[i] as string] = list[i + 1] as string;
    const command = readCommand(f.c ?? '');
    const lane = command && 'sessionId' in command.request ? command.request.sessionId : (f.i ?? entryId);
    const chain = (this.chains.get(lane) ?? Promise.resolve())
      .then(() => this.handle(entryId, f.i, command))
      .catch((error) => this.relay.log.error('command from another node failed', { error: String(error) }))
      .finally(() => this.taken.delete(entryId));
    this.chains.set(lane, chain);
    void chain.finally(() => {
      if (this.chains.get(lane) === chain) this.chains.delete(lane);
    });
  }

  private async handle(entryId: string, id: string | undefined, command: RelayedCommand | undefined): Promise<void> {
    // No longer the holder: left pending for the next one (it takes it over with XAUTOCLAIM).
    if (this.stopped || !this.relay.serving(this.sourceId)) return;
    const r = this.relay.writer;
    if (!id || !text(id, 64)) {
      this.relay.log.warn('unreadable command in the stream; dropped', { source: this.sourceId });
      await r.multi().xack(this.key, GROUP, entryId).xdel(this.key, entryId).exec();
      return;
    }
    const claimed = await r.set(this.relay.claimKey(id), this.relay.o.node, 'PX', CLAIM_TTL_MS, 'NX');
    if (claimed !== 'OK') {
      // Executed (or being executed) already, or cancelled by its asker: never a second time.
      this.relay.stats.duplicates += 1;
      await r.multi().xack(this.key, GROUP, entryId).xdel(this.key, entryId).exec();
      return;
    }
    const outcome = command
      ? await this.relay.execute(this.sourceId, command)
      : failed('the command could not be read by the bridge node holding the phone system’s connection');
    this.relay.stats.executed += 1;
    const reply = this.relay.replyKey(id);
    await r
      .multi()
      .rpush(reply, JSON.stringify(outcome))
      .pexpire(reply, REPLY_TTL_MS)
      .xack(this.key, GROUP, entryId)
      .xdel(this.key, entryId)
      .exec();
  }

  /** Stops consuming now: the blocking read ends with its connection; what it had not taken stays pending. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.redis.disconnect();
    await Promise.race([this.loop, sleep(1000)]);
  }
}

interface Waiter {
  resolve(outcome: string): void;
}

export class CommandRelay {
  readonly stats = { executed: 0, duplicates: 0, cancelled: 0 };
  private readonly consumers = new Map<string, Consumer>();
  private readonly waiters = new Map<string, Waiter>();
  private replies: Redis | undefined;
  private replyLoop: Promise<void> | undefined;
  private closed = false;

  constructor(
    readonly writer: Redis,
    readonly o: CommandRelayOptions,
    readonly execute: Execute,
    readonly log: SourceLog,
  ) {}

  streamKey = (sourceId: string) => `${this.o.prefix}cmd:${sourceId}`;
  claimKey = (id: string) => `${this.o.prefix}cmd:claim:${id}`;
  replyKey = (id: string) => `${this.o.prefix}cmd:reply:${id}`;
  private get wakeKey(): string {
    return `${this.o.prefix}cmd:wake:${this.o.node}`;
  }

  serving(sourceId: string): boolean {
    return this.consumers.has(sourceId);
  }

  /** This node holds the source's lease: consume its commands. */
  serve(sourceId: string): void {
    if (this.closed || this.consumers.has(sourceId)) return;
    this.consumers.set(sourceId, new Consumer(this, sourceId, this.writer));
  }

  /** It does not any more: stop consuming at once. */
  async unserve(sourceId: string): Promise<void> {
    const consumer = this.consumers.get(sourceId);
    if (!consumer) return;
    this.consumers.delete(sourceId);
    await consumer.stop();
  }

  /** Sends a command to the node holding the source's lease; resolves with its outcome, or a clear failure. */
  async forward(sourceId: string, command: RelayedCommand): Promise<CommandOutcome> {
    if (this.closed) return failed('this bridge is shutting down; try again');
    const id = randomUUID();
    const answer = this.wait(id);
    try {
      await this.writer.multi().lpush(this.wakeKey, '1').pexpire(this.wakeKey, REPLY_TTL_MS).exec();
      await this.writer.xadd(
        this.streamKey(sourceId),
        'MAXLEN',
        '~',
        this.o.streamLength ?? 1000,
        '*',
        'i',
        id,
        'n',
        this.o.node,
        'c',
        JSON.stringify(command),
      );
    } catch (error) {
      this.waiters.delete(id);
      this.log.warn('could not pass a command on through Redis', { source: sourceId, error: String(error) });
      return failed(
        'the bridge node holding the phone system’s connection cannot be reached; not carried out, try again',
      );
    }
    let outcome = await answer.within(this.o.waitMs);
    if (outcome === undefined) {
      let cancelled: string | null | undefined;
      try {
        cancelled = await this.writer.set(this.claimKey(id), 'cancelled', 'PX', CLAIM_TTL_MS, 'NX');
      } catch {
        cancelled = undefined;
      }
      if (cancelled === 'OK') {
        this.waiters.delete(id);
        this.stats.cancelled += 1;
        return failed(
          'no bridge node holding the phone system’s connection answered in time; not carried out, try again',
        );
      }
      // A holder took it: it is under way; its result comes within the PBX's own timeout.
      outcome = await answer.within(this.o.runMs);
    }
    this.waiters.delete(id);
    if (outcome === undefined)
      return failed('the phone system did not confirm the command in time; check the call before trying again');
    return readOutcome(outcome);
  }

  private wait(id: string): { within(ms: number): Promise<string | undefined> } {
    let result: string | undefined;
    const listeners = new Set<() => void>();
    this.waiters.set(id, {
      resolve: (outcome) => {
        result = outcome;
        for (const wake of listeners) wake();
      },
    });
    this.startReplies();
    return {
      within: (ms) =>
        result !== undefined
          ? Promise.resolve(result)
          : new Promise((resolve) => {
              const done = () => {
                clearTimeout(timer);
                listeners.delete(done);
                resolve(result);
              };
              const timer = setTimeout(done, ms);
              listeners.add(done);
            }),
    };
  }

  private startReplies(): void {
    if (this.replyLoop || this.closed) return;
    this.replies = this.writer.duplicate({
      connectionName: `popline-bridge:${this.o.node}:replies`,
      blockingTimeout: BLOCK_MS * 5,
    });
    this.replies.on('error', () => undefined);
    this.replyLoop = this.readReplies(this.replies);
  }

  /** One blocking BLPOP over every reply key awaited here, and this node's wake key (a new wait joins). */
  private async readReplies(redis: Redis): Promise<void> {
    let failures = 0;
    await connect(redis);
    while (!this.closed) {
      try {
        const keys = [this.wakeKey, ...[...this.waiters.keys()].map(this.replyKey)];
        const popped = await redis.blpop(...keys, BLOCK_MS / 1000);
        failures = 0;
        if (!popped) continue;
        const [key, value] = popped;
        if (key === this.wakeKey) continue;
        this.waiters.get(key.slice(this.replyKey('').length))?.resolve(value);
      } catch (error) {
        if (this.closed) return;
        failures += 1;
        if (failures === 1) this.log.warn('cannot read command results from Redis', { error: String(error) });
        await sleep(Math.random() * Math.min(2000, 50 * 2 ** Math.min(failures, 6)));
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.consumers.keys()].map((id) => this.unserve(id)));
    this.replies?.disconnect();
    await Promise.race([this.replyLoop, sleep(1000)]);
  }

  /** Test hook: the node dies; nothing acknowledged, nothing given up. */
  crash(): void {
    this.closed = true;
    for (const consumer of this.consumers.values()) void consumer.stop();
    this.consumers.clear();
    this.replies?.disconnect();
  }
}
