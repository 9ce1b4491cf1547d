/**
 * The outbox store: entries and the pause, each change one strict (on-disk) transaction, so a
 * worker stopped right after a change finds it. What is read back is checked: an entry that is
 * not one is skipped and logged, never sent. Knows nothing of the extension (tested in Node).
 */
import { ENTRY_STATES, type OutboxEntry } from '../../shared/crm/log/outbox';
import { isRecord } from '../../shared/guard';
import { log } from '../../shared/log';
import type { OutboxDb, PauseState } from './db';

export function validEntry(value: unknown): OutboxEntry | null {
  if (!isRecord(value) || typeof value.sessionId !== 'string' || typeof value.key !== 'string') return null;
  if (!(ENTRY_STATES as readonly unknown[]).includes(value.state) || !isRecord(value.facts)) return null;
  if (typeof value.nextAt !== 'number' || typeof value.revision !== 'number') return null;
  return value as unknown as OutboxEntry;
}

/** An entry as stored: `dueAt` only while it is still to be sent (the `dueAt` index holds those alone). */
function stored(entry: OutboxEntry): OutboxEntry & { dueAt?: number } {
  const { dueAt: _old, ...rest } = entry as OutboxEntry & { dueAt?: number };
  const open = entry.state === 'waiting' || entry.state === 'wrapUp' || entry.state === 'sending';
  return open ? { ...rest, dueAt: entry.state === 'sending' ? 0 : entry.nextAt } : rest;
}

export class OutboxStore {
  private db: Promise<OutboxDb> | undefined;
  constructor(private readonly opener: (onGone: () => void) => Promise<OutboxDb>) {}

  database(): Promise<OutboxDb> {
    if (!this.db) {
      const opening = this.opener(() => {
        if (this.db === opening) this.db = undefined;
      });
      this.db = opening;
      opening.catch(() => {
        if (this.db === opening) this.db = undefined;
      });
    }
    return this.db;
  }

  async get(sessionId: string): Promise<OutboxEntry | undefined> {
    return validEntry(await (await this.database()).get('outbox', sessionId)) ?? undefined;
  }

  async all(): Promise<OutboxEntry[]> {
    return this.valid(await (await this.database()).getAll('outbox'));
  }

  /** The entries still to send (waiting, in wrap-up, sending), soonest first; `until`: due by then. */
  async open(until?: number, limit?: number): Promise<OutboxEntry[]> {
    const range = until === undefined ? undefined : IDBKeyRange.upperBound(until);
    return this.valid(await (await this.database()).getAllFromIndex('outbox', 'dueAt', range, limit));
  }

  private valid(values: unknown[]): OutboxEntry[] {
    const entries = values.map(validEntry);
    const bad = entries.filter((entry) => !entry).length;
    if (bad) log.warn(`call log: skipped ${bad} invalid outbox entries`);
    return entries.filter((entry): entry is OutboxEntry => !!entry);
  }

  /** Adds the entry unless the call has one already; true when added. */
  async add(entry: OutboxEntry): Promise<boolean> {
    const db = await this.database();
    const tx = db.transaction('outbox', 'readwrite', { durability: 'strict' });
    const exists = (await tx.store.getKey(entry.sessionId)) !== undefined;
    if (!exists) await tx.store.put(stored(entry));
    await tx.done;
    return !exists;
  }

  /** Read-change-write of one entry in one transaction; the change may return null to leave it. */
  async change(
    sessionId: string,
    change: (entry: OutboxEntry) => OutboxEntry | null,
  ): Promise<OutboxEntry | undefined> {
    const db = await this.database();
    const tx = db.transaction('outbox', 'readwrite', { durability: 'strict' });
    const entry = validEntry(await tx.store.get(sessionId));
    const next = entry ? change(entry) : null;
    if (next) await tx.store.put(stored(next));
    await tx.done;
    return next ?? entry ?? undefined;
  }

  async pause(): Promise<PauseState | undefined> {
    const value = await (await this.database()).get('meta', 'pause');
    return isRecord(value) && typeof value.since === 'number' && typeof value.probeAt === 'number'
      ? (value as unknown as PauseState)
      : undefined;
  }

  async setPause(pause: PauseState | undefined): Promise<void> {
    const db = await this.database();
    const tx = db.transaction('meta', 'readwrite', { durability: 'strict' });
    await (pause ? tx.store.put(pause, 'pause') : tx.store.delete('pause'));
    await tx.done;
  }

  async clear(): Promise<void> {
    const db = await this.database();
    const tx = db.transaction(['outbox', 'meta'], 'readwrite');
    await Promise.all([tx.objectStore('outbox').clear(), tx.objectStore('meta').clear(), tx.done]);
  }
}
