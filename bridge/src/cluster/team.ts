/**
 * The team's store on Redis (bridge/src/server/team.ts, docs/bridge.md "Team"): every node's events
 * through one stream (`team:events`, MAXLEN ~), read by each node with a blocking XREAD on a
 * connection of its own; what each colleague set in a hash; the users learned from connections in
 * another; each node's connected extensions in a hash of its own with an expiry (refreshed, so a node
 * that dies drops out within PRESENCE_TTL_MS); and the messages kept for each recipient in a list,
 * written in the same transaction as their stream entry, so a message is never only in a node's
 * memory. A recipient's node takes a message out with LREM: the one that removed it announces
 * `delivered`.
 */
import type { Redis } from 'ioredis';
import type { DirectoryUser } from '../../../src/shared/protocol';
import type { Setting, TeamEvent, TeamMessage, TeamSnapshot, TeamStore } from '../server/team';
import { numberKey } from '../sources/query';
import type { SourceLog } from '../sources/types';

const PRESENCE_REFRESH_MS = 5000;
const PRESENCE_TTL_MS = 15_000;
const BLOCK_MS = 1000;
/** A recipient's kept messages expire this long after the last one (a colleague who left). */
const INBOX_TTL_MS = 30 * 24 * 3600 * 1000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms).unref());

export interface RedisTeamOptions {
  prefix: string;
  node: string;
  streamLength: number;
  log: SourceLog;
}

export class RedisTeamStore implements TeamStore {
  readonly node: string;
  private reader: Redis | undefined;
  private apply: ((event: TeamEvent) => void) | undefined;
  private ownCounts: (() => Map<string, number>) | undefined;
  private lastId = '$';
  private closed = false;
  private reading: Promise<void> | undefined;
  private refresher: ReturnType<typeof setTimeout> | undefined;
  private readonly k;

  constructor(
    private readonly redis: Redis,
    private readonly o: RedisTeamOptions,
  ) {
    this.node = o.node;
    const p = `${o.prefix}team:`;
    this.k = {
      events: `${p}events`,
      settings: `${p}settings`,
      users: `${p}users`,
      nodes: `${p}nodes`,
      online: (node: string) => `${p}online:${node}`,
      inbox: (ext: string) => `${p}inbox:${numberKey(ext)}`,
    };
  }

  async start(apply: (event: TeamEvent) => void, ownCounts: () => Map<string, number>): Promise<TeamSnapshot> {
    if (this.redis.status !== 'ready') throw new Error(`Redis is ${this.redis.status}`);
    this.apply = apply;
    this.ownCounts = ownCounts;
    // The stream's position first, then the state: an event in between is applied twice (harmless).
    const last = (await this.redis.xrevrange(this.k.events, '+', '-', 'COUNT', 1)) as [string, string[]][];
    this.lastId = last[0]?.[0] ?? '0-0';
    const [settings, users, online] = await Promise.all([
      this.redis.hgetall(this.k.settings),
      this.redis.hgetall(this.k.users),
      this.readOnline(),
    ]);
    const snapshot: TeamSnapshot = { settings: {}, users: [], online };
    for (const [ext, json] of Object.entries(settings)) {
      try {
        snapshot.settings[ext] = JSON.parse(json) as Setting;
      } catch {
        this.o.log.warn('team: unreadable availability in Redis; skipped', { ext });
      }
    }
    for (const json of Object.values(users)) {
      try {
        snapshot.users.push(JSON.parse(json) as DirectoryUser);
      } catch {
        this.o.log.warn('team: unreadable user in Redis; skipped');
      }
    }
    if (!this.reader) {
      this.reader = this.redis.duplicate({ connectionName: `popline-bridge:${this.node}:team` });
      this.reader.on('error', () => undefined);
      await this.reader.connect().catch(() => undefined);
    }
    this.reading ??= this.readLoop();
    this.refresh();
    return snapshot;
  }

  async publish(event: TeamEvent): Promise<void> {
    const tx = this.redis.multi();
    if (event.t === 'set') {
      if (event.setting.availability === 'available' && !event.setting.note && !event.setting.until)
        tx.hdel(this.k.settings, event.ext);
      else tx.hset(this.k.settings, event.ext, JSON.stringify(event.setting));
    } else if (event.t === 'user') {
      tx.hset(this.k.users, numberKey(event.user.extension), JSON.stringify(event.user));
    } else if (event.t === 'online') {
      const key = this.k.online(event.node);
      if (event.count > 0) tx.hset(key, event.ext, event.count);
      else tx.hdel(key, event.ext);
      tx.pexpire(key, PRESENCE_TTL_MS).sadd(this.k.nodes, event.node);
    }
    this.append(tx, event);
    await this.exec(tx);
  }

