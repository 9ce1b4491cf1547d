/**
 * System notifications: a call shows as one when no CRM tab can show its card (none open, or
 * cards set to "nowhere"); clicking it brings the CRM forward. Also warnings about access: a
 * refused token, and a token about to expire.
 */
import browser from 'webextension-polyfill';
import { t } from '../../i18n';
import type { Call } from '../../shared/calls';
import { displayText } from '../../shared/format';
import { log } from '../../shared/log';
import { formatNumber } from '../../shared/phone';
import type { Settings } from '../../shared/settings';
import type { RuntimeState } from '../storage';
import { lastUsedTab } from '../tabs';

const CALL_PREFIX = 'popline-call-';
export const ACCESS_NOTIFICATION = 'popline-access';
const ICON = 'icons/icon-128.png';

function show(id: string, title: string, message: string): void {
  browser.notifications
    .create(id, { type: 'basic', iconUrl: browser.runtime.getURL(ICON), title, message })
    .catch((error) => log.warn('notification failed', error));
}

const clear = (id: string) => void browser.notifications.clear(id).catch(() => undefined);

/** What a call's notification should say now, or null for none. */
function noticeFor(call: Call, cardsVisible: boolean, alreadyShown: string | undefined): 'ringing' | 'missed' | null {
  const inbound = call.direction !== 'outbound';
  if (!inbound) return null;
  if (call.phase === 'ringing' && !cardsVisible) return 'ringing';
  if (call.endReason === 'missed' && (!cardsVisible || alreadyShown)) return 'missed';
  return null;
}

/** Updates notifications for the calls that changed. Must run inside `mutate`. */
export function notifyCalls(state: RuntimeState, settings: Settings, changed: Call[]): void {
  if (!settings.cards.notifications) return;
  const cardsVisible = settings.cards.target !== 'none' && Object.keys(state.tabs).length > 0;
  let notified = state.notified;
  // Calls that rang in while in Do Not Disturb: no notification (background/team).
  const quiet = new Set(state.team.quiet);
  for (const call of changed) {
    if (quiet.has(call.sessionId) && call.answeredAt === undefined) continue;
    const shown = notified[call.sessionId];
    const notice = noticeFor(call, cardsVisible, shown);
    const id = CALL_PREFIX + call.sessionId;
    if (notice && notice !== shown) {
      const who = displayText(call.remoteName) || formatNumber(call.remoteNumber, settings.phone.defaultCountry);
      const number = formatNumber(call.remoteNumber, settings.phone.defaultCountry);
      show(id, t(notice === 'ringing' ? 'notifyIncoming' : 'notifyMissed', who), displayText(number, 64));
      notified = { ...notified, [call.sessionId]: notice };
    } else if (!notice && shown) {
      clear(id);
      const { [call.sessionId]: _gone, ...rest } = notified;
      notified = rest;
    }
  }
  // Forget notifications of calls the book no longer has.
  for (const id of Object.keys(notified)) {
    if (!state.book.calls[id] && notified[id] !== 'missed') {
      const { [id]: _gone, ...rest } = notified;
      notified = rest;
    }
  }
  state.notified = notified;
}

/** The page a notification opens when no CRM tab is open. */
export function crmHomeUrl(settings: Settings): string | null {
  if (settings.crm.homeUrl) return settings.crm.homeUrl;
  for (const site of settings.crm.sites) {
    const match = /^(https?):\/\/([^*/]+)(\/[^*]*)/.exec(site.pattern);
    if (match && site.card) return `${match[1]}://${match[2]}${match[3]}`;
  }
  return null;
}

/** A click on a call notification: focus the CRM tab used last, or open the CRM. */
export async function openCrm(state: RuntimeState, settings: Settings): Promise<void> {
  const tabId = lastUsedTab(state.tabs);
  if (tabId !== undefined) {
    const tab = await browser.tabs.update(tabId, { active: true }).catch(() => undefined);
    if (tab?.windowId !== undefined) {
      await browser.windows.update(tab.windowId, { focused: true }).catch(() => undefined);
      return;
    }
  }
  const url = crmHomeUrl(settings);
  // No browser window open (Chrome kept running in the background): a tab needs a window first.
  if (url) await browser.tabs.create({ url }).catch(() => browser.windows.create({ url, focused: true }));
}

export const isCallNotification = (id: string) => id.startsWith(CALL_PREFIX);

/** Tells the agent once when access is refused, in words that say what to do. */
export function notifyAccess(settings: Settings, message: string): void {
  if (settings.cards.notifications) show(ACCESS_NOTIFICATION, t('notifyAccessTitle'), message);
}
