/**
 * The call history database: its schema, versioned as a list of upgrade steps. `UPGRADES[n]`
 * takes a database at version n to n+1; opening at version V runs every step from the stored
 * version up to V inside the one upgrade transaction, so a database is never half-upgraded.
 *
 * Version 1: store `calls` keyed by `sessionId`, index `startedAt` (recent calls, date ranges,
 *   retention); store `terms`, the search index (terms.ts): one entry per search term of a call,
 *   its primary key [term, startedAt, sessionId], so one key-range read of a term prefix gives
 *   every matching call with its start time, without reading a call.
 * Version 2: index `outcomeStartedAt` on [outcome, startedAt], so missed calls are an index
 *   range instead of a scan over every call. Calls in progress have no outcome and stay out of it.
 *   Records written by version 1 carry `outcome` already, so the new index covers them at once.
 * Version 3: store `names` (terms.ts), the name search index: one entry per call with its name
 *   words, and a multi-entry index `term` of the starts of each word and of every two words,
 *   newest first, so a name search reads about as many entries as it finds. The upgrade builds it from the stored calls and drops the
 *   `w` (name word) terms of version 1 from `terms`, which keeps the number terms only.
 */
import { openDB } from 'idb';
import { validateRecord } from '../../shared/history';
import { DB_NAME, type HistoryDb, type HistorySchema, NAMES, STORE, TERMS, type UpgradeTx } from './schema';
import { nameEntryOf } from './terms';

export {
  DB_NAME,
  type HistoryDb,
  type HistorySchema,
  NAMES,
  type NameEntry,
  type NameKey,
  STORE,
  TERMS,
  type TermKey,
  type UpgradeTx,
} from './schema';

type Upgrade = (db: HistoryDb, tx: UpgradeTx) => void;

export const UPGRADES: readonly Upgrade[] = [
  // 0 → 1
  (db) => {
    const calls = db.createObjectStore(STORE, { keyPath: 'sessionId' });
    calls.createIndex('startedAt', 'startedAt');
    // Out-of-line keys: the key says everything, the value is a placeholder.
    db.createObjectStore(TERMS);
  },
  // 1 → 2
  (_db, tx) => {
    tx.objectStore(STORE).createIndex('outcomeStartedAt', ['outcome', 'startedAt']);
  },
  // 2 → 3
  (db, tx) => {
    db.createObjectStore(NAMES, { keyPath: 'id' }).createIndex('term', 'terms', { multiEntry: true });
    void buildNameTerms(tx);
  },
];

export const DB_VERSION = UPGRADES.length;

const UPGRADE_CHUNK = 1000;

/**
 * Drops version 1's name terms from `terms` and writes every stored call's entry in `names`, in chunks by session id, inside the upgrade transaction (a call that fails validation is left out, as on every read). A failure
 * aborts the upgrade: the database stays at its old version and the next open tries again.
 */
async function buildNameTerms(tx: UpgradeTx): Promise<void> {
  try {
    await tx.objectStore(TERMS).delete(IDBKeyRange.bound(['w'], ['w\uffff']));
    const calls = tx.objectStore(STORE);
    const names = tx.objectStore(NAMES);
    let after: string | undefined;
    for (;;) {
      const range = after === undefined ? null : IDBKeyRange.lowerBound(after, true);
      const values: unknown[] = await calls.getAll(range, UPGRADE_CHUNK);
      const keys = await calls.getAllKeys(range, UPGRADE_CHUNK);
      const puts: Promise<unknown>[] = [];
      for (const value of values) {
        const valid = validateRecord(value);
        const entry = valid.ok ? nameEntryOf(valid.value) : undefined;
        if (entry) puts.push(names.put(entry));
      }
      await Promise.all(puts);
      if (keys.length < UPGRADE_CHUNK) return;
      after = keys[keys.length - 1];
    }
  } catch (error) {
    tx.abort();
    throw error;
  }
}

/**
 * Opens (creating or upgrading) the database. `version` is for tests of old schemas.
 * `onGone` is called when the connection must be reopened: another context upgraded the
 * database, or the browser closed it (storage cleared, disk error).
 */
export function openHistoryDb({
  name = DB_NAME,
  version = DB_VERSION,
  onGone,
}: {
  name?: string;
  version?: number;
  onGone?: () => void;
} = {}): Promise<HistoryDb> {
  return openDB<HistorySchema>(name, version, {
    upgrade(db, oldVersion, newVersion, tx) {
      for (let step = oldVersion; step < (newVersion ?? version); step++) UPGRADES[step]?.(db, tx);
    },
    blocking(_current, _next, event) {
      (event.target as IDBDatabase).close();
      onGone?.();
    },
    terminated() {
      onGone?.();
    },
  });
}
