/**
 * The settings object: one defaults object that is also the type, a schema version,
 * migrations, and validation that falls back to defaults field by field with a warning.
 * Stored under `settings` in chrome.storage.local; the same JSON is imported and exported.
 * Documented in docs/settings.md. Secrets (the token) are not part of it: see credentials.
 */

import { isRecord } from '../guard';
import { templateProblem } from '../templates';
import { CSRF_KINDS } from './logCsrf';
import { LOG_METHODS, logBodyProblem, logUrlProblem } from './logTemplate';

export const SETTINGS_VERSION = 1;

export const CARD_TARGETS = ['lastCrmTab', 'allCrmTabs', 'none'] as const;
export const CONNECTORS = ['cti', 'ozeki'] as const;
/** When the caller's CRM record opens (docs/crm.md), and where. */
export const RECORD_TRIGGERS = ['never', 'ringing', 'answered'] as const;
export const RECORD_TARGETS = ['crmTab', 'newTab', 'backgroundTab'] as const;
/** Where the caller lookup runs: not at all, in the CRM tab (the agent's login), in the background (a key). */
export const LOOKUP_MODES = ['off', 'content', 'background'] as const;
/** Call logging into the CRM (docs/crm.md): where it runs, and when a call is logged. */
export const CRMLOG_MODES = LOOKUP_MODES;
export const CRMLOG_WHEN = ['end', 'wrapUp', 'manual'] as const;

export interface CrmSite {
  /** A match pattern, e.g. `https://crm.example.com/*`. */
  pattern: string;
  card: boolean;
  detect: boolean;
  links: boolean;
}

