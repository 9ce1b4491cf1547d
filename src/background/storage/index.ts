/**
 * One typed accessor per storage key. `settings` and `credentials` live in storage.local;
 * runtime state that must survive a stopped worker (but not a browser restart) lives in
 * storage.session, which content scripts cannot read.
 */
import browser from 'webextension-polyfill';
import { type CallBook, emptyBook } from '../../shared/calls';
import type { CardPosition } from '../../shared/cards';
import type { CallLookup } from '../../shared/crm/lookup';
import { isRecord } from '../../shared/guard';
import { log } from '../../shared/log';
import { countryFromLocales } from '../../shared/phone/locale';
import type { ConnectionState, Permissions } from '../../shared/protocol';
import { serialQueue } from '../../shared/serial';
import { type LoadedSettings, loadSettings, SETTINGS_VERSION, type Settings } from '../../shared/settings';

export interface Credentials {
  token: string;
  /** The Ozeki office user, when the PBX's HTTP API requires one ('' when not). */
  ozekiUsername: string;
  ozekiPassword: string;
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
  /** The site, for per-site card positions. */
  origin: string;
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
  /** The key for caller lookups from the background (docs/crm.md). */
  lookupKey?: string;
}

export const managedStore = {
  async load(): Promise<Managed> {
    try {
      const managed = await browser.storage.managed.get(null);
      return {
        ...(isRecord(managed.settings) ? { settings: managed.settings } : {}),
        ...(typeof managed.token === 'string' && managed.token ? { token: managed.token } : {}),
        ...(typeof managed.lookupKey === 'string' && managed.lookupKey ? { lookupKey: managed.lookupKey } : {}),
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

/** What a fresh install starts with: the defaults, with the country guessed from the browser. */
export function firstRunSettings(): Record<string, unknown> {
  const languages = [browser.i18n.getUILanguage(), ...(globalThis.navigator?.languages ?? [])];
  return { version: SETTINGS_VERSION, phone: { defaultCountry: countryFromLocales(languages) } };
}

export const settingsStore = {
  async load(): Promise<LoadedSettings> {
    const [{ settings: stored }, managed] = await Promise.all([
      browser.storage.local.get('settings'),
      managedStore.load(),
    ]);
    // Until the user saves, the country is guessed from the browser's languages.
    const settings = stored ?? firstRunSettings();
    const loaded = loadSettings(managed.settings ? overlay(settings, managed.settings) : settings);
    for (const warning of loaded.warnings) log.warn(`settings: ${warning}`);
    return loaded;
  },
  save: (settings: Settings) => browser.storage.local.set({ settings }),
  /** The user's own settings as stored (before the policy and the defaults), for the options page's save. */
  loadOwn: async (): Promise<unknown> => (await browser.storage.local.get('settings')).settings,
  /** Settings and the user's own credentials in one write, so the background reconnects at most once. */
  saveWithCredentials: (settings: unknown, credentials?: Record<string, string>) =>
    browser.storage.local.set(credentials ? { settings, credentials } : { settings }),
};

export const credentialsStore = {
  async load(): Promise<Credentials> {
    const [{ credentials }, managed] = await Promise.all([
      browser.storage.local.get('credentials'),
      managedStore.load(),
    ]);
    const text = (key: string) =>
      isRecord(credentials) && typeof credentials[key] === 'string' ? (credentials[key] as string) : '';
    return {
      token: managed.token ?? text('token'),
      ozekiUsername: text('ozekiUsername'),
      ozekiPassword: text('ozekiPassword'),
    };
  },
  save: (credentials: Credentials) => browser.storage.local.set({ credentials }),
  /** The user's own credentials (every string field), without the policy's: for the options page. */
  async loadOwn(): Promise<Record<string, string>> {
    const { credentials } = await browser.storage.local.get('credentials');
    if (!isRecord(credentials)) return {};
    return Object.fromEntries(Object.entries(credentials).filter(([, value]) => typeof value === 'string')) as Record<
      string,
      string
    >;
  },
};

/** Runtime state in storage.session, under a few keys so each write stays small. */
export interface RuntimeState {
  book: CallBook;
  connection: ConnectionInfo;
  tabs: Record<string, TabInfo>;
  /** Push revision, increasing for the whole browser session. */
  rev: number;
  /** System notifications shown, by session id: the last thing they said. */
  notified: Record<string, string>;
  /** Caller lookups and record pops, by session id (docs/crm.md). */
  lookups: Record<string, CallLookup>;
}

export const initialRuntime = (): RuntimeState => ({
  book: emptyBook(),
  connection: { state: 'DISCONNECTED', since: Date.now() },
  tabs: {},
  rev: 0,
  notified: {},
  lookups: {},
});

export const runtimeStore = {
  async load(): Promise<RuntimeState> {
    const stored = await browser.storage.session.get(['book', 'connection', 'tabs', 'rev', 'notified', 'lookups']);
    const initial = initialRuntime();
    return {
      book: isRecord(stored.book) ? (stored.book as unknown as CallBook) : initial.book,
      connection: isRecord(stored.connection) ? (stored.connection as unknown as ConnectionInfo) : initial.connection,
      tabs: isRecord(stored.tabs) ? (stored.tabs as Record<string, TabInfo>) : initial.tabs,
      rev: typeof stored.rev === 'number' ? stored.rev : initial.rev,
      notified: isRecord(stored.notified) ? (stored.notified as Record<string, string>) : initial.notified,
      lookups: isRecord(stored.lookups) ? (stored.lookups as Record<string, CallLookup>) : initial.lookups,
    };
  },
  save: (part: Partial<RuntimeState>) => browser.storage.session.set(part),
};

/** Card positions the agent dragged to, per site origin (storage.local `cardPositions`). */
export const positionStore = {
  async get(origin: string): Promise<CardPosition | undefined> {
    const { cardPositions } = await browser.storage.local.get('cardPositions');
    const position = isRecord(cardPositions) ? cardPositions[origin] : undefined;
    return isRecord(position) && typeof position.right === 'number' && typeof position.bottom === 'number'
      ? { right: position.right, bottom: position.bottom }
      : undefined;
  },
  async set(origin: string, position: CardPosition): Promise<void> {
    const { cardPositions } = await browser.storage.local.get('cardPositions');
    const all = isRecord(cardPositions) ? cardPositions : {};
    await browser.storage.local.set({ cardPositions: { ...all, [origin]: position } });
  },
};

/**
 * One more value in storage.session (it survives a stopped worker, never a browser restart):
 * read through `parse`, which falls back to a default for anything malformed, and changed one
 * change at a time, so two events' read-change-write never interleave.
 */
export function sessionValue<T>(key: string, parse: (stored: unknown) => T) {
  const serial = serialQueue();
  const load = async (): Promise<T> => parse((await browser.storage.session.get(key))[key]);
  return {
    load,
    /** Runs `change` on the stored value, then saves it (as changed, or as `change` returned it). */
    update<R>(change: (value: T) => R | Promise<R>, save: (value: T) => T = (value) => value): Promise<R> {
      return serial(async () => {
        const value = await load();
        const result = await change(value);
        await browser.storage.session.set({ [key]: save(value) });
        return result;
      });
    },
  };
}

/** Keeps the token and settings away from content scripts where the browser allows it. */
export async function restrictStorageToExtension(): Promise<void> {
  const local = browser.storage.local as unknown as { setAccessLevel?: (o: { accessLevel: string }) => Promise<void> };
  try {
    await local.setAccessLevel?.({ accessLevel: 'TRUSTED_CONTEXTS' });
  } catch {
    // Firefox only supports access levels on storage.session; our content script never reads it.
  }
}
