/**
 * The call history store: writes calls as they progress, notes and dispositions, imports,
 * clearing and retention, on top of the IndexedDB schema in db.ts (queries are in queries.ts).
 *
 * Writes run one at a time, each a read-merge-put in one transaction (mergeRecord keeps what
 * happened and what the agent wrote). A write that contains an ended call is committed with
 * durability "strict": the end of a call is on disk before the write resolves. When the quota
 * is full, the oldest calls make room and the write is tried again; if it still fails the calls
 * are kept in memory, retried with the next write, and `problem` says what is wrong.
 */
import type { Call } from '../../shared/calls';
import {
  type CrmRecordLink,
  type HistoryNote,
  type HistoryRecord,
  mergeRecord,
  recordFromCall,
  validateRecord,
  withKeys,
} from '../../shared/history';
import { log } from '../../shared/log';
import { serialQueue } from '../../shared/serial';
import { type HistoryDb, NAMES, STORE, TERMS } from './db';
import { applyRetention, isQuotaError, makeRoom, type RetentionPolicy } from './retention';
import { syncTerms } from './terms';

export interface WriteContext {
  /** The agent's country, for E.164 forms of national numbers. */
  country: string;
  retention: RetentionPolicy;
}

/** How often retention runs after writes (it also runs on an alarm). */
export const RETENTION_EVERY_MS = 10 * 60_000;

export const QUOTA_PROBLEM =
  'The browser refused to store more call history because its storage is full. The oldest calls were removed to make room; free some disk space or lower the history limits in the options.';

type Opener = (onGone: () => void) => Promise<HistoryDb>;

