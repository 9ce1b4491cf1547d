/**
 * Between the hub and the sources: gives each source its context (every session it reports is
 * validated here), routes commands to the source that owns the call, and answers history from the
 * sources that keep one and from the calls the bridge saw for those that do not.
 */
import { check } from '../../../src/shared/guard';
import { type CtiSession, type HistoryEntry, sessionGuard } from '../../../src/shared/protocol';
import type {
  CallCommand,
  CallRequest,
  CallSource,
  CommandOutcome,
  DialRequest,
  HistoryPage,
  HistoryQuery,
  SourceContext,
  SourceLog,
} from '../sources/types';
import type { Book } from './calls';
import type { Connection } from './connection';
import type { HistoryStore } from './history';

export interface RouterOptions {
  dataDir?: string;
  webhookBodyBytes: number;
  commandTimeoutMs?: number;
  /**
   * Reconcile each source against its own listActive() at start (default true). A cluster node does
   * not: the calls live in Redis, and one node's webhook journal is not the whole truth. A leased
   * source reconciles when this node takes its lease (startSource).
   */
  reconcileAtStart?: boolean;
  metrics?: { eventsIn: { inc(source: string): void }; sourceUp: { set(source: string, up: 0 | 1): void } };
}

const failed = (message: string): CommandOutcome => ({ ok: false, code: 'FAILED', message });

/** A command as it travels to the node that runs its source (bridge/src/cluster/commands.ts). */
export type RelayedCommand = { op: 'dial'; request: DialRequest } | { op: CallCommand; request: CallRequest };

/** Passes a command for a leased source run by another node on to that node (the cluster's relay). */
export type Forwarder = (sourceId: string, command: RelayedCommand) => Promise<CommandOutcome>;

/** The history entry of an ended call. */
export function entryOf(session: CtiSession): HistoryEntry {
  const entry: HistoryEntry = {
    sessionId: session.sessionId,
    startTime: session.startTime,
    caller: session.caller,
    callee: session.callee,
    state: session.state,
  };
  if (session.direction) entry.direction = session.direction;
  if (session.callerDisplayName) entry.callerDisplayName = session.callerDisplayName;
  if (session.calleeDisplayName) entry.calleeDisplayName = session.calleeDisplayName;
  if (session.talkDuration !== undefined) entry.talkDuration = session.talkDuration;
  return entry;
}

export class SourceRouter {
  readonly sources = new Map<string, CallSource>();
  private readonly up = new Map<string, boolean>();
  /** Sources that run on one node at a time (the cluster's lease), and which of them run here. */
  private readonly leased = new Set<string>();
  private readonly running = new Set<string>();
  /** Set in a cluster: commands for a leased source that runs on another node go there. */
  forwarder: Forwarder | undefined;

  constructor(
    private readonly book: Book,
    private readonly store: HistoryStore,
    private readonly log: SourceLog,
    private readonly options: RouterOptions,
  ) {}

  /** `leased`: started and stopped by the cluster's lease (startSource/stopSource), not by start(). */
  add(source: CallSource, { leased = false } = {}): void {
    if (this.sources.has(source.id)) throw new Error(`two sources are called "${source.id}"`);
    this.sources.set(source.id, source);
    this.up.set(source.id, false);
    if (leased) this.leased.add(source.id);
  }

  /** Whether every source that runs here is up (a leased source held by another node does not count). */
  get allUp(): boolean {
    return [...this.up].every(([id, up]) => up || (this.leased.has(id) && !this.running.has(id)));
  }

  health(): Record<string, boolean | 'standby'> {
    return Object.fromEntries(
      [...this.up].map(([id, up]) => [id, this.leased.has(id) && !this.running.has(id) ? 'standby' : up]),
    );
  }

  async start(): Promise<void> {
    for (const source of this.sources.values()) {
      if (!this.leased.has(source.id)) await this.startSource(source.id, this.options.reconcileAtStart ?? true);
    }
  }

  /** Starts one source; with `reconcile`, its calls are made what the PBX lists as active. */
  async startSource(id: string, reconcile = true): Promise<void> {
    const source = this.sources.get(id);
    if (!source || this.running.has(id)) return;
    let told = false;
    const context = this.context(source, () => {
      told = true;
    });
    this.running.add(id);
    await source.start(context);
    if (reconcile && source.listActive) context.reconcile(await source.listActive());
    if (!told) this.setUp(source.id, true);
  }

  async stopSource(id: string): Promise<void> {
    const source = this.sources.get(id);
    if (!source || !this.running.delete(id)) return;
    try {
      await source.stop();
    } catch (error) {
      this.log.error('source failed to stop', { source: source.id, error: (error as Error).message });
    }
    this.setUp(source.id, false);
  }

  /** Whether the source runs on this node. */
  runs(id: string): boolean {
    return this.running.has(id);
  }

  async stop(): Promise<void> {
    for (const id of [...this.running]) await this.stopSource(id);
  }

  private setUp(id: string, up: boolean): void {
    this.up.set(id, up);
    this.options.metrics?.sourceUp.set(id, up ? 1 : 0);
  }

  private valid(source: CallSource, session: unknown): CtiSession | undefined {
    const result = check(sessionGuard, session);
    if (result.ok) return result.value;
    this.log.warn('a source reported an invalid session; dropped', { source: source.id, reason: result.error });
    return undefined;
  }

