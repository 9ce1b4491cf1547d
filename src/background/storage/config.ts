/**
 * Where the settings and credentials live: somewhere content scripts can neither read nor
 * write (docs/security.md, attacker B). Chrome keeps storage.local from content scripts once
 * its access level is TRUSTED_CONTEXTS; Firefox cannot (its storage.local is open to every
 * content script), so there they live in the extension origin's IndexedDB, which content
 * scripts (running in the page's origin) cannot open. The first start with IndexedDB moves
 * the old storage.local copy over once and deletes it; after that, a `settings` or
 * `credentials` key that appears in storage.local was written by a content script: it is
 * removed and never read.
 */
import { openDB } from 'idb';
import browser from 'webextension-polyfill';
import { log } from '../../shared/log';

/** The keys kept here: everything a content script must not read or change. */
export const CONFIG_KEYS = ['settings', 'credentials', 'credentialOrigins'] as const;
export type ConfigKey = (typeof CONFIG_KEYS)[number];

export interface ConfigChange {
  oldValue?: unknown;
  newValue?: unknown;
}
type Listener = (changes: Record<string, ConfigChange>) => void;

interface Backend {
  kind: 'storage.local' | 'indexeddb';
  get(keys: readonly ConfigKey[]): Promise<Partial<Record<ConfigKey, unknown>>>;
  set(values: Partial<Record<ConfigKey, unknown>>): Promise<void>;
}

type Restrictable = { setAccessLevel?: (options: { accessLevel: string }) => Promise<void> };

/** Asks the browser to keep an area from content scripts; false where it cannot. */
async function restrict(area: unknown): Promise<boolean> {
  const setAccessLevel = (area as Restrictable | undefined)?.setAccessLevel;
  if (typeof setAccessLevel !== 'function') return false;
  try {
    await setAccessLevel.call(area, { accessLevel: 'TRUSTED_CONTEXTS' });
    return true;
  } catch {
    return false;
  }
}

const localBackend: Backend = {
  kind: 'storage.local',
  get: (keys) => browser.storage.local.get([...keys]) as Promise<Partial<Record<ConfigKey, unknown>>>,
  set: (values) => browser.storage.local.set(values),
};

const DB_NAME = 'popline-config';
const STORE = 'config';
const MIGRATED = 'migratedFromStorageLocal';
const listeners = new Set<Listener>();

function idbBackend(): Backend {
  const db = openDB(DB_NAME, 1, { upgrade: (database) => database.createObjectStore(STORE) }).then(async (open) => {
    if (!(await open.get(STORE, MIGRATED))) {
      const old = await browser.storage.local.get([...CONFIG_KEYS]);
      const tx = open.transaction(STORE, 'readwrite');
      for (const key of CONFIG_KEYS) if (old[key] !== undefined) await tx.store.put(old[key], key);
      await tx.store.put(Date.now(), MIGRATED);
      await tx.done;
      await browser.storage.local.remove([...CONFIG_KEYS]);
    }
    return open;
  });
  return {
    kind: 'indexeddb',
    async get(keys) {
      const open = await db;
      const out: Partial<Record<ConfigKey, unknown>> = {};
      for (const key of keys) {
        const value = await open.get(STORE, key);
        if (value !== undefined) out[key] = value;
      }
      return out;
    },
    async set(values) {
      const open = await db;
      const tx = open.transaction(STORE, 'readwrite');
      const changes: Record<string, ConfigChange> = {};
      for (const [key, newValue] of Object.entries(values)) {
        changes[key] = { oldValue: await tx.store.get(key), newValue };
        await tx.store.put(newValue, key);
      }
      await tx.done;
      // storage.onChanged does not see IndexedDB: the background hears of its own writes here.
      for (const listener of listeners) listener(changes);
    },
  };
}

let chosen: Promise<Backend> | undefined;

/** Chosen once per worker life: storage.local where it can be restricted, else IndexedDB. */
export function configBackend(): Promise<Backend> {
  chosen ??= (async () => {
    const local = await restrict(browser.storage.local);
    // Session state (calls, connection) is trusted-only by default; set it again all the same.
    await restrict(browser.storage.session);
    // Chromium can also keep the policy from content scripts; elsewhere it stays readable (docs/security.md).
    await restrict(browser.storage.managed);
    return local ? localBackend : idbBackend();
  })();
  return chosen;
}

/** Settings or credentials changed: in storage.local (Chrome) or in IndexedDB (Firefox). */
export function onConfigChanged(listener: Listener): void {
  listeners.add(listener);
  browser.storage.onChanged.addListener((changes, area) => {
    if (area === 'managed') return listener(changes);
    const written = CONFIG_KEYS.filter((key) => changes[key]);
    if (area !== 'local' || !written.length) return;
    void configBackend().then((backend) => {
      if (backend.kind === 'storage.local') return listener(changes);
      // Firefox: only a content script writes these keys to storage.local now. Never read them.
      if (written.every((key) => changes[key]?.newValue === undefined)) return; // our own removal
      log.warn('removed settings written to storage.local by a content script');
      return browser.storage.local.remove([...CONFIG_KEYS]);
    });
  });
}
