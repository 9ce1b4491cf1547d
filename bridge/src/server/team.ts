/**
 * The team (docs/protocol.md, "Team: presence and chat"): the directory, each colleague's presence on
 * its two axes, and messages between agents. The phone axis comes from the calls in the book (every
 * node of a cluster has the same calls, so each derives it for its own agents); whether a colleague
 * is connected, what they set and their messages go through a `TeamStore`: this process
 * (`LocalTeamStore`) or Redis (bridge/src/cluster/team.ts), which hands every node's events to every
 * node. A message is kept for its recipient until one of their connections takes it; the one node
 * that takes it announces `delivered`.
 */
import { randomBytes } from 'node:crypto';
import { phoneAxis } from '../../../src/shared/presence';
import {
  type Availability,
  type ClientState,
  type DirectoryUser,
  directoryFrames,
  type MessageState,
  type PhoneState,
  type ReceivedClientFrame,
} from '../../../src/shared/protocol';
import { numberKey } from '../sources/query';
import type { CommandOutcome, SourceLog } from '../sources/types';
import type { BookEvent, BookView } from './calls';
import type { Connection } from './connection';
import { TokenBucket } from './limits';

export interface TeamOptions {
  /** Colleagues listed whether or not they ever connect (names, mobiles, e-mails). */
  directory?: DirectoryUser[];
  /** Messages kept for one colleague until a connection of theirs takes them (oldest dropped). Default 200. */
  keptPerUser?: number;
  /** Messages one connection may send per second, and in a burst. Defaults 2 and 20. */
  messagesPerSecond?: number;
  messageBurst?: number;
}

export interface TeamMessage {
  id: string;
  from: string;
  to: string;
  content: string;
  time: string;
}

/** What a colleague set; `available` without note or expiry is the default and is not stored. */
export interface Setting {
  availability: Availability;
  note?: string;
  until?: string;
}

export type TeamEvent =
  | { t: 'set'; ext: string; setting: Setting }
  | { t: 'online'; node: string; ext: string; count: number }
  | { t: 'user'; user: DirectoryUser }
  | { t: 'msg'; message: TeamMessage; origin: string }
  | { t: 'status'; sender: string; ids: string[]; state: MessageState; by: string; time: string }
  /** Every node's connected extensions, as the store last read them (nodes that died are missing). */
  | { t: 'nodes'; online: Record<string, Record<string, number>> };

export interface TeamSnapshot {
  settings: Record<string, Setting>;
  users: DirectoryUser[];
  online: Record<string, Record<string, number>>;
}

export interface TeamStore {
  readonly node: string;
  /** Delivers every node's events (this node's too) to `apply`; resolves with what is stored now. */
  start(apply: (event: TeamEvent) => void, ownCounts: () => Map<string, number>): Promise<TeamSnapshot>;
  publish(event: TeamEvent): Promise<void>;
  /** Keeps a message for its recipient (at most `max` each) and publishes it. */
  send(message: TeamMessage, origin: string, max: number): Promise<void>;
  pending(ext: string): Promise<TeamMessage[]>;
  /** Removes a kept message: true only for the one caller that removed it (it announces `delivered`). */
  take(message: TeamMessage): Promise<boolean>;
  close(): Promise<void>;
}

/** The store of a bridge that runs alone: events go from this process to itself. */
export class LocalTeamStore implements TeamStore {
  readonly node = 'local';
  private apply: ((event: TeamEvent) => void) | undefined;
  private readonly inbox = new Map<string, TeamMessage[]>();

  async start(apply: (event: TeamEvent) => void): Promise<TeamSnapshot> {
    this.apply = apply;
    return { settings: {}, users: [], online: {} };
  }

  async publish(event: TeamEvent): Promise<void> {
    // Later, as from Redis: a command's `result` goes out before the frames it causes.
    setImmediate(() => this.apply?.(event));
  }