  async send(message: TeamMessage, origin: string, max: number): Promise<void> {
    const inbox = this.k.inbox(message.to);
    const tx = this.redis
      .multi()
      .rpush(inbox, JSON.stringify(message))
      .ltrim(inbox, -max, -1)
      .pexpire(inbox, INBOX_TTL_MS);
    this.append(tx, { t: 'msg', message, origin });
    await this.exec(tx);
  }

  async pending(ext: string): Promise<TeamMessage[]> {
    const list = await this.redis.lrange(this.k.inbox(ext), 0, -1);
    const out: TeamMessage[] = [];
    for (const json of list) {
      try {
        out.push(JSON.parse(json) as TeamMessage);
      } catch {
        this.o.log.warn('team: unreadable kept message in Redis; skipped');
      }
    }
    return out;
  }

  async take(message: TeamMessage): Promise<boolean> {
    return (await this.redis.lrem(this.k.inbox(message.to), 1, JSON.stringify(message))) === 1;
  }

  private append(tx: ReturnType<Redis['multi']>, event: TeamEvent): void {
    tx.xadd(this.k.events, 'MAXLEN', '~', this.o.streamLength, '*', 'e', JSON.stringify(event));
  }

  private async exec(tx: ReturnType<Redis['multi']>): Promise<void> {
    const results = await tx.exec();
    const failed = results?.find(([error]) => error);
    if (!results || failed) throw failed?.[0] ?? new Error('the Redis transaction was discarded');
  }

  private async readOnline(): Promise<Record<string, Record<string, number>>> {
    const nodes = await this.redis.smembers(this.k.nodes);
    const out: Record<string, Record<string, number>> = {};
    for (const node of nodes) {
      const counts = await this.redis.hgetall(this.k.online(node));
      if (!Object.keys(counts).length) {
        if (node !== this.node) await this.redis.srem(this.k.nodes, node);
        continue;
      }
      out[node] = Object.fromEntries(Object.entries(counts).map(([ext, n]) => [ext, Number(n)]));
    }
    return out;
  }

  /** Writes this node's connected extensions again (with the expiry), then reads every node's. */
  private refresh(): void {
    clearTimeout(this.refresher);
    if (this.closed) return;
    const run = async () => {
      const counts = this.ownCounts?.() ?? new Map<string, number>();
      const key = this.k.online(this.node);
      const tx = this.redis.multi().del(key);
      if (counts.size) tx.hset(key, Object.fromEntries(counts)).pexpire(key, PRESENCE_TTL_MS);
      await this.exec(tx.sadd(this.k.nodes, this.node));
      const online = await this.readOnline();
      if (!this.closed) this.apply?.({ t: 'nodes', online });
    };
    run().catch((error) => this.o.log.debug('team: presence not refreshed', { error: String(error) }));
    this.refresher = setTimeout(() => this.refresh(), PRESENCE_REFRESH_MS * (0.8 + Math.random() * 0.4));
    this.refresher.unref();
  }

  private async readLoop(): Promise<void> {
    let failures = 0;
    while (!this.closed) {
      try {
        const reader = this.reader as Redis;
        if (reader.status !== 'ready') throw new Error(`Redis is ${reader.status}`);
        const reply = (await reader.xread('COUNT', 1000, 'BLOCK', BLOCK_MS, 'STREAMS', this.k.events, this.lastId)) as
          | [string, [string, string[]][]][]
          | null;
        failures = 0;
        for (const [id, fields] of reply?.[0]?.[1] ?? []) {
          this.lastId = id;
          const json = fields[fields.indexOf('e') + 1];
          if (!json) continue;
          try {
            this.apply?.(JSON.parse(json) as TeamEvent);
          } catch (error) {
            this.o.log.warn('team: unreadable event in the stream; skipped', { id, error: String(error) });
          }
        }
      } catch (error) {
        if (this.closed) return;
        failures += 1;
        if (failures === 1) this.o.log.warn('team: cannot read the team stream from Redis', { error: String(error) });
        await sleep(Math.random() * Math.min(2000, 50 * 2 ** Math.min(failures, 6)));
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.refresher);
    this.apply = undefined;
    this.reader?.disconnect();
    if (this.redis.status === 'ready') await this.redis.del(this.k.online(this.node)).catch(() => undefined);
    await Promise.race([this.reading, sleep(1000)]).catch(() => undefined);
  }
}