export const defaultSettings = {
  version: SETTINGS_VERSION,
  connection: {
    connector: 'cti' as (typeof CONNECTORS)[number],
    /** '' (the default): not set, so PopLine does not connect. Never a built-in address (docs/security.md). */
    serverUrl: '',
    extension: '1001',
    /** Allow `ws://` to a host other than this computer (not recommended). */
    allowInsecure: false,
  },
  /** The Ozeki HTTP API connector (docs/ozeki.md); used when `connection.connector` is 'ozeki'. */
  ozeki: {
    /**
     * Ozeki Phone System XE: http://PBX:7780/ ; Ozeki 10: http://PBX:9509/api. '' (the default):
     * not set, so PopLine does not connect; never a built-in address (docs/security.md).
     */
    apiUrl: '',
    /** The API extension that places click-to-dial calls; '' turns click-to-dial off. */
    apiExtension: '9994',
    /** Where the PBX fetches the OzML that connects the agent to the customer; {number} is filled in. */
    ozmlUrl: '',
    /** Milliseconds between two ListActiveCalls while no call of the agent rings. */
    pollIdleMs: 1000,
    /** ... and while one rings, so the card follows the answer quickly. */
    pollRingingMs: 250,
  },
  follow: {
    /** Extra numbers or queues whose calls pop too. */
    extraNumbers: [] as string[],
    /** Every call on the PBX, when the token allows it. */
    monitorAll: false,
  },
  cards: {
    target: 'lastCrmTab' as (typeof CARD_TARGETS)[number],
    /** Seconds an answered call's card stays after the call ends. */
    fadeAfterSeconds: 8,
    notifications: true,
  },
  phone: {
    /** ISO 3166 country for formatting national numbers. */
    defaultCountry: 'US',
  },
  /** Click-to-dial from pages, the context menu and the shortcut (docs/dialing.md). */
  dial: {
    /** Ask before calling a number in another country. */
    confirmInternational: true,
    /** Ask before calling a premium-rate number. */
    confirmPremium: true,
    /** More dials than this within a minute ask first; 0 never asks. */
    confirmAfterPerMinute: 3,
    /**
     * Which short digit strings are internal extensions (a regular expression, tried on at most
     * 16 digits). Emergency numbers of the default country are never extensions, whatever it says.
     */
    internalPattern: '^\\d{2,6}$',
  },
  crm: {
    /** None by default: the store build has no demo CRM (docs/security.md); the demo and the tests add it. */
    sites: [] as CrmSite[],
    /** Opened by a call notification when no CRM tab is open; empty: derived from the first site. */
    homeUrl: '',
  },
  /** Opening the caller's record in the CRM (docs/crm.md). */
  record: {
    openInbound: 'never' as (typeof RECORD_TRIGGERS)[number],
    openOutbound: 'never' as (typeof RECORD_TRIGGERS)[number],
    openIn: 'crmTab' as (typeof RECORD_TARGETS)[number],
    /** The record's address; `{id}` is the looked-up record's id. Empty: only looked-up records open. */
    urlTemplate: '',
    /** The "create contact" address offered when the lookup finds nobody; empty: none. */
    createTemplate: '',
  },
  /** Looking the caller up in the CRM (docs/crm.md); the background mode's key is a credential. */
  lookup: {
    mode: 'off' as (typeof LOOKUP_MODES)[number],
    /** A JSON search address; `{number}` is tried in several formats until one matches. */
    urlTemplate: '',
    /** The header that carries the key in background mode. */
    keyHeader: 'Authorization',
    /** Where the matches are in the answer, and each field in a match (dotted paths). */
    listPath: '',
    namePath: 'name',
    companyPath: 'company',
    recordUrlPath: 'url',
    notePath: 'note',
    idPath: 'id',
    /** Minutes an answer is reused for the same number; 0: always ask. */
    cacheMinutes: 10,
  },
  /** Logging calls into the CRM as activities (docs/crm.md); the background mode's key is a credential. */
  crmlog: {
    mode: 'off' as (typeof CRMLOG_MODES)[number],
    /** At the end of the call, after the wrap-up (the note saved or the time up), or by hand only. */
    when: 'wrapUp' as (typeof CRMLOG_WHEN)[number],
    /** How long after a call ends the card keeps offering the note form before the call is logged. */
    wrapUpSeconds: 120,
    /** Log inbound calls nobody answered too. */
    logMissed: false,
    /** The header that carries the key in background mode. */
    keyHeader: 'Authorization',
    createMethod: 'POST' as (typeof LOG_METHODS)[number],
    /** The address that creates the activity, and its JSON body (placeholders in docs/crm.md). */
    createUrl: '',
    createBody: '',
    /** Where the created activity's id is in the answer (dotted path). */
    idPath: 'id',
    updateMethod: 'PATCH' as (typeof LOG_METHODS)[number],
    /** The address that updates it (`{activityId}`), and the body; empty: a later note edit stays in PopLine. */
    updateUrl: '',
    updateBody: '',
    /** Optional: a GET that finds the activity by `{idempotencyKey}`, asked before repeating an unanswered create. */
    findUrl: '',
    findIdPath: '',
    /** "Open in CRM" for a logged call (`{activityId}`, `{recordId}`); empty: the call's CRM record. */
    openUrl: '',
    /** Content-script mode: where the CRM's CSRF token is, and the header it goes back in. */
    csrf: 'none' as (typeof CSRF_KINDS)[number],
    csrfName: '',
    csrfHeader: 'X-CSRF-Token',
    /** `header` strategy: the address on the CRM's site whose answer carries the token. */
    csrfUrl: '',
  },
  history: {
    /** Calls older than this many days are removed; 0 keeps them regardless of age. */
    retentionDays: 365,
    /** At most this many calls are kept; the oldest go first. */
    maxCalls: 100_000,
    /** The tags an agent picks from when noting a call's outcome (any other can be typed). */
    dispositions: ['callback', 'sale', 'support', 'complaint', 'wrong number'] as string[],
  },
};

export type Settings = typeof defaultSettings;

