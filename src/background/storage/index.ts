/**
 * One typed accessor per storage key. `settings` and `credentials` live where content scripts
 * cannot reach them (./config.ts: storage.local in Chrome, IndexedDB in Firefox); runtime state that must survive a stopped worker (but not a browser restart) lives in
 * storage.session, which content scripts cannot read.
 */
import browser from 'webextension-polyfill';
import { type CallBook, emptyBook } from '../../shared/calls';
import type { CardPosition } from '../../shared/cards';
import type { CardCrmLog } from '../../shared/crm/log/outbox';
import type { CallLookup } from '../../shared/crm/lookup';
import { isRecord } from '../../shared/guard';
import { log } from '../../shared/log';
import { countryFromLocales } from '../../shared/phone/locale';
import type { ClientState, ConnectionState, Features, Permissions } from '../../shared/protocol';
import { serialQueue } from '../../shared/serial';
import { type LoadedSettings, loadSettings, SETTINGS_VERSION, type Settings } from '../../shared/settings';
import { boundCredentials, credentialOrigin } from '../../shared/settings/credentials';
import { configBackend } from './config';

export interface Credentials {
  token: string;
  /** The Ozeki office user, when the PBX's HTTP API requires one ('' when not). */
  ozekiUsername: string;
  ozekiPassword: string;
  /** The key for background caller lookups (docs/crm.md). */
  lookupKey: string;
  /** The key for logging calls into the CRM from the background (docs/crm.md). */
  crmLogKey?: string;
}

export interface ConnectionInfo {
  state: ConnectionState | 'DISCONNECTED';
  detail?: string;
  userName?: string;
  permissions?: Permissions;
  tokenExpiresAt?: string;
  /** The agent's extension as the server granted it. */
  extension?: string;
  /** Presence and chat, as the server announced them (absent: neither). */
  features?: Features;
  since: number;
}

/** The small part of the team state the cards, notifications and badge need (background/team keeps the rest). */
export interface TeamSummary {
  /** The agent's own presence as the server last said it. */
  self?: ClientState;
  /** Unread messages per colleague. */
  unread: Record<string, number>;
  /** Calls that began while the agent was set to Do Not Disturb: no card, no notification. */
  quiet: string[];
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
  /** Calls whose card this tab has shown (newest last, bounded): a content script may note only these. */
  showed?: string[];
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
  crmLogKey?: string;
}

