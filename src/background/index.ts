/**
 * Service worker entry (an event page in Firefox). Every listener is registered here, at the
 * top level, so a worker woken by an event has it in place. State lives in storage, so the
 * worker may be stopped at any moment.
 */
import browser from 'webextension-polyfill';
import { log } from '../shared/log';
import { updateBadge } from './badge';
import { forgetSettings } from './config';
import { connect, ensureConnected, onOnline } from './connection';
import { handlers, resyncTabs } from './handlers';
import { createRouter } from './router';
import { readState } from './state';
import { restrictStorageToExtension } from './storage';
import { tabActivated, tabClosed } from './tabs';

const WATCHDOG = 'popline-watchdog';

browser.runtime.onMessage.addListener(createRouter(handlers) as never);

browser.storage.onChanged.addListener((changes, area) => {
  if (area !== 'local' || !(changes.settings || changes.credentials)) return;
  forgetSettings();
  void connect({ force: true });
  void resyncTabs();
});

browser.alarms.onAlarm.addListener((alarm) => {
  if (alarm.name === WATCHDOG) void ensureConnected();
});

browser.tabs.onActivated.addListener(({ tabId }) => tabActivated(tabId));
browser.tabs.onRemoved.addListener((tabId) => tabClosed(tabId));
browser.windows.onFocusChanged.addListener(async (windowId) => {
  if (windowId === browser.windows.WINDOW_ID_NONE) return;
  const [tab] = await browser.tabs.query({ active: true, windowId });
  if (tab?.id !== undefined) tabActivated(tab.id);
});

browser.runtime.onInstalled.addListener(() => void restrictStorageToExtension());
browser.runtime.onStartup.addListener(() => void restrictStorageToExtension());

globalThis.addEventListener('online', onOnline);

async function boot(): Promise<void> {
  await browser.alarms.create(WATCHDOG, { periodInMinutes: 0.5 });
  const state = await readState();
  updateBadge(state);
  // A restarted worker re-syncs every tab: whatever they show is pushed again.
  await resyncTabs();
  await ensureConnected();
}

void boot().catch((error) => log.error('start-up failed', error));
