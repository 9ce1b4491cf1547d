/**
 * Service worker entry (an event page in Firefox). Every listener is registered here, at the
 * top level, so a worker woken by an event has it in place. State lives in storage, so the
 * worker may be stopped at any moment.
 */
import browser from 'webextension-polyfill';
import { log } from '../shared/log';
import { LIVENESS_PORT, TEAM_PORT } from '../shared/ports';
import { onCallEvent } from './calls';
import { CRMLOG_ALARM, drainOutbox, onCrmPageLoaded, onOnlineAgain, resumeCallLog } from './crmlog';
import { onDialCommand, onDialMenuClicked, onDialNotificationClicked, setUpDialMenus } from './dial/browserUi';
import { forgetDialTab } from './dial/store';
import { handlers } from './handlers';
import { ensureHistoryAlarm, HISTORY_ALARM, recordHistory, retainHistory } from './history';
import { resumeLookups } from './lookup';
import { createRouter } from './messaging/router';
import { ACCESS_NOTIFICATION, isCallNotification, openCrm } from './notify';
import { updateBadge } from './pbx/badge';
import {
  announceTokenExpiry,
  connect,
  ensureConnected,
  handleCallEvents,
  handleTeamFrames,
  onOnline,
  onPermissionsAdded,
  TOKEN_ALARM,
} from './pbx/connection';
import { forgetSettings, getSettings } from './settings';
import { needsReconnect, touchesSettings } from './settings/change';
import { onCallCommand } from './shortcuts';
import { restrictStorageToExtension } from './storage';
import { onConfigChanged } from './storage/config';
import { readState } from './storage/state';
import { resyncTabs, tabActivated, tabClosed } from './tabs';
import { syncCrmScripts } from './tabs/crmSites';
import { AVAILABILITY_ALARM, onAvailabilityExpired, onTeamFrame, watchFromPopup } from './team';
import { onChatNotificationClicked, retainMessages } from './team/chat';

const WATCHDOG = 'popline-watchdog';

// The connection's call events change the calls (and through them the tabs, history, lookups).
handleCallEvents(onCallEvent);
// Presence and messages (issue 16) go to the team.
handleTeamFrames(onTeamFrame);

browser.runtime.onMessage.addListener(createRouter(handlers) as never);

// Settings, credentials or policy changed (storage/config.ts: wherever they are kept).
onConfigChanged((changes) => {
  if (!touchesSettings(changes)) return;
  forgetSettings();
  // Every setting applies at once; only connection settings and credentials reconnect.
  if (needsReconnect(changes)) void connect({ force: true });
  void resyncTabs();
  void syncCrmScripts();
  // Calls that waited for a usable call-log setting go now (docs/crm.md).
  void drainOutbox();
});

// Granting or revoking a CRM site's permission (options page, or the browser's own UI).
browser.permissions.onAdded.addListener(() => void syncCrmScripts());
// Granting the Ozeki PBX's origin starts a connection that was waiting for it.
browser.permissions.onAdded.addListener(() => void onPermissionsAdded());
browser.permissions.onRemoved.addListener(() => void syncCrmScripts());

browser.alarms.onAlarm.addListener((alarm) => {
  if (alarm.name === WATCHDOG) void ensureConnected();
  if (alarm.name === TOKEN_ALARM) void announceTokenExpiry();
  if (alarm.name === HISTORY_ALARM) void retainHistory().catch((error) => log.error('history retention', error));
  if (alarm.name === CRMLOG_ALARM) void drainOutbox();
  if (alarm.name === HISTORY_ALARM) void retainMessages().catch((error) => log.error('message retention', error));
  if (alarm.name === AVAILABILITY_ALARM)
    void onAvailabilityExpired().catch((error) => log.error('availability', error));
});
// A CRM page loaded: the agent may have logged in again, so a paused call log tries now.
browser.tabs.onUpdated.addListener((_tabId, change, tab) => {
  if (change.status === 'complete') void onCrmPageLoaded(tab.url).catch(() => undefined);
});

