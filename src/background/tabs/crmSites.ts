/**
 * The content script runs only on CRM sites the user chose and granted: one dynamically
 * registered content script (persisted across browser restarts) whose matches are the granted
 * site patterns. Kept in step with the settings and the granted permissions at start-up and
 * whenever either changes. The demo site is in the manifest already and is not registered twice.
 */
import browser from 'webextension-polyfill';
import { log } from '../../shared/log';
import { serialQueue } from '../../shared/serial';
import type { CrmSite } from '../../shared/settings';
import { isValidPattern } from '../../shared/settings/matchPattern';
import { getSettings } from '../settings';

export const CRM_SCRIPT_ID = 'popline-crm-sites';

const staticMatches = (): string[] =>
  (browser.runtime.getManifest().content_scripts ?? []).flatMap((script) => script.matches ?? []);

/** Whether a site needs the content script at all (some switch is on). */
const isActive = (site: CrmSite) => site.card || site.detect || site.links;

/** The patterns to register: active, valid, granted, and not already in the manifest. */
export async function wantedPatterns(sites: readonly CrmSite[]): Promise<string[]> {
  const fixed = new Set(staticMatches());
  const candidates = [...new Set(sites.filter(isActive).map((site) => site.pattern))].filter(
    (pattern) => isValidPattern(pattern) && !fixed.has(pattern),
  );
  const granted = await Promise.all(
    candidates.map((pattern) => browser.permissions.contains({ origins: [pattern] }).catch(() => false)),
  );
  return candidates.filter((_, index) => granted[index]);
}

const serial = serialQueue((error) => log.warn('CRM site scripts', error));

/** Brings the registration in line with the settings and permissions; runs one at a time. */
export const syncCrmScripts = (): Promise<void> => serial(syncNow);

async function syncNow(): Promise<void> {
  const settings = await getSettings();
  const wanted = await wantedPatterns(settings.crm.sites);
  const existing = await browser.scripting.getRegisteredContentScripts({ ids: [CRM_SCRIPT_ID] });
  const current = existing[0]?.matches ?? [];
  if (current.length === wanted.length && current.every((pattern) => wanted.includes(pattern))) return;
  if (existing.length) await browser.scripting.unregisterContentScripts({ ids: [CRM_SCRIPT_ID] });
  if (wanted.length) {
    await browser.scripting.registerContentScripts([
      { id: CRM_SCRIPT_ID, matches: wanted, js: ['content.js'], runAt: 'document_idle', persistAcrossSessions: true },
    ]);
  }
  await injectIntoOpenTabs(wanted.filter((pattern) => !current.includes(pattern)));
}

/** Tabs already open on a newly granted site get the script now, not at their next load. */
async function injectIntoOpenTabs(patterns: string[]): Promise<void> {
  if (!patterns.length) return;
  const tabs = await browser.tabs.query({ url: patterns }).catch(() => []);
  await Promise.all(
    tabs.map((tab) =>
      tab.id === undefined
        ? undefined
        : browser.scripting
            .executeScript({ target: { tabId: tab.id }, files: ['content.js'] })
            .catch((error) => log.warn(`could not start in tab ${tab.id}`, error)),
    ),
  );
}
