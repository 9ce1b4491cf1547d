/**
 * The call history database's names and types (db.ts has the versions and upgrades). Its own
 * file so that the index code (terms.ts) and the upgrades that build indexes share them.
 */
import type { DBSchema, IDBPDatabase, IDBPTransaction } from 'idb';
import type { HistoryRecord } from '../../shared/history';

export const DB_NAME = 'popline-history';
export const STORE = 'calls';
export const TERMS = 'terms';
export const NAMES = 'names';

/** A number term of a call (shared/history/search.ts): `d`, `p` or `r` + digits (version 1 also had `w` + a name word). */
export type TermKey = [term: string, startedAt: number, sessionId: string];
/** A name term of a call (terms.ts): `n` + the start of a word or `p` + the starts of two, newest first. */
export type NameKey = [term: string, negStartedAt: number, sessionId: string];

/** A call's entry in the `names` store (terms.ts): its name words, and their terms in the `term` index. */
export interface NameEntry {
  id: string;
  startedAt: number;
  /** The call's name words, joined by spaces. */
  words: string;
  terms: NameKey[];
}

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
  names: {
    key: string;
    // Validated when read (terms.ts): it may be anything.
    value: NameEntry;
    indexes: { term: NameKey };
  };
}

export type HistoryDb = IDBPDatabase<HistorySchema>;
export type UpgradeTx = IDBPTransaction<HistorySchema, ('calls' | 'terms' | 'names')[], 'versionchange'>;