  async send(message: TeamMessage, origin: string, max: number): Promise<void> {
    const key = numberKey(message.to);
    const list = this.inbox.get(key) ?? [];
    list.push(message);
    if (list.length > max) list.splice(0, list.length - max);
    this.inbox.set(key, list);
    await this.publish({ t: 'msg', message, origin });
  }

  async pending(ext: string): Promise<TeamMessage[]> {
    return [...(this.inbox.get(numberKey(ext)) ?? [])];
  }

  async take(message: TeamMessage): Promise<boolean> {
    const key = numberKey(message.to);
    const list = this.inbox.get(key);
    const index = list?.findIndex((m) => m.id === message.id) ?? -1;
    if (!list || index < 0) return false;
    list.splice(index, 1);
    if (!list.length) this.inbox.delete(key);
    return true;
  }

  async close(): Promise<void> {
    this.apply = undefined;
  }
}

export interface TeamHost {
  /** This node's connections that completed the handshake. */
  clients(): Iterable<Connection>;
  send(c: Connection, text: string): boolean;
  book: BookView;
  log: SourceLog;
}

export type TeamOutcome = CommandOutcome | { ok: true; messageId: string };

type TeamCommand = Extract<ReceivedClientFrame, { op: 'setAvailability' | 'sendMessage' | 'markRead' }>;

const SENT_REMEMBERED = 20_000;
const EXPIRY_TICK_MS = 250;

const isDefault = (s: Setting) => s.availability === 'available' && !s.note && !s.until;

export class Team {
  private readonly configured = new Map<string, DirectoryUser>();
  private readonly users = new Map<string, DirectoryUser>();
  private readonly settings = new Map<string, Setting>();
  /** node → extension key → connections. This node's own counts are kept here at once. */
  private readonly online = new Map<string, Map<string, number>>();
  /** The last `clientStateChanged` sent for each key, so that a change is sent once. */
  private readonly last = new Map<string, string>();
  /** Message id → sender and recipient keys (to route read receipts). */
  private readonly sent = new Map<string, { from: string; to: string }>();
  private readonly joined = new WeakSet<Connection>();
  /** Joined connections counted online (after the store's state was in). */
  private readonly counted = new WeakSet<Connection>();
  private readonly ids = new WeakMap<Connection, string>();
  private readonly buckets = new WeakMap<Connection, TokenBucket>();
  private nextId = 0;
  private readonly expiry: ReturnType<typeof setInterval>;
  private closed = false;
  readonly ready: Promise<void>;

  constructor(
    private readonly options: TeamOptions,
    private readonly store: TeamStore,
    private readonly host: TeamHost,
  ) {
    for (const user of options.directory ?? []) {
      this.configured.set(numberKey(user.extension), user);
      this.users.set(numberKey(user.extension), user);
    }
    this.online.set(store.node, new Map());
    this.expiry = setInterval(() => this.expire(), EXPIRY_TICK_MS);
    this.expiry.unref();
    this.ready = this.load();
  }

  private get own(): Map<string, number> {
    return this.online.get(this.store.node) as Map<string, number>;
  }

