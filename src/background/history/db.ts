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
 */
import { type DBSchema, type IDBPDatabase, type IDBPTransaction, openDB } from 'idb';
import type { HistoryRecord } from '../../shared/history';

export const DB_NAME = 'popline-history';
export const STORE = 'calls';
export const TERMS = 'terms';

/** A search term of a call (historySearch.ts): `d`, `p` or `r` + digits, or `w` + a word of its name. */
export type TermKey = [term: string, startedAt: number, sessionId: string];

export interface HistorySchema extends DBSchema {
  calls: {
    key: string;
    // Stored values are validated on every read: they may be anything.
    value: HistoryRecord;
    indexes: {
      startedAt: number;
      outcomeStartedAt: [string, number];
    };
  };
  terms: {
    key: TermKey;
    value: 0;
  };
}

export type HistoryDb = IDBPDatabase<HistorySchema>;
type UpgradeTx = IDBPTransaction<HistorySchema, ('calls' | 'terms')[], 'versionchange'>;
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
];

export const DB_VERSION = UPGRADES.length;

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
