/**
 * Lookup answers per number, reused for `lookup.cacheMinutes` (storage.session `lookupCache`:
 * it survives a stopped worker, never a browser restart, and content scripts cannot read it).
 * Keyed by the lookup settings too, so changing them starts afresh. Bounded in size.
 */
import type { Contact } from '../../shared/crm/lookupMap';
import { isRecord } from '../../shared/guard';
import { sessionValue } from '../storage';

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

const stored = sessionValue<CacheData>(KEY, (value) =>
  isRecord(value) && typeof value.signature === 'string' && isRecord(value.entries)
    ? { signature: value.signature, entries: value.entries as Record<string, CachedAnswer> }
    : { signature: '', entries: {} },
);

/** The entries, if they were made with these lookup settings. */
const entriesFor = (data: CacheData, signature: string) => (data.signature === signature ? data.entries : {});

export const lookupCache = {
  async get(signature: string, number: string, maxAgeMs: number, now: number): Promise<CachedAnswer | undefined> {
    if (maxAgeMs <= 0) return undefined;
    const entry = entriesFor(await stored.load(), signature)[number];
    return entry && now - entry.at < maxAgeMs && entry.at <= now ? entry : undefined;
  },
  /** Writes one at a time, so two lookups ending together both stay. */
  put(signature: string, number: string, answer: CachedAnswer): Promise<void> {
    return stored.update((data) => {
      const entries = Object.entries({ ...entriesFor(data, signature), [number]: answer })
        .sort(([, a], [, b]) => b.at - a.at)
        .slice(0, MAX_ENTRIES);
      data.signature = signature;
      data.entries = Object.fromEntries(entries);
    });
  },
};
