/**
 * The message history, in its own IndexedDB database next to the call history's: one store keyed
 * by the message id, an index per conversation ([peer, time]) and one by time (retention).
 */
import { type DBSchema, type IDBPDatabase, openDB } from 'idb';
import type { ChatMessage } from '../../shared/team/messages';

export const MESSAGES_DB = 'popline-messages';
const STORE = 'messages';

interface MessagesSchema extends DBSchema {
  messages: { key: string; value: ChatMessage; indexes: { peerTime: [string, number]; time: number } };
}
type MessagesDb = IDBPDatabase<MessagesSchema>;

const DAY_MS = 86_400_000;
const MAX_SCAN = 20_000;

export class MessageStore {
  private db: Promise<MessagesDb> | undefined;
  constructor(private readonly name = MESSAGES_DB) {}

  private open(): Promise<MessagesDb> {
    this.db ??= openDB<MessagesSchema>(this.name, 1, {
      upgrade(db) {
        const store = db.createObjectStore(STORE, { keyPath: 'id' });
        store.createIndex('peerTime', ['peer', 'time']);
        store.createIndex('time', 'time');
      },
      blocking: (_c, _n, event) => {
        (event.target as IDBDatabase).close();
        this.db = undefined;
      },
      terminated: () => {
        this.db = undefined;
      },
    });
    return this.db;
  }

  async get(id: string): Promise<ChatMessage | undefined> {
    return (await this.open()).get(STORE, id);
  }

  async put(message: ChatMessage): Promise<void> {
    await (await this.open()).put(STORE, message);
  }

  /** Replaces a message under a new id (the server's, once it answered). */
  async rename(from: string, to: ChatMessage): Promise<void> {
    const tx = (await this.open()).transaction(STORE, 'readwrite');
    await Promise.all([tx.store.delete(from), tx.store.put(to), tx.done]);
  }

  /** Changes stored messages; `change` returns the new value or undefined to leave one as it is. */
  async update(
    ids: readonly string[],
    change: (message: ChatMessage) => ChatMessage | undefined,
  ): Promise<ChatMessage[]> {
    const tx = (await this.open()).transaction(STORE, 'readwrite');
    const changed: ChatMessage[] = [];
    for (const id of ids) {
      const message = await tx.store.get(id);
      const next = message && change(message);
      if (next) {
        changed.push(next);
        await tx.store.put(next);
      }
    }
    await tx.done;
    return changed;
  }

  /** The newest `limit` messages with a colleague, oldest first; `before` pages back. */
  async conversation(peer: string, limit: number, before = Number.MAX_SAFE_INTEGER): Promise<ChatMessage[]> {
    const db = await this.open();
    const range = IDBKeyRange.bound([peer, 0], [peer, before], false, true);
    const out: ChatMessage[] = [];
    let cursor = await db.transaction(STORE).store.index('peerTime').openCursor(range, 'prev');
    while (cursor && out.length < limit) {
      out.push(cursor.value);
      cursor = await cursor.continue();
    }
    return out.reverse();
  }

  /** Incoming messages from a colleague the agent has not seen. */
  async unreadFrom(peer: string): Promise<ChatMessage[]> {
    const db = await this.open();
    const all = await db.getAllFromIndex(
      STORE,
      'peerTime',
      IDBKeyRange.bound([peer, 0], [peer, Number.MAX_SAFE_INTEGER]),
    );
    return all.filter((message) => message.direction === 'in' && !message.read);
  }

  /** The newest message of each conversation, newest conversation first. */
  async conversations(limit: number): Promise<ChatMessage[]> {
    const db = await this.open();
    const seen = new Map<string, ChatMessage>();
    let scanned = 0;
    let cursor = await db.transaction(STORE).store.index('time').openCursor(null, 'prev');
    while (cursor && seen.size < limit && scanned < MAX_SCAN) {
      if (!seen.has(cursor.value.peer)) seen.set(cursor.value.peer, cursor.value);
      scanned += 1;
      cursor = await cursor.continue();
    }
    return [...seen.values()];
  }

  /** Messages matching `test`, newest first, at most `limit` (reads at most MAX_SCAN). */
  async search(test: (message: ChatMessage) => boolean, limit: number): Promise<ChatMessage[]> {
    const db = await this.open();
    const out: ChatMessage[] = [];
    let scanned = 0;
    let cursor = await db.transaction(STORE).store.index('time').openCursor(null, 'prev');
    while (cursor && out.length < limit && scanned < MAX_SCAN) {
      if (test(cursor.value)) out.push(cursor.value);
      scanned += 1;
      cursor = await cursor.continue();
    }
    return out;
  }

  /** Deletes messages older than `days` (0: none by age) and the oldest beyond `max`. */
  async retain(days: number, max: number, now = Date.now()): Promise<number> {
    const db = await this.open();
    let removed = 0;
    if (days > 0) {
      const tx = db.transaction(STORE, 'readwrite');
      let cursor = await tx.store.index('time').openCursor(IDBKeyRange.upperBound(now - days * DAY_MS, true));
      while (cursor) {
        await cursor.delete();
        removed += 1;
        cursor = await cursor.continue();
      }
      await tx.done;
    }
    const surplus = (await db.count(STORE)) - max;
    if (surplus > 0) {
      const tx = db.transaction(STORE, 'readwrite');
      let cursor = await tx.store.index('time').openCursor();
      for (let i = 0; cursor && i < surplus; i++) {
        await cursor.delete();
        removed += 1;
        cursor = await cursor.continue();
      }
      await tx.done;
    }
    return removed;
  }

  async clear(): Promise<void> {
    await (await this.open()).clear(STORE);
  }
}
