/**
 * The active calls the bridge knows, from every source, and the one `seq` that orders their events.
 * Every change becomes one event for the hub to fan out; `seq` grows strictly within the process.
 */
import type { CtiSession } from '../../../src/shared/protocol';

export interface ActiveCall {
  sourceId: string;
  session: CtiSession;
}

export type BookEvent =
  | { type: 'upsert'; created: boolean; seq: number; session: CtiSession; previous?: CtiSession; at: number }
  | { type: 'closed'; seq: number; session: CtiSession; at: number };

const same = (a: CtiSession, b: CtiSession) => JSON.stringify(a) === JSON.stringify(b);

/** What the hub reads: the active calls and the seq a snapshot carries. */
export interface BookView {
  readonly seq: number;
  readonly size: number;
  get(sessionId: string): ActiveCall | undefined;
  active(): ActiveCall[];
}

/**
 * What the sources write through (the router). `CallBook` keeps it in this process; the cluster's
 * `SharedBook` (bridge/src/cluster/book.ts) keeps it in Redis, so that every node has the same calls.
 */
export interface Book extends BookView {
  upsert(sourceId: string, session: CtiSession, at?: number): boolean;
  /** Returns the last session seen when it is known at once (the shared book records it as the stream delivers it). */
  end(sourceId: string, sessionId: string, final?: CtiSession, at?: number): CtiSession | undefined;
  forget(sourceId: string, sessionId: string): void;
  reconcile(sourceId: string, sessions: CtiSession[]): void;
  dropSource(sourceId: string): void;
}

export class CallBook implements Book {
  seq = 0;
  private readonly calls = new Map<string, ActiveCall>();

  constructor(private readonly emit: (event: BookEvent) => void) {}

  get size(): number {
    return this.calls.size;
  }

  get(sessionId: string): ActiveCall | undefined {
    return this.calls.get(sessionId);
  }

  active(): ActiveCall[] {
    return [...this.calls.values()];
  }

  /** Returns false when another source owns that session id (the first one keeps it). */
  upsert(sourceId: string, session: CtiSession, at = performance.now()): boolean {
    const known = this.calls.get(session.sessionId);
    if (known && known.sourceId !== sourceId) return false;
    if (known && same(known.session, session)) return true;
    this.calls.set(session.sessionId, { sourceId, session });
    this.seq += 1;
    this.emit({
      type: 'upsert',
      created: !known,
      seq: this.seq,
      session,
      ...(known ? { previous: known.session } : {}),
      at,
    });
    return true;
  }

  /** Ends a call: its final state first (when it changed), then the close. Returns the last session seen. */
  end(sourceId: string, sessionId: string, final?: CtiSession, at = performance.now()): CtiSession | undefined {
    const known = this.calls.get(sessionId);
    if (known && known.sourceId !== sourceId) return undefined;
    if (!known) return final;
    if (final && !same(final, known.session)) this.upsert(sourceId, final, at);
    const last = final ?? known.session;
    this.calls.delete(sessionId);
    this.seq += 1;
    this.emit({ type: 'closed', seq: this.seq, session: last, at });
    return last;
  }

  /** Drops a call without an event: the next snapshot tells clients. */
  forget(sourceId: string, sessionId: string): void {
    if (this.calls.get(sessionId)?.sourceId === sourceId) this.calls.delete(sessionId);
  }

  /** Makes the source's calls exactly `sessions`: new and changed ones upserted, missing ones closed. */
  reconcile(sourceId: string, sessions: CtiSession[]): void {
    const present = new Set(sessions.map((session) => session.sessionId));
    for (const call of this.active()) {
      if (call.sourceId === sourceId && !present.has(call.session.sessionId))
        this.end(sourceId, call.session.sessionId);
    }
    for (const session of sessions) this.upsert(sourceId, session);
  }

  /** Drops every call of a source silently (the source stopped). */
  dropSource(sourceId: string): void {
    for (const call of this.active()) if (call.sourceId === sourceId) this.calls.delete(call.session.sessionId);
  }
}
