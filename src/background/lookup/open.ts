/** Opening a CRM address where the settings say: the CRM tab used last (navigated), a new tab, a background tab. */
import browser from 'webextension-polyfill';
import { log } from '../../shared/log';
import type { Settings } from '../../shared/settings';
import type { TabInfo } from '../storage';
import { lastUsedTab } from '../tabs';

/** The CRM tab to navigate: the one used last on the address's site, else the one used last. */
export function crmTabFor(url: string, tabs: Record<string, TabInfo>): number | undefined {
  const origin = new URL(url).origin;
  const sameSite = Object.fromEntries(Object.entries(tabs).filter(([, tab]) => tab.origin === origin));
  return lastUsedTab(sameSite) ?? lastUsedTab(tabs);
}

/** Opens `url` (an address already checked: http(s), on the CRM's origin). */
export async function openCrmUrl(url: string, settings: Settings, tabs: Record<string, TabInfo>): Promise<void> {
  const where = settings.record.openIn;
  if (where === 'crmTab') {
    const tabId = crmTabFor(url, tabs);
    const navigated =
      tabId === undefined ? undefined : await browser.tabs.update(tabId, { url }).catch(() => undefined);
    if (navigated) return;
  }
  await browser.tabs.create({ url, active: where !== 'backgroundTab' });
}

/** The same, for use inside `mutate`: never awaited there, never throws. */
export function openCrmUrlSoon(url: string, settings: Settings, tabs: Record<string, TabInfo>): void {
  openCrmUrl(url, settings, tabs).catch((error) => log.warn('could not open the CRM record', String(error)));
}