  /** Loads what the store holds; retried with backoff while the store (Redis) is not reachable. */
  private async load(): Promise<void> {
    for (let attempt = 0; !this.closed; attempt++) {
      try {
        const snapshot = await this.store.start(
          (event) => this.apply(event),
          () => this.own,
        );
        for (const user of snapshot.users) this.learn(user, false);
        for (const [ext, setting] of Object.entries(snapshot.settings)) this.settings.set(numberKey(ext), setting);
        this.applyNodes(snapshot.online);
        for (const key of this.users.keys()) this.emit(key);
        return;
      } catch (error) {
        if (attempt === 0) this.host.log.warn('team: store not reachable yet; retrying', { error: String(error) });
        await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(2000, 50 * 2 ** attempt)).unref());
      }
    }
  }

  /** A connection completed the handshake (after its snapshot): it gets the directory, then what was kept for it. */
  async join(c: Connection): Promise<void> {
    if (this.joined.has(c)) return;
    this.joined.add(c);
    // The directory is sent once the store's state is in (on many nodes: who is online elsewhere, what they set);
    // before that, it would tell this agent that every colleague on another node is offline.
    await this.ready;
    if (!this.joined.has(c) || this.closed) return; // closed while the store was loading: leave() found nothing
    this.nextId += 1;
    this.ids.set(c, `${this.store.node}:${this.nextId}`);
    const key = numberKey(c.extension);
    if (!this.users.has(key)) {
      const user: DirectoryUser = {
        extension: c.extension,
        ...(c.grant?.fullName ? { fullName: c.grant.fullName.slice(0, 256) } : {}),
        ...(c.grant?.userName ? { name: c.grant.userName.slice(0, 256) } : {}),
      };
      this.learn(user, true);
      this.store.publish({ t: 'user', user }).catch(() => undefined);
    }
    const count = (this.own.get(key) ?? 0) + 1;
    this.own.set(key, count);
    this.counted.add(c);
    this.emit(key);
    this.store.publish({ t: 'online', node: this.store.node, ext: key, count }).catch(() => undefined);
    for (const text of this.directory()) this.host.send(c, text);
    const kept = await this.store.pending(c.extension).catch(() => [] as TeamMessage[]);
    for (const message of kept) {
      this.remember(message);
      this.host.send(c, this.messageFrame(message));
      void this.delivered(message);
    }
  }

  /** A joined connection closed. */
  leave(c: Connection): void {
    if (!this.joined.has(c)) return;
    this.joined.delete(c);
    if (!this.counted.has(c)) return; // left before the store's state was in: never counted
    this.counted.delete(c);
    const key = numberKey(c.extension);
    const count = Math.max(0, (this.own.get(key) ?? 1) - 1);
    if (count) this.own.set(key, count);
    else this.own.delete(key);
    this.emit(key);
    this.store.publish({ t: 'online', node: this.store.node, ext: key, count }).catch(() => undefined);
  }

  /** A call changed: the phone axis of the extensions on it may have. */
  callEvent(event: BookEvent): void {
    const keys = new Set([numberKey(event.session.caller), numberKey(event.session.callee)]);
    if (event.type === 'upsert' && event.previous) {
      keys.add(numberKey(event.previous.caller));
      keys.add(numberKey(event.previous.callee));
    }
    for (const key of keys) if (this.users.has(key) || this.connections(key) > 0) this.emit(key);
  }

  async command(c: Connection, frame: TeamCommand): Promise<TeamOutcome> {
    switch (frame.op) {
      case 'setAvailability': {
        if (frame.until !== undefined && Date.parse(frame.until) <= Date.now()) {
          return { ok: false, code: 'INVALID', message: 'the expiry is in the past' };
        }
        await this.set(c.extension, {
          availability: frame.availability,
          ...(frame.note ? { note: frame.note } : {}),
          ...(frame.until ? { until: new Date(Date.parse(frame.until)).toISOString() } : {}),
        });
        return { ok: true };
      }
      case 'sendMessage': {
        let bucket = this.buckets.get(c);
        if (!bucket) {
          bucket = new TokenBucket(this.options.messagesPerSecond ?? 2, this.options.messageBurst ?? 20);
          this.buckets.set(c, bucket);
        }
        if (!bucket.take()) return { ok: false, code: 'RATE_LIMITED', message: 'too many messages; slow down' };
        const id = await this.say(c.extension, frame.to, frame.content, this.ids.get(c) ?? '');
        return typeof id === 'string' ? { ok: true, messageId: id } : id;
      }
      case 'markRead':
        await this.read(c.extension, frame.ids);
        return { ok: true };
    }
  }

  /** Sets one colleague's availability (the agent's command, or the simulator's control API). */
  async set(ext: string, setting: Setting): Promise<void> {
    await this.store.publish({ t: 'set', ext: numberKey(ext), setting });
  }

  /** Sends a message from `from`; the id, or why not. */
  async say(from: string, to: string, content: string, origin = ''): Promise<string | TeamOutcome> {
    if (!content.trim()) return { ok: false, code: 'INVALID', message: 'the message is empty' };
    const recipient = this.users.get(numberKey(to));
    if (!recipient) return { ok: false, code: 'NOT_FOUND', message: 'no such colleague' };
    const message: TeamMessage = {
      id: `m-${randomBytes(12).toString('base64url')}`,
      from,
      to: recipient.extension,
      content,
      time: new Date().toISOString(),
    };
    await this.store.send(message, origin, this.options.keptPerUser ?? 200);
    return message.id;
  }

  /** `by` read these messages: their senders get `messageStatus` read (ids `by` did not receive are ignored). */
  async read(by: string, ids: readonly string[]): Promise<void> {
    const reader = numberKey(by);
    const bySender = new Map<string, string[]>();
    for (const id of new Set(ids)) {
      const known = this.sent.get(id);
      if (!known || known.to !== reader) continue;
      bySender.set(known.from, [...(bySender.get(known.from) ?? []), id]);
    }
    const time = new Date().toISOString();
    for (const [sender, list] of bySender) {
      await this.store.publish({ t: 'status', sender, ids: list, state: 'read', by, time });
    }
  }

  /** The messages kept for `ext` (the simulator's colleagues read theirs through the control API). */
  pending(ext: string): Promise<TeamMessage[]> {
    return this.store.pending(ext);
  }

  /** Takes kept messages as delivered to `ext` without a connection (the simulator's colleagues). */
  async receive(ext: string): Promise<TeamMessage[]> {
    const kept = await this.store.pending(ext);
    for (const message of kept) {
      this.remember(message);
      await this.delivered(message);
    }
    return kept;
  }

  get features(): { presence: true; chat: true } {
    return { presence: true, chat: true };
  }

  /** A colleague's presence now (both axes). */
  stateOf(ext: string, callsByKey?: Map<string, unknown[]>): ClientState {
    const key = numberKey(ext);
    const user = this.users.get(key);
    const connected = this.connections(key) > 0;
    const states = callsByKey ? (callsByKey.get(key) ?? []) : this.callStates(key);
    const phone: PhoneState = phoneAxis(states, connected);
    const setting = this.effective(key);
    return {
      phoneNumber: user?.extension ?? ext,
      status: connected ? 'ONLINE' : 'OFFLINE',
      phone,
      availability: setting?.availability ?? 'available',
      ...(setting?.note ? { note: setting.note } : {}),
      ...(setting?.until ? { until: setting.until } : {}),
      ...(user?.nickname ? { nickname: user.nickname } : {}),
    };
  }

  /** The directory as `directory` frames, each user with its state. */
  directory(): string[] {
    const byKey = new Map<string, unknown[]>();
    for (const call of this.host.book.active()) {
      const keys = new Set([numberKey(call.session.caller), numberKey(call.session.callee)]);
      for (const key of keys) byKey.set(key, [...(byKey.get(key) ?? []), call.session.state]);
    }
    const users = [...this.users.values()].map((user) => ({ ...user, state: this.stateOf(user.extension, byKey) }));
    return directoryFrames(users);
  }

  private connections(key: string): number {
    let total = 0;
    for (const counts of this.online.values()) total += counts.get(key) ?? 0;
    return total;
  }

  private callStates(key: string): unknown[] {
    const states: unknown[] = [];
    for (const call of this.host.book.active()) {
      if (numberKey(call.session.caller) === key || numberKey(call.session.callee) === key)
        states.push(call.session.state);
    }
    return states;
  }

  private effective(key: string): Setting | undefined {
    const setting = this.settings.get(key);
    if (setting?.until && Date.parse(setting.until) <= Date.now()) return undefined;
    return setting;
  }

  /** Expired availabilities go back to available (each node by itself: the same clock rule everywhere). */
  private expire(): void {
    const now = Date.now();
    for (const [key, setting] of this.settings) {
      if (setting.until && Date.parse(setting.until) <= now) {
        this.settings.delete(key);
        this.emit(key);
      }
    }
  }

  private learn(user: DirectoryUser, announce: boolean): void {
    const key = numberKey(user.extension);
    if (this.configured.has(key)) return; // The configuration names its colleagues.
    this.users.set(key, user);
    if (!announce) return;
    const text = JSON.stringify({ op: 'userInfoReceived', user: { ...user, state: this.stateOf(user.extension) } });
    for (const c of this.host.clients()) this.host.send(c, text);
  }

  private emit(key: string): void {
    if (!this.users.has(key) && this.connections(key) === 0 && !this.last.has(key)) return;
    const text = JSON.stringify({ op: 'clientStateChanged', ...this.stateOf(this.users.get(key)?.extension ?? key) });
    if (this.last.get(key) === text) return;
    this.last.set(key, text);
    for (const c of this.host.clients()) this.host.send(c, text);
  }

  private remember(message: TeamMessage): void {
    this.sent.set(message.id, { from: numberKey(message.from), to: numberKey(message.to) });
    if (this.sent.size > SENT_REMEMBERED) this.sent.delete(this.sent.keys().next().value as string);
  }

  private messageFrame(message: TeamMessage): string {
    return JSON.stringify({ op: 'messageReceived', ...message });
  }

  private async delivered(message: TeamMessage): Promise<void> {
    try {
      if (!(await this.store.take(message))) return;
      await this.store.publish({
        t: 'status',
        sender: numberKey(message.from),
        ids: [message.id],
        state: 'delivered',
        by: message.to,
        time: new Date().toISOString(),
      });
    } catch (error) {
      this.host.log.warn('team: could not record a delivery', { error: String(error) });
    }
  }

  private applyNodes(online: Record<string, Record<string, number>>): string[] {
    const changed = new Set<string>();
    for (const [node, counts] of this.online) {
      if (node === this.store.node) continue;
      if (!online[node]) {
        for (const key of counts.keys()) changed.add(key);
        this.online.delete(node);
      }
    }
    for (const [node, counts] of Object.entries(online)) {
      if (node === this.store.node) continue;
      const before = this.online.get(node) ?? new Map<string, number>();
      const after = new Map(Object.entries(counts).filter(([, n]) => n > 0));
      for (const key of new Set([...before.keys(), ...after.keys()]))
        if (before.get(key) !== after.get(key)) changed.add(key);
      this.online.set(node, after);
    }
    return [...changed];
  }

  private apply(event: TeamEvent): void {
    if (this.closed) return;
    switch (event.t) {
      case 'set': {
        const key = numberKey(event.ext);
        if (isDefault(event.setting)) this.settings.delete(key);
        else this.settings.set(key, event.setting);
        return this.emit(key);
      }
      case 'online': {
        if (event.node === this.store.node) return;
        const counts = this.online.get(event.node) ?? new Map<string, number>();
        if (event.count > 0) counts.set(event.ext, event.count);
        else counts.delete(event.ext);
        this.online.set(event.node, counts);
        return this.emit(event.ext);
      }
      case 'user':
        if (this.users.has(numberKey(event.user.extension))) return;
        return this.learn(event.user, true);
      case 'nodes':
        for (const key of this.applyNodes(event.online)) this.emit(key);
        return;
      case 'msg': {
        const { message, origin } = event;
        this.remember(message);
        const to = numberKey(message.to);
        const from = numberKey(message.from);
        const text = this.messageFrame(message);
        let reached = 0;
        for (const c of this.host.clients()) {
          const key = numberKey(c.extension);
          if (key === to) {
            if (this.host.send(c, text)) reached += 1;
          } else if (key === from && this.ids.get(c) !== origin) this.host.send(c, text);
        }
        if (reached) void this.delivered(message);
        return;
      }
      case 'status': {
        const text = JSON.stringify({
          op: 'messageStatus',
          ids: event.ids,
          state: event.state,
          by: event.by,
          time: event.time,
        });
        for (const c of this.host.clients()) if (numberKey(c.extension) === event.sender) this.host.send(c, text);
        return;
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.expiry);
    await this.store.close();
  }
}
