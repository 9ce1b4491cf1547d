/**
 * Lookup answers per number, reused for `lookup.cacheMinutes` (storage.session `lookupCache`:
 * it survives a stopped worker, never a browser restart, and content scripts cannot read it).
 * Keyed by the lookup settings too, so changing them starts afresh. Bounded in size.
 */
import browser from 'webextension-polyfill';
import type { Contact } from '../../shared/crm/lookupMap';
import { isRecord } from '../../shared/guard';

export interface CachedAnswer {
  at: number;
  matches: Contact[];
  total: number;
}

interface CacheData {
  signature: string;
  entries: Record<string, CachedAnswer>;
}

const KEY = 'lookupCache';
const MAX_ENTRIES = 200;

async function load(signature: string): Promise<CacheData> {
  const { [KEY]: stored } = await browser.storage.session.get(KEY);
  if (isRecord(stored) && stored.signature === signature && isRecord(stored.entries)) {
    return { signature, entries: stored.entries as Record<string, CachedAnswer> };
  }
  return { signature, entries: {} };
}

let queue: Promise<unknown> = Promise.resolve();

export const lookupCache = {
  async get(signature: string, number: string, maxAgeMs: number, now: number): Promise<CachedAnswer | undefined> {
    if (maxAgeMs <= 0) return undefined;
    const entry = (await load(signature)).entries[number];
    return entry && now - entry.at < maxAgeMs && entry.at <= now ? entry : undefined;
  },
  /** Writes one at a time, so two lookups ending together both stay. */
  put(signature: string, number: string, answer: CachedAnswer): Promise<void> {
    const run = queue.then(async () => {
      const data = await load(signature);
      const entries = Object.entries({ ...data.entries, [number]: answer })
        .sort(([, a], [, b]) => b.at - a.at)
        .slice(0, MAX_ENTRIES);
      await browser.storage.session.set({ [KEY]: { signature, entries: Object.fromEntries(entries) } });
    });
    queue = run.catch(() => undefined);
    return run;
  },
};