browser.tabs.onActivated.addListener(({ tabId }) => tabActivated(tabId));
browser.tabs.onRemoved.addListener((tabId) => tabClosed(tabId));
browser.windows.onFocusChanged.addListener(async (windowId) => {
  if (windowId === browser.windows.WINDOW_ID_NONE) return;
  const [tab] = await browser.tabs.query({ active: true, windowId });
  if (tab?.id !== undefined) tabActivated(tab.id);
});

// CRM tabs hold a port open: when this worker is stopped the port breaks, the tab reconnects,
// and that wakes the worker at once, so a call is never left waiting for the watchdog.
browser.runtime.onConnect.addListener((port) => {
  // An open popup watches the team (issue 16): only our own popup page (in the toolbar, or opened
  // in a tab); a content script's sender is the page it runs in, never one of our pages.
  const popup = browser.runtime.getURL('popup.html');
  if (port.name === TEAM_PORT && port.sender?.id === browser.runtime.id && port.sender.url?.startsWith(popup))
    return watchFromPopup(port);
  if (port.name !== LIVENESS_PORT || port.sender?.id !== browser.runtime.id || !port.sender.tab) port.disconnect();
  else port.postMessage('ok');
});

browser.notifications.onClicked.addListener((id) => {
  if (!isCallNotification(id) && id !== ACCESS_NOTIFICATION) return;
  void browser.notifications.clear(id);
  if (id === ACCESS_NOTIFICATION) void browser.runtime.openOptionsPage();
  else void Promise.all([readState(), getSettings()]).then(([state, settings]) => openCrm(state, settings));
});

// Click-to-dial from the browser's UI (docs/dialing.md): the context menu and the shortcut.
const dialFailed = (error: unknown) => log.error('click-to-dial', error);
browser.contextMenus.onClicked.addListener((info, tab) => void onDialMenuClicked(info, tab).catch(dialFailed));
browser.commands.onCommand.addListener((command, tab) => void onDialCommand(command, tab).catch(dialFailed));
browser.notifications.onClicked.addListener((id) => void onDialNotificationClicked(id).catch(dialFailed));
// Answer and hang up from the keyboard (manifest commands), and a message's notification.
browser.commands.onCommand.addListener((command) => void onCallCommand(command).catch(dialFailed));
browser.notifications.onClicked.addListener((id) => void onChatNotificationClicked(id).catch(() => undefined));
browser.tabs.onRemoved.addListener((tabId) => void forgetDialTab(tabId).catch(() => undefined));
browser.runtime.onInstalled.addListener(() => void setUpDialMenus().catch(dialFailed));
browser.runtime.onStartup.addListener(() => void setUpDialMenus().catch(dialFailed));

browser.runtime.onInstalled.addListener(() => void restrictStorageToExtension());
browser.runtime.onStartup.addListener(() => void restrictStorageToExtension());

globalThis.addEventListener('online', onOnline);
globalThis.addEventListener('online', onOnlineAgain);

async function boot(): Promise<void> {
  // Before anything reads a setting: where settings live, and content scripts kept out of storage.
  await restrictStorageToExtension();
  await browser.alarms.create(WATCHDOG, { periodInMinutes: 0.5 });
  const state = await readState();
  updateBadge(state);
  // Whatever the last worker applied but may not have written to the history yet.
  void recordHistory(Object.values(state.book.calls));
  // Caller lookups a stopped worker left unanswered run again (docs/crm.md).
  void resumeLookups().catch((error) => log.warn('caller lookups', error));
  // Calls waiting for the CRM (docs/crm.md): a send a stopped worker left unanswered is checked first.
  void resumeCallLog().catch((error) => log.error('call log', error));
  void ensureHistoryAlarm().catch((error) => log.error('history alarm', error));
  void syncCrmScripts();
  // A restarted worker re-syncs every tab: whatever they show is pushed again.
  await resyncTabs();
  await ensureConnected();
}

void boot().catch((error) => log.error('start-up failed', error));