export const managedStore = {
  async load(): Promise<Managed> {
    try {
      const managed = await browser.storage.managed.get(null);
      return {
        ...(isRecord(managed.settings) ? { settings: managed.settings } : {}),
        ...(typeof managed.token === 'string' && managed.token ? { token: managed.token } : {}),
        ...(typeof managed.lookupKey === 'string' && managed.lookupKey ? { lookupKey: managed.lookupKey } : {}),
        ...(typeof managed.crmLogKey === 'string' && managed.crmLogKey ? { crmLogKey: managed.crmLogKey } : {}),
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
    const [stored, managed] = await Promise.all([settingsStore.loadOwn(), managedStore.load()]);
    // Until the user saves, the country is guessed from the browser's languages.
    const settings = stored ?? firstRunSettings();
    const loaded = loadSettings(managed.settings ? overlay(settings, managed.settings) : settings);
    for (const warning of loaded.warnings) log.warn(`settings: ${warning}`);
    return loaded;
  },
  save: (settings: Settings) => settingsStore.saveWithCredentials(settings),
  /** The user's own settings as stored (before the policy and the defaults), for the options page's save. */
  loadOwn: async (): Promise<unknown> => (await (await configBackend()).get(['settings'])).settings,
  /**
   * Settings and the user's own credentials in one write, so the background reconnects at most
   * once. Credentials are bound to where they are for (shared/settings/credentials.ts): a value
   * typed now (in `typed`, or different from the stored one) to the new settings' server; a
   * value kept stays bound where it was, and if the new settings point elsewhere it is deleted.
   * Returns the names of the credentials deleted that way, so the page can say so.
   */
  async saveWithCredentials(settings: unknown, credentials?: Record<string, string>, typed: string[] = []) {
    const backend = await configBackend();
    const [stored, managed] = await Promise.all([credentialsStore.stored(), managedStore.load()]);
    const next = loadSettings(managed.settings ? overlay(settings, managed.settings) : settings).settings;
    const values = credentials ?? stored.values;
    const origins: Record<string, string> = {};
    const kept: Record<string, string> = {};
    const cleared: string[] = [];
    for (const [key, value] of Object.entries(values)) {
      if (!value) continue;
      const entered = typed.includes(key) || stored.values[key] !== value;
      const origin = entered ? credentialOrigin(key, next) : stored.origins[key];
      if (origin && origin === credentialOrigin(key, next)) {
        kept[key] = value;
        origins[key] = origin;
      } else if (!entered) cleared.push(key);
      else {
        kept[key] = value; // Typed for a settings without a valid address: unusable until it has one.
        origins[key] = origin ?? '';
      }
    }
    await backend.set({ settings, credentials: kept, credentialOrigins: await bindingsOf(kept, origins) });
    return { cleared };
  },
};

export const credentialsStore = {
  /**
   * The stored credentials and where each may be sent. A credential whose binding is missing
   * or was written for another value (saved before bindings existed, or written straight into
   * storage by a test or the demo, which only trusted contexts can) is bound to the server in
   * force now, once.
   */
  async stored(): Promise<{ values: Record<string, string>; origins: Record<string, string> }> {
    const backend = await configBackend();
    const { credentials, credentialOrigins } = await backend.get(['credentials', 'credentialOrigins']);
    const values = strings(credentials);
    const bindings = isRecord(credentialOrigins) ? credentialOrigins : {};
    const origins: Record<string, string> = {};
    const unbound: string[] = [];
    for (const [key, value] of Object.entries(values)) {
      const binding = bindings[key];
      // A binding to no origin (entered while the address was empty or invalid) binds on first use.
      if (
        isRecord(binding) &&
        typeof binding.origin === 'string' &&
        binding.origin &&
        binding.of === (await fingerprint(value))
      ) {
        origins[key] = binding.origin;
      } else if (value) unbound.push(key);
    }
    if (unbound.length) {
      const { settings } = await settingsStore.load();
      for (const key of unbound) origins[key] = credentialOrigin(key, settings);
      await backend.set({ credentialOrigins: await bindingsOf(values, origins) });
    }
    return { values, origins };
  },
  /** The credentials that may be used with `settings` (a policy's token only with the policy's address). */
  async load(settings: Settings): Promise<Credentials> {
    const [{ values, origins }, managed] = await Promise.all([credentialsStore.stored(), managedStore.load()]);
    const own = boundCredentials(values, origins, settings);
    const policyAddress = isRecord(managed.settings?.connection) && 'serverUrl' in managed.settings.connection;
    return {
      token: (policyAddress ? managed.token : undefined) ?? own.token ?? '',
      ozekiUsername: own.ozekiUsername ?? '',
      ozekiPassword: own.ozekiPassword ?? '',
      lookupKey: managed.lookupKey ?? own.lookupKey ?? '',
      crmLogKey: managed.crmLogKey ?? own.crmLogKey ?? '',
    };
  },
  /** The user's own credentials (every string field), without the policy's: for the options page. */
  loadOwn: async (): Promise<Record<string, string>> => (await credentialsStore.stored()).values,
};

/** Which value a binding was made for: a short SHA-256 of it (never the value itself). */
async function fingerprint(value: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(value)));
  return [...digest.slice(0, 12)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

async function bindingsOf(values: Record<string, string>, origins: Record<string, string>) {
  const out: Record<string, { origin: string; of: string }> = {};
  for (const [key, origin] of Object.entries(origins)) {
    if (values[key]) out[key] = { origin, of: await fingerprint(values[key]) };
  }
  return out;
}

const strings = (value: unknown): Record<string, string> =>
  isRecord(value)
    ? (Object.fromEntries(Object.entries(value).filter(([, v]) => typeof v === 'string')) as Record<string, string>)
    : {};

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
  /** Own availability, unread counts, calls kept quiet (background/team). */
  team: TeamSummary;
  /** What the cards show of each call's log into the CRM (crmlog/), for calls in the book only. */
  crmLog: Record<string, CardCrmLog>;
}

export const initialRuntime = (): RuntimeState => ({
  book: emptyBook(),
  connection: { state: 'DISCONNECTED', since: Date.now() },
  tabs: {},
  rev: 0,
  notified: {},
  lookups: {},
  team: { unread: {}, quiet: [] },
  crmLog: {},
});

export const runtimeStore = {
  async load(): Promise<RuntimeState> {
    const stored = await browser.storage.session.get([
      'book',
      'connection',
      'tabs',
      'rev',
      'notified',
      'lookups',
      'team',
      'crmLog',
    ]);
    const initial = initialRuntime();
    return {
      book: isRecord(stored.book) ? (stored.book as unknown as CallBook) : initial.book,
      connection: isRecord(stored.connection) ? (stored.connection as unknown as ConnectionInfo) : initial.connection,
      tabs: isRecord(stored.tabs) ? (stored.tabs as Record<string, TabInfo>) : initial.tabs,
      rev: typeof stored.rev === 'number' ? stored.rev : initial.rev,
      notified: isRecord(stored.notified) ? (stored.notified as Record<string, string>) : initial.notified,
      lookups: isRecord(stored.lookups) ? (stored.lookups as Record<string, CallLookup>) : initial.lookups,
      team: isRecord(stored.team) ? { ...initial.team, ...(stored.team as Partial<TeamSummary>) } : initial.team,
      crmLog: isRecord(stored.crmLog) ? (stored.crmLog as Record<string, CardCrmLog>) : initial.crmLog,
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

/** Keeps the token and settings away from content scripts (storage/config.ts chooses where they live). */
export async function restrictStorageToExtension(): Promise<void> {
  await configBackend();
}
