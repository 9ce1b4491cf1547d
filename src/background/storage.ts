/**
 * One typed accessor per storage key. `settings` and `credentials` live in storage.local;
 * runtime state that must survive a stopped worker (but not a browser restart) lives in
 * storage.session, which content scripts cannot read.
 */
import browser from 'webextension-polyfill';
import { type CallBook, emptyBook } from '../shared/calls';
import { isRecord } from '../shared/guard';
import { log } from '../shared/log';
import type { ConnectionState, Permissions } from '../shared/protocol';
import { type LoadedSettings, loadSettings, type Settings } from '../shared/settings';

export interface Credentials {
  token: string;
}

export interface ConnectionInfo {
  state: ConnectionState | 'DISCONNECTED';
  detail?: string;
  userName?: string;
  permissions?: Permissions;
  tokenExpiresAt?: string;
  since: number;
}

export interface TabInfo {
  /** When the agent last used this tab (focus, activation, input). */
  lastUsed: number;
  /** Calls whose card the agent closed in this tab. */
  dismissed: string[];
  /** Calls whose card this tab shows now. */
  shown: string[];
}

/**
 * What an administrator deployed by policy (chrome.storage.managed; Firefox reads it from a
 * managed-storage manifest). Keys given here win over the user's and show as locked.
 */
export interface Managed {
  settings?: Record<string, unknown>;
  token?: string;
}

export const managedStore = {
  async load(): Promise<Managed> {
    try {
      const managed = await browser.storage.managed.get(null);
      return {
        ...(isRecord(managed.settings) ? { settings: managed.settings } : {}),
        ...(typeof managed.token === 'string' && managed.token ? { token: managed.token } : {}),
      };
    } catch {
      return {}; // No policy (Firefox throws when there is no managed-storage manifest).
    }
  },
};

/** Deep-merges the policy over the user's values: policy leaves win. */
export function overlay(base: unknown, top: unknown): unknown {
  if (!isRecord(base) || !isRecord(top)) return top === undefined ? base : top;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(top)) out[key] = overlay(base[key], value);
  return out;
}

export const settingsStore = {
  async load(): Promise<LoadedSettings> {
    const [{ settings }, managed] = await Promise.all([browser.storage.local.get('settings'), managedStore.load()]);
    const loaded = loadSettings(managed.settings ? overlay(settings ?? {}, managed.settings) : settings);
    for (const warning of loaded.warnings) log.warn(`settings: ${warning}`);
    return loaded;
  },
  save: (settings: Settings) => browser.storage.local.set({ settings }),
};

export const credentialsStore = {
  async load(): Promise<Credentials> {
    const [{ credentials }, managed] = await Promise.all([
      browser.storage.local.get('credentials'),
      managedStore.load(),
    ]);
    const token = isRecord(credentials) && typeof credentials.token === 'string' ? credentials.token : '';
    return { token: managed.token ?? token };
  },
  save: (credentials: Credentials) => browser.storage.local.set({ credentials }),
};

/** Runtime state in storage.session, under three keys so each write stays small. */
export interface RuntimeState {
  book: CallBook;
  connection: ConnectionInfo;
  tabs: Record<string, TabInfo>;
  /** Push revision, increasing for the whole browser session. */
  rev: number;
}

export const initialRuntime = (): RuntimeState => ({
  book: emptyBook(),
  connection: { state: 'DISCONNECTED', since: Date.now() },
  tabs: {},
  rev: 0,
});

export const runtimeStore = {
  async load(): Promise<RuntimeState> {
    const stored = await browser.storage.session.get(['book', 'connection', 'tabs', 'rev']);
    const initial = initialRuntime();
    return {
      book: isRecord(stored.book) ? (stored.book as unknown as CallBook) : initial.book,
      connection: isRecord(stored.connection) ? (stored.connection as unknown as ConnectionInfo) : initial.connection,
      tabs: isRecord(stored.tabs) ? (stored.tabs as Record<string, TabInfo>) : initial.tabs,
      rev: typeof stored.rev === 'number' ? stored.rev : initial.rev,
    };
  },
  save: (part: Partial<RuntimeState>) => browser.storage.session.set(part),
};

/** Keeps the token and settings away from content scripts where the browser allows it. */
export async function restrictStorageToExtension(): Promise<void> {
  const local = browser.storage.local as unknown as { setAccessLevel?: (o: { accessLevel: string }) => Promise<void> };
  try {
    await local.setAccessLevel?.({ accessLevel: 'TRUSTED_CONTEXTS' });
  } catch {
    // Firefox only supports access levels on storage.session; our content script never reads it.
  }
}