  private context(source: CallSource, onSetUp: () => void): SourceContext {
    const id = source.id;
    const log: SourceLog = {
      debug: (msg, f) => this.log.debug(msg, { source: id, ...f }),
      info: (msg, f) => this.log.info(msg, { source: id, ...f }),
      warn: (msg, f) => this.log.warn(msg, { source: id, ...f }),
      error: (msg, f) => this.log.error(msg, { source: id, ...f }),
    };
    const at = () => performance.now();
    return {
      upsert: (session) => {
        this.options.metrics?.eventsIn.inc(id);
        const valid = this.valid(source, session);
        if (valid && !this.book.upsert(id, valid, at())) {
          log.warn('session id already used by another source; ignored', { sessionId: valid.sessionId });
        }
      },
      end: (sessionId, final) => {
        this.options.metrics?.eventsIn.inc(id);
        const valid = final ? this.valid(source, final) : undefined;
        if (final && !valid) return;
        const last = this.book.end(id, sessionId, valid, at());
        if (last && !source.history) this.store.add(entryOf(last));
      },
      forget: (sessionId) => this.book.forget(id, sessionId),
      reconcile: (sessions) => {
        const valid = sessions.map((s) => this.valid(source, s)).filter((s): s is CtiSession => !!s);
        this.book.reconcile(id, valid);
      },
      setUp: (up) => {
        onSetUp();
        this.setUp(id, up);
      },
      log,
      ...(this.options.dataDir ? { dataDir: this.options.dataDir } : {}),
      limits: { webhookBodyBytes: this.options.webhookBodyBytes },
    };
  }

  private async run(action: () => CommandOutcome | Promise<CommandOutcome>): Promise<CommandOutcome> {
    const ms = this.options.commandTimeoutMs ?? 10_000;
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      return await Promise.race([
        Promise.resolve().then(action),
        new Promise<CommandOutcome>((resolve) => {
          timer = setTimeout(() => resolve(failed('the phone system did not answer in time')), ms);
        }),
      ]);
    } catch (error) {
      return failed((error as Error).message || 'the phone system refused');
    } finally {
      clearTimeout(timer);
    }
  }

  /** Whether the source is leased and runs on another node (its commands go there). */
  private elsewhere(id: string): boolean {
    return this.leased.has(id) && !this.running.has(id);
  }

  dial(c: Connection, number: string): Promise<CommandOutcome> {
    const request = { extension: c.extension, grantId: c.grant?.id ?? '', number };
    const sources = [...this.sources.values()].filter((s) => s.dial);
    const local = sources.find((s) => !this.elsewhere(s.id));
    const remote = this.forwarder && sources.find((s) => this.elsewhere(s.id));
    if (!local && remote && this.forwarder) return this.forwarder(remote.id, { op: 'dial', request });
    if (!local) {
      return Promise.resolve({ ok: false, code: 'UNSUPPORTED', message: 'no phone system here can place calls' });
    }
    return this.execute(local.id, { op: 'dial', request });
  }

  call(c: Connection, command: CallCommand, sessionId: string, target?: string): Promise<CommandOutcome> {
    const owner = this.book.get(sessionId);
    const source = owner ? this.sources.get(owner.sourceId) : undefined;
    if (!source) return Promise.resolve({ ok: false, code: 'NOT_FOUND', message: 'no such call' });
    if (!source[command]) {
      return Promise.resolve({ ok: false, code: 'UNSUPPORTED', message: `this phone system cannot ${command}` });
    }
    const request = { extension: c.extension, grantId: c.grant?.id ?? '', sessionId, ...(target ? { target } : {}) };
    if (this.elsewhere(source.id)) {
      if (this.forwarder) return this.forwarder(source.id, { op: command, request });
      return Promise.resolve(failed('the phone system’s connection is held by another bridge node; try again'));
    }
    return this.execute(source.id, { op: command, request });
  }

  /** Carries a command out with a source that runs on this node (an agent's here, or one forwarded). */
  execute(sourceId: string, command: RelayedCommand): Promise<CommandOutcome> {
    const source = this.sources.get(sourceId);
    if (!source) return Promise.resolve({ ok: false, code: 'NOT_FOUND', message: 'no such phone system' });
    if (this.elsewhere(sourceId)) {
      return Promise.resolve(
        failed('the phone system’s connection moved to another bridge node; not carried out, try again'),
      );
    }
    if (command.op === 'dial') {
      const dial = source.dial;
      if (!dial) return Promise.resolve({ ok: false, code: 'UNSUPPORTED', message: 'this phone system cannot dial' });
      return this.run(() => dial.call(source, command.request));
    }
    const method = source[command.op];
    if (!method) {
      return Promise.resolve({ ok: false, code: 'UNSUPPORTED', message: `this phone system cannot ${command.op}` });
    }
    return this.run(() => method.call(source, command.request));
  }

  /** One source with a history answers alone; otherwise pages are merged, newest first. */
  async history(query: HistoryQuery): Promise<HistoryPage> {
    const withHistory = [...this.sources.values()].filter((s) => s.history);
    const ownNeeded = withHistory.length < this.sources.size || this.sources.size === 0;
    const providers: ((q: HistoryQuery) => HistoryPage | Promise<HistoryPage>)[] = withHistory.map(
      (s) => (q) => (s.history as NonNullable<CallSource['history']>).call(s, q),
    );
    if (ownNeeded) providers.push((q) => this.store.query(q));
    const [only] = providers;
    if (providers.length === 1 && only) return only(query);
    const wanted = { ...query, pageNumber: 0, pageRows: (query.pageNumber + 1) * query.pageRows };
    const pages = await Promise.all(providers.map((p) => p(wanted)));
    const all = pages.flatMap((p) => p.entries).sort((a, b) => Date.parse(b.startTime) - Date.parse(a.startTime));
    const from = query.pageNumber * query.pageRows;
    return { total: pages.reduce((sum, p) => sum + p.total, 0), entries: all.slice(from, from + query.pageRows) };
  }
}
