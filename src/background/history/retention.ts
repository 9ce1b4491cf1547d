/**
 * Retention: calls older than the configured age go, and beyond the configured count the
 * oldest go. Also how the store makes room when the browser's quota is full. Deletes run in
 * small transactions so a large clean-up never holds the database for long.
 */
import { validateRecord } from '../../shared/history';
import { type HistoryDb, NAMES, STORE, TERMS } from './db';
import { syncTerms } from './terms';

export interface RetentionPolicy {
  /** Keep calls for this many days; 0 keeps them regardless of age. */
  retentionDays: number;
  /** Keep at most this many calls. */
  maxCalls: number;
}

const CHUNK = 1000;
const DAY_MS = 86_400_000;

/** Deletes up to `limit` calls, oldest first, started before `before` (if given), and their terms. */
export async function deleteOldest(db: HistoryDb, limit: number, before?: number): Promise<number> {
  let removed = 0;
  while (removed < limit) {
    const tx = db.transaction([STORE, TERMS, NAMES], 'readwrite');
    const calls = tx.objectStore(STORE);
    const range = before === undefined ? null : IDBKeyRange.upperBound(before, true);
    const oldest: unknown[] = await calls.index('startedAt').getAll(range, Math.min(CHUNK, limit - removed));
    const deletes = oldest.flatMap((value) => {
      const valid = validateRecord(value);
      const sessionId = (value as { sessionId: string }).sessionId;
      // A call that fails validation has no terms we can trust: they stay, unused (a search reads the call).
      return [calls.delete(sessionId), ...(valid.ok ? syncTerms(tx, valid.value, undefined) : [])];
    });
    await Promise.all([...deletes, tx.done]);
    removed += oldest.length;
    if (oldest.length < CHUNK) break;
  }
  return removed;
}

/** Applies the policy; returns how many calls were removed. */
export async function applyRetention(db: HistoryDb, policy: RetentionPolicy, now: number): Promise<number> {
  let removed = 0;
  if (policy.retentionDays > 0) {
    removed += await deleteOldest(db, Number.POSITIVE_INFINITY, now - policy.retentionDays * DAY_MS);
  }
  const excess = (await db.count(STORE)) - policy.maxCalls;
  if (excess > 0) removed += await deleteOldest(db, excess);
  return removed;
}

/** When the quota is full: the oldest 5% (at least 200) calls go to make room. */
export async function makeRoom(db: HistoryDb): Promise<number> {
  const count = await db.count(STORE);
  return deleteOldest(db, Math.max(200, Math.ceil(count * 0.05)));
}

/** Whether an error is the browser refusing to store more. */
export function isQuotaError(error: unknown): boolean {
  const { name, message } = (error ?? {}) as { name?: unknown; message?: unknown };
  return (
    name === 'QuotaExceededError' || (typeof message === 'string' && /quota|disk (is )?full|no space/i.test(message))
  );
}
