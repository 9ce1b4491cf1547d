/**
 * How each setting is shown. Every leaf of the settings object gets a control: the ones listed
 * here get a tailored one, any other (a setting added later) a control by the type of its
 * default. Labels are `setting_<path with _>` in _locales, help texts `…_help`.
 */
import { getCountries } from 'libphonenumber-js/min';
import { CSRF_KINDS } from '../shared/crm/log/csrf';
import { LOG_METHODS } from '../shared/crm/log/template';
import {
  CARD_TARGETS,
  CONNECTORS,
  CRMLOG_MODES,
  CRMLOG_WHEN,
  defaultSettings,
  LOOKUP_MODES,
  RECORD_TARGETS,
  RECORD_TRIGGERS,
  type Settings,
} from '../shared/settings';
import { getPath, leafPaths } from '../shared/settings/paths';

export type FieldSpec =
  | { kind: 'checkbox' }
  | { kind: 'number'; min?: number; max?: number; step?: number; unit?: string }
  | { kind: 'text'; type?: 'text' | 'url'; placeholder?: string }
  | { kind: 'select'; choices: readonly string[]; labelPrefix: string }
  | { kind: 'country' }
  | { kind: 'lines' }
  | { kind: 'json' }
  /** Drawn by its own component (CRM sites). */
  | { kind: 'custom' };

const SPECS: Record<string, FieldSpec> = {
  'connection.connector': { kind: 'select', choices: CONNECTORS, labelPrefix: 'connector_' },
  'connection.serverUrl': { kind: 'text', type: 'url', placeholder: 'wss://pbx.example.com/cti' },
  'connection.extension': { kind: 'text' },
  'connection.allowInsecure': { kind: 'checkbox' },
  'ozeki.apiUrl': { kind: 'text', type: 'url', placeholder: 'http://pbx.example.com:7780/' },
  'ozeki.ozmlUrl': { kind: 'text', type: 'url' },
  'ozeki.pollIdleMs': { kind: 'number', min: 250, max: 60_000, step: 50, unit: 'unitMs' },
  'ozeki.pollRingingMs': { kind: 'number', min: 100, max: 10_000, step: 50, unit: 'unitMs' },
  'follow.extraNumbers': { kind: 'lines' },
  'cards.target': { kind: 'select', choices: CARD_TARGETS, labelPrefix: 'cardTarget_' },
  'cards.fadeAfterSeconds': { kind: 'number', min: 0, max: 3600, unit: 'unitSeconds' },
  'phone.defaultCountry': { kind: 'country' },
  'crm.sites': { kind: 'custom' },
  'crm.homeUrl': { kind: 'text', type: 'url', placeholder: 'https://crm.example.com/' },
  'history.retentionDays': { kind: 'number', min: 0, max: 3650, unit: 'unitDays' },
  'history.maxCalls': { kind: 'number', min: 100, max: 1_000_000, step: 100 },
  'history.dispositions': { kind: 'lines' },
  'record.openInbound': { kind: 'select', choices: RECORD_TRIGGERS, labelPrefix: 'recordWhen_' },
  'record.openOutbound': { kind: 'select', choices: RECORD_TRIGGERS, labelPrefix: 'recordWhen_' },
  'record.openIn': { kind: 'select', choices: RECORD_TARGETS, labelPrefix: 'recordWhere_' },
  'record.urlTemplate': { kind: 'text', type: 'url', placeholder: 'https://crm.example.com/contacts/{id}' },
  'record.createTemplate': {
    kind: 'text',
    type: 'url',
    placeholder: 'https://crm.example.com/contacts/new?phone={e164}',
  },
  'lookup.mode': { kind: 'select', choices: LOOKUP_MODES, labelPrefix: 'lookupMode_' },
  'lookup.urlTemplate': {
    kind: 'text',
    type: 'url',
    placeholder: 'https://crm.example.com/api/contacts?phone={number}',
  },
  'lookup.cacheMinutes': { kind: 'number', min: 0, max: 1440, unit: 'unitMinutes' },
  'crmlog.mode': { kind: 'select', choices: CRMLOG_MODES, labelPrefix: 'lookupMode_' },
  'crmlog.when': { kind: 'select', choices: CRMLOG_WHEN, labelPrefix: 'crmLogWhen_' },
  'crmlog.wrapUpSeconds': { kind: 'number', min: 0, max: 3600, unit: 'unitSeconds' },
  'crmlog.createMethod': { kind: 'select', choices: LOG_METHODS, labelPrefix: 'logMethod_' },
  'crmlog.updateMethod': { kind: 'select', choices: LOG_METHODS, labelPrefix: 'logMethod_' },
  'crmlog.createUrl': { kind: 'text', type: 'url', placeholder: 'https://crm.example.com/api/activities' },
  'crmlog.updateUrl': { kind: 'text', type: 'url', placeholder: 'https://crm.example.com/api/activities/{activityId}' },
  'crmlog.csrf': { kind: 'select', choices: CSRF_KINDS, labelPrefix: 'csrfKind_' },
};

/** The control for a path: listed, or guessed from the default's type. */
export function specFor(path: string): FieldSpec {
  const listed = SPECS[path];
  if (listed) return listed;
  const value = getPath(defaultSettings, path);
  if (typeof value === 'boolean') return { kind: 'checkbox' };
  if (typeof value === 'number') return { kind: 'number' };
  if (typeof value === 'string') return { kind: 'text' };
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return { kind: 'lines' };
  return { kind: 'json' };
}

/** Sections in the order an admin fills them in; sections added later come after. */
const SECTION_ORDER = [
  'connection',
  'ozeki',
  'crm',
  'record',
  'lookup',
  'crmlog',
  'cards',
  'phone',
  'dial',
  'follow',
  'history',
];

/** Connection fields that only one connector uses. */
const CONNECTOR_ONLY: Record<string, string> = {
  'connection.serverUrl': 'cti',
  'connection.allowInsecure': 'cti',
};
const CONNECTOR_SECTIONS: Record<string, string> = { ozeki: 'ozeki' };

export const labelKey = (path: string) => `setting_${path.replace(/\./g, '_')}`;
export const sectionKey = (section: string) => `section_${section}`;

/** Every setting's path, `version` aside. */
export const settingPaths = (): string[] => leafPaths(defaultSettings).filter((path) => path !== 'version');

export function sections(): { section: string; paths: string[] }[] {
  const bySection = new Map<string, string[]>();
  for (const path of settingPaths()) {
    const section = path.split('.')[0] ?? path;
    bySection.set(section, [...(bySection.get(section) ?? []), path]);
  }
  const rank = (section: string) => {
    const index = SECTION_ORDER.indexOf(section);
    return index < 0 ? SECTION_ORDER.length : index;
  };
  return [...bySection.entries()].sort(([a], [b]) => rank(a) - rank(b)).map(([section, paths]) => ({ section, paths }));
}

/** Whether a path (or a whole section) applies to the chosen connector. */
export function appliesTo(path: string, settings: Settings): boolean {
  const connector = settings.connection.connector;
  const only = CONNECTOR_ONLY[path] ?? CONNECTOR_SECTIONS[path.split('.')[0] ?? ''];
  return !only || only === connector;
}

export const countries = (): string[] => getCountries();