/** Per-field rules beyond "same type as the default". */
const RULES: Record<string, (value: unknown) => boolean> = {
  'connection.connector': (v) => (CONNECTORS as readonly unknown[]).includes(v),
  'connection.serverUrl': (v) => typeof v === 'string' && v.length <= 2048 && (v === '' || /^wss?:\/\//i.test(v)),
  'connection.extension': (v) => typeof v === 'string' && v.length <= 64,
  'ozeki.apiUrl': (v) => typeof v === 'string' && v.length <= 2048 && (v === '' || /^https?:\/\/[^\s]+$/i.test(v)),
  'ozeki.apiExtension': (v) => typeof v === 'string' && /^[\w+*#.-]{0,64}$/.test(v),
  'ozeki.ozmlUrl': (v) =>
    typeof v === 'string' &&
    v.length <= 2048 &&
    (v === '' || (/^https?:\/\/[^\s]+$/i.test(v) && v.includes('{number}'))),
  'ozeki.pollIdleMs': (v) => Number.isInteger(v) && (v as number) >= 250 && (v as number) <= 60_000,
  'ozeki.pollRingingMs': (v) => Number.isInteger(v) && (v as number) >= 100 && (v as number) <= 10_000,
  'follow.extraNumbers': (v) =>
    Array.isArray(v) && v.length <= 100 && v.every((n) => typeof n === 'string' && n.length <= 64),
  'cards.target': (v) => (CARD_TARGETS as readonly unknown[]).includes(v),
  'cards.fadeAfterSeconds': (v) => typeof v === 'number' && v >= 0 && v <= 3600,
  'phone.defaultCountry': (v) => typeof v === 'string' && /^[A-Z]{2}$/.test(v),
  'dial.internalPattern': (v) => typeof v === 'string' && v !== '' && v.length <= 256 && compiles(v),
  'dial.confirmAfterPerMinute': (v) => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 60,
  'crm.homeUrl': (v) => typeof v === 'string' && (v === '' || /^https?:\/\/[^\s]+$/i.test(v)),
  'crm.sites': (v) => Array.isArray(v) && v.length <= 100 && v.every(isCrmSite),
  'history.retentionDays': (v) => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 3650,
  'history.maxCalls': (v) => Number.isInteger(v) && (v as number) >= 100 && (v as number) <= 1_000_000,
  'history.dispositions': (v) =>
    Array.isArray(v) && v.length <= 50 && v.every((d) => typeof d === 'string' && d.trim() !== '' && d.length <= 64),
  'record.openInbound': (v) => (RECORD_TRIGGERS as readonly unknown[]).includes(v),
  'record.openOutbound': (v) => (RECORD_TRIGGERS as readonly unknown[]).includes(v),
  'record.openIn': (v) => (RECORD_TARGETS as readonly unknown[]).includes(v),
  'record.urlTemplate': (v) => typeof v === 'string' && templateProblem(v, { allowRecordId: true }) === null,
  'record.createTemplate': (v) => typeof v === 'string' && templateProblem(v) === null,
  'lookup.mode': (v) => (LOOKUP_MODES as readonly unknown[]).includes(v),
  'lookup.urlTemplate': (v) => typeof v === 'string' && templateProblem(v) === null,
  'lookup.keyHeader': (v) => typeof v === 'string' && /^[\w!#$%&'*+.^`|~-]{1,64}$/.test(v),
  'lookup.listPath': isMapPath,
  'lookup.namePath': isMapPath,
  'lookup.companyPath': isMapPath,
  'lookup.recordUrlPath': isMapPath,
  'lookup.notePath': isMapPath,
  'lookup.idPath': isMapPath,
  'lookup.cacheMinutes': (v) => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 1440,
  'crmlog.mode': (v) => (CRMLOG_MODES as readonly unknown[]).includes(v),
  'crmlog.when': (v) => (CRMLOG_WHEN as readonly unknown[]).includes(v),
  'crmlog.wrapUpSeconds': (v) => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 3600,
  'crmlog.keyHeader': (v) => typeof v === 'string' && /^[\w!#$%&'*+.^`|~-]{1,64}$/.test(v),
  'crmlog.createMethod': (v) => (LOG_METHODS as readonly unknown[]).includes(v),
  'crmlog.updateMethod': (v) => (LOG_METHODS as readonly unknown[]).includes(v),
  'crmlog.createUrl': (v) => typeof v === 'string' && logUrlProblem(v, 'create') === null,
  'crmlog.updateUrl': (v) => typeof v === 'string' && logUrlProblem(v, 'update') === null,
  'crmlog.findUrl': (v) => typeof v === 'string' && logUrlProblem(v, 'find') === null,
  'crmlog.openUrl': (v) => typeof v === 'string' && logUrlProblem(v, 'open') === null,
  'crmlog.createBody': (v) => typeof v === 'string' && logBodyProblem(v, 'create') === null,
  'crmlog.updateBody': (v) => typeof v === 'string' && logBodyProblem(v, 'update') === null,
  'crmlog.idPath': isMapPath,
  'crmlog.findIdPath': isMapPath,
  'crmlog.csrf': (v) => (CSRF_KINDS as readonly unknown[]).includes(v),
  'crmlog.csrfName': (v) => typeof v === 'string' && /^[\w.:-]{0,128}$/.test(v),
  'crmlog.csrfHeader': (v) => typeof v === 'string' && /^[\w!#$%&'*+.^`|~-]{1,64}$/.test(v),
  'crmlog.csrfUrl': (v) => typeof v === 'string' && v.length <= 2048 && (v === '' || /^https?:\/\/[^\s{}]+$/i.test(v)),
};

/** A regular expression that compiles (dial.internalPattern; shared/dial/shortNumbers.ts uses it). */
function compiles(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}

/** A lookup mapping: dotted paths, several separated by spaces. */
function isMapPath(value: unknown): boolean {
  return typeof value === 'string' && value.length <= 256 && /^[^\s{}]*(?: [^\s{}]+)*$/.test(value);
}

function isCrmSite(value: unknown): value is CrmSite {
  return (
    isRecord(value) &&
    typeof value.pattern === 'string' &&
    value.pattern.length <= 512 &&
    typeof value.card === 'boolean' &&
    typeof value.detect === 'boolean' &&
    typeof value.links === 'boolean'
  );
}

/** Migrations: `MIGRATIONS[n]` turns a version-n object into version n+1. */
const MIGRATIONS: Record<number, (old: Record<string, unknown>) => Record<string, unknown>> = {
  // Version 0: the unversioned draft, which had `serverUrl`, `extension` at the top level.
  0: (old) => {
    const { serverUrl, extension, ...rest } = old;
    return { ...rest, connection: { ...(isRecord(rest.connection) ? rest.connection : {}), serverUrl, extension } };
  },
};

export interface LoadedSettings {
  settings: Settings;
  warnings: string[];
}

function merge(defaults: unknown, stored: unknown, path: string, warnings: string[]): unknown {
  if (stored === undefined) return structuredClone(defaults);
  const rule = RULES[path];
  if (rule) {
    if (rule(stored)) return structuredClone(stored);
    warnings.push(`${path}: invalid value, using the default`);
    return structuredClone(defaults);
  }
  if (isRecord(defaults)) {
    if (!isRecord(stored)) {
      warnings.push(`${path || 'settings'}: expected an object, using the defaults`);
      return structuredClone(defaults);
    }
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(defaults)) {
      out[key] = merge(value, stored[key], path ? `${path}.${key}` : key, warnings);
    }
    return out;
  }
  if (typeof stored === typeof defaults && !Array.isArray(stored)) return stored;
  warnings.push(`${path}: expected ${typeof defaults}, using the default`);
  return structuredClone(defaults);
}

/** Validates anything read from storage or a file. Never throws. */
export function loadSettings(raw: unknown): LoadedSettings {
  const warnings: string[] = [];
  if (raw === undefined || raw === null) return { settings: structuredClone(defaultSettings), warnings };
  if (!isRecord(raw)) {
    return { settings: structuredClone(defaultSettings), warnings: ['settings are not an object: using the defaults'] };
  }
  let data = raw;
  let version = typeof data.version === 'number' ? data.version : 0;
  if (version > SETTINGS_VERSION || !Number.isInteger(version) || version < 0) {
    return {
      settings: structuredClone(defaultSettings),
      warnings: [
        `settings have schema version ${String(data.version)}, which this PopLine does not know: using the defaults`,
      ],
    };
  }
  while (version < SETTINGS_VERSION) {
    const migrate = MIGRATIONS[version];
    if (!migrate) break;
    data = { ...migrate(data), version: version + 1 };
    version += 1;
  }
  const settings = merge(defaultSettings, { ...data, version: SETTINGS_VERSION }, '', warnings) as Settings;
  return { settings, warnings };
}
