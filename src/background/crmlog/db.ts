/**
 * The call-logging outbox's own database (not the history's: a history cleared or upgraded never
 * touches calls still waiting for the CRM). Version 1: store `outbox` keyed by `sessionId`, with
 * index `dueAt` holding only the entries still to send (waiting, in wrap-up, sending: `dueAt` is
 * set on those alone), so a drain reads what is due, never every call ever logged; store `meta`
 * (out-of-line keys) with `pause`, the outbox-wide pause after a 401/403.
 */
import { type DBSchema, type IDBPDatabase, openDB } from 'idb';

export const OUTBOX_DB = 'popline-crmlog';

export interface PauseState {
  since: number;
  status: number;
  /** When the next probe (one entry) may go, to see whether the agent has logged in again. */
  probeAt: number;
}

export interface OutboxSchema extends DBSchema {
  // Stored values are checked on every read (validEntry): they may be anything.
  outbox: { key: string; value: unknown; indexes: { dueAt: number } };
  meta: { key: string; value: unknown };
}

export type OutboxDb = IDBPDatabase<OutboxSchema>;

export function openOutboxDb(name = OUTBOX_DB, onGone?: () => void): Promise<OutboxDb> {
  return openDB<OutboxSchema>(name, 1, {
    upgrade(db) {
      db.createObjectStore('outbox', { keyPath: 'sessionId' }).createIndex('dueAt', 'dueAt');
      db.createObjectStore('meta');
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