export class HistoryStore {
  /** The last storage problem in words, cleared by the next successful write. */
  problem: string | undefined;
  private db: Promise<HistoryDb> | undefined;
  /** Writes run one after another; a failed one does not stop the next. */
  private readonly enqueue = serialQueue();
  /** Records whose write failed; written with the next write. */
  private readonly unsaved = new Map<string, HistoryRecord>();
  private lastRetention = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly opener: Opener,
    private readonly clock: () => number = Date.now,
  ) {}

  /** The open database, opened (or reopened after it was closed under us) on first use. */
  database(): Promise<HistoryDb> {
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

  /** Records the calls as they are now (created, answered, ended). Never throws. */
  recordCalls(calls: readonly Call[], context: WriteContext): Promise<void> {
    if (!calls.length) return Promise.resolve();
    const now = this.clock();
    const records = calls.map((call) => recordFromCall(call, context.country, now));
    return this.enqueue(async () => {
      await this.writeRecords(records);
      this.retainSometimes(context.retention);
    }).catch((error) => log.error('history: could not record calls', error));
  }

  private async writeRecords(records: HistoryRecord[]): Promise<void> {
    const batch = new Map(this.unsaved);
    for (const record of records) batch.set(record.sessionId, mergeRecord(batch.get(record.sessionId), record));
    const all = [...batch.values()];
    try {
      await this.putMerged(all).catch(async (error) => {
        if (!isQuotaError(error)) throw error;
        log.warn('history: storage is full, removing the oldest calls to make room');
        await makeRoom(await this.database());
        await this.putMerged(all);
      });
      this.unsaved.clear();
      this.problem = undefined;
    } catch (error) {
      for (const record of all) this.unsaved.set(record.sessionId, record);
      this.problem = isQuotaError(error) ? QUOTA_PROBLEM : `The call history could not be saved: ${String(error)}`;
      throw error;
    }
  }

  /** Read-merge-put of each record in one transaction; durable when a call ended. */
  private async putMerged(records: readonly HistoryRecord[]): Promise<void> {
    const db = await this.database();
    const durable = records.some((record) => record.outcome !== undefined);
    const tx = db.transaction([STORE, TERMS, NAMES], 'readwrite', { durability: durable ? 'strict' : 'default' });
    const calls = tx.objectStore(STORE);
    const puts = records.map(async (record) => {
      const stored = await calls.get(record.sessionId);
      const valid = stored === undefined ? undefined : validateRecord(stored);
      if (valid && !valid.ok)
        log.warn(`history: replacing an invalid stored call (${record.sessionId}): ${valid.error}`);
      const old = valid?.ok ? valid.value : undefined;
      const next = mergeRecord(old, record);
      await Promise.all([calls.put(next), ...syncTerms(tx, old, next)]);
    });
    await settle(tx, puts);
  }

  private retainSometimes(policy: RetentionPolicy): void {
    const now = this.clock();
    if (now - this.lastRetention < RETENTION_EVERY_MS) return;
    this.lastRetention = now;
    void this.retain(policy).catch((error) => log.error('history: retention failed', error));
  }

  /** Applies retention now; returns how many calls were removed. */
  retain(policy: RetentionPolicy): Promise<number> {
    return this.enqueue(async () => {
      this.lastRetention = this.clock();
      const removed = await applyRetention(await this.database(), policy, this.clock());
      if (removed) log.info(`history: retention removed ${removed} calls`);
      return removed;
    });
  }

  /** Changes a call's note and/or disposition; false when there is no such call. */
  setNote({ sessionId, note, disposition }: HistoryNote): Promise<boolean> {
    return this.update(sessionId, (record) => {
      const next = { ...record, updatedAt: this.clock() };
      if (note !== undefined) next.note = note.trim() || undefined;
      if (disposition !== undefined) next.disposition = disposition.trim() || undefined;
      return next;
    });
  }

  /** The caller's name the CRM lookup found, kept when the PBX gave none (then it is searchable too). */
  setFoundName(sessionId: string, name: string): Promise<boolean> {
    const found = name.trim().slice(0, 1024);
    return this.update(sessionId, (record) =>
      record.name || !found ? record : withKeys({ ...record, name: found, updatedAt: this.clock() }),
    );
  }

  /** Remembers the CRM record opened for a call (only http and https addresses). */
  setCrmRecord(sessionId: string, link: CrmRecordLink): Promise<boolean> {
    if (!/^https?:\/\//i.test(link.url)) return Promise.resolve(false);
    return this.update(sessionId, (record) => ({ ...record, crmRecord: link, updatedAt: this.clock() }));
  }

  private update(sessionId: string, change: (record: HistoryRecord) => HistoryRecord): Promise<boolean> {
    return this.enqueue(async () => {
      const db = await this.database();
      const tx = db.transaction([STORE, TERMS, NAMES], 'readwrite', { durability: 'strict' });
      const calls = tx.objectStore(STORE);
      const stored = validateRecord(await calls.get(sessionId));
      if (!stored.ok) {
        await tx.done;
        return false;
      }
      const next = validateRecord(removeUndefined(change(stored.value)));
      if (!next.ok) throw new Error(`invalid change: ${next.error}`);
      // A change that touches the name (a looked-up one) moves the search terms with it.
      await Promise.all([calls.put(next.value), ...syncTerms(tx, stored.value, next.value), tx.done]);
      return true;
    });
  }

  /** Adds calls imported from the PBX; calls already stored (by session id) are left alone. */
  importRecords(records: readonly HistoryRecord[]): Promise<{ added: number; existing: number }> {
    return this.enqueue(async () => {
      const db = await this.database();
      const tx = db.transaction([STORE, TERMS, NAMES], 'readwrite');
      const calls = tx.objectStore(STORE);
      let added = 0;
      const checks = records.map(async (record) => {
        const old = await calls.get(record.sessionId);
        if (old !== undefined && validateRecord(old).ok) return;
        added += 1;
        await Promise.all([calls.put(record), ...syncTerms(tx, undefined, record)]);
      });
      await settle(tx, checks).catch((error) => {
        throw isQuotaError(error) ? new Error(QUOTA_PROBLEM) : error;
      });
      return { added, existing: records.length - added };
    });
  }

  /** Removes every call; returns how many there were. */
  clear(): Promise<number> {
    return this.enqueue(async () => {
      const db = await this.database();
      const tx = db.transaction([STORE, TERMS, NAMES], 'readwrite', { durability: 'strict' });
      const calls = tx.objectStore(STORE);
      const [count] = await Promise.all([
        calls.count(),
        calls.clear(),
        tx.objectStore(TERMS).clear(),
        tx.objectStore(NAMES).clear(),
        tx.done,
      ]);
      this.unsaved.clear();
      return count;
    });
  }

  /** Waits for every write queued so far (tests, and the import that follows a write). */
  settled(): Promise<void> {
    return this.enqueue(async () => undefined);
  }

  async close(): Promise<void> {
    const db = this.db;
    this.db = undefined;
    if (db) (await db.catch(() => undefined))?.close();
  }
}

/**
 * Waits for a transaction's requests and its commit. When it fails, the transaction's own
 * error says why (a quota error is often reported on the commit, the requests only aborted).
 */
async function settle(tx: { done: Promise<void>; error: DOMException | null }, requests: Promise<unknown>[]) {
  try {
    await Promise.all([...requests, tx.done]);
  } catch (error) {
    throw tx.error ?? error;
  }
}

function removeUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
