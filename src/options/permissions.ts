/**
 * Host permissions the options page asks for when the user saves: the server's origin (the
 * Ozeki connector reaches it with HTTP) and every CRM site that has a switch on. Asked from
 * the click itself: browsers only show the prompt for a user gesture.
 */
import browser from 'webextension-polyfill';
import type { Settings } from '../shared/settings';
import { isValidPattern } from '../shared/settings/matchPattern';
import { templateOrigin } from '../shared/templates';

/** `http://host/*` for a server address (`ws:` counts as `http:`, `wss:` as `https:`). */
export function originPattern(url: string): string | null {
  if (!URL.canParse(url)) return null;
  const parsed = new URL(url);
  const scheme = { 'ws:': 'http', 'http:': 'http', 'wss:': 'https', 'https:': 'https' }[parsed.protocol];
  return scheme && parsed.hostname ? `${scheme}://${parsed.hostname}/*` : null;
}

export function serverPatterns(settings: Settings): string[] {
  const url = settings.connection.connector === 'ozeki' ? settings.ozeki.apiUrl : settings.connection.serverUrl;
  const pattern = originPattern(url);
  return pattern ? [pattern] : [];
}

export const activeSitePatterns = (settings: Settings): string[] =>
  settings.crm.sites
    .filter((site) => (site.card || site.detect || site.links) && isValidPattern(site.pattern))
    .map((site) => site.pattern);

/** The CRM's API, which background lookups fetch from (docs/crm.md). */
export function lookupPatterns(settings: Settings): string[] {
  if (settings.lookup.mode !== 'background') return [];
  const origin = templateOrigin(settings.lookup.urlTemplate);
  const pattern = origin ? originPattern(origin) : null;
  return pattern ? [pattern] : [];
}

/** The CRM's API, which calls are logged to from the background (docs/crm.md, call logging). */
export function crmLogPatterns(settings: Settings): string[] {
  if (settings.crmlog.mode !== 'background') return [];
  const origin = templateOrigin(settings.crmlog.createUrl);
  const pattern = origin ? originPattern(origin) : null;
  return pattern ? [pattern] : [];
}

/** Everything the settings need, without duplicates. */
export const neededOrigins = (settings: Settings): string[] => [
  ...new Set([
    ...serverPatterns(settings),
    ...activeSitePatterns(settings),
    ...lookupPatterns(settings),
    ...crmLogPatterns(settings),
  ]),
];

/** Must be called straight from a click or key handler, before anything is awaited. */
export function requestOrigins(origins: string[]): Promise<boolean> {
  if (!origins.length) return Promise.resolve(true);
  return browser.permissions.request({ origins }).catch(() => false);
}

export async function hasOrigin(pattern: string): Promise<boolean> {
  return browser.permissions.contains({ origins: [pattern] }).catch(() => false);
}
