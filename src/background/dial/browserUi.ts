/**
 * Dialing from the browser's own UI: the context menu (on a selection, or on a tel:, callto:
 * or sip: link) and the keyboard shortcut (commands API) that dials the selected text. Both are
 * user gestures by nature. The outcome is shown in the page, near where the agent was (the
 * content script is injected for that if the page has none: both grant activeTab), else as a
 * notification, which is also where a confirmation goes when the page cannot ask.
 */
import browser, { type Menus, type Tabs } from 'webextension-polyfill';
import { t } from '../../i18n';
import type { DialOutcome } from '../../shared/dial/messages';
import { log } from '../../shared/log';
import { failureKey } from '../../shared/outcome';
import { sendToTab } from '../messaging/sendToTab';
import { confirmFromNotification, dialFromBrowser, rebindToNotification } from '.';

export const MENU_SELECTION = 'popline-dial-selection';
export const MENU_LINK = 'popline-dial-link';
export const DIAL_COMMAND = 'dial-selection';
const NOTIFY_CONFIRM = 'popline-dial-confirm:';
const NOTIFY_RESULT = 'popline-dial-result';
const LINK_SCHEMES = ['tel:*', 'callto:*', 'sip:*', 'sips:*'];

/** (Re)creates the menu items; called on install, update and browser start. */
export async function setUpDialMenus(): Promise<void> {
  await browser.contextMenus.removeAll();
  const create = (properties: Menus.CreateCreatePropertiesType) =>
    new Promise<void>((resolve) => {
      browser.contextMenus.create(properties, () => {
        const error = (globalThis as { chrome?: typeof chrome }).chrome?.runtime?.lastError;
        if (error) log.warn(`menu ${String(properties.id)}: ${error.message}`);
        resolve();
      });
    });
  await create({ id: MENU_SELECTION, title: t('clickDialMenuSelection'), contexts: ['selection'] });
  await create({
    id: MENU_LINK,
    title: t('clickDialMenuLink'),
    contexts: ['link'],
    targetUrlPatterns: LINK_SCHEMES,
  });
}

export async function onDialMenuClicked(info: Menus.OnClickData, tab: Tabs.Tab | undefined): Promise<void> {
  const input = info.menuItemId === MENU_LINK ? info.linkUrl : info.selectionText;
  if (info.menuItemId !== MENU_LINK && info.menuItemId !== MENU_SELECTION) return;
  await dialAndShow(input ?? '', tab?.id, 'menu');
}

export async function onDialCommand(command: string, tab: Tabs.Tab | undefined): Promise<void> {
  if (command !== DIAL_COMMAND) return;
  const tabId = tab?.id ?? (await browser.tabs.query({ active: true, currentWindow: true }))[0]?.id;
  const selection = tabId === undefined ? '' : await readSelection(tabId);
  await dialAndShow(selection, tabId, 'selection');
}

/** Runs in the page (isolated world): the selected text, also inside a text field. */
function selectedText(): string {
  const field = document.activeElement;
  if (field instanceof HTMLInputElement || field instanceof HTMLTextAreaElement) {
    try {
      const { selectionStart: from, selectionEnd: to, value } = field;
      if (from !== null && to !== null && to > from) return value.slice(from, to).slice(0, 1024);
    } catch {
      // Inputs of some types have no selection; fall through to the page's.
    }
  }
  return String(getSelection() ?? '').slice(0, 1024);
}

async function readSelection(tabId: number): Promise<string> {
  try {
    const [frame] = await browser.scripting.executeScript({ target: { tabId }, func: selectedText });
    return typeof frame?.result === 'string' ? frame.result : '';
  } catch (error) {
    log.warn('could not read the selection', error);
    return '';
  }
}

async function dialAndShow(input: string, tabId: number | undefined, near: 'menu' | 'selection'): Promise<void> {
  const outcome = await dialFromBrowser(input, tabId ?? -1);
  if (tabId !== undefined && (await showInTab(tabId, outcome, near))) return;
  if (outcome.status === 'confirm') await rebindToNotification(outcome.ticket);
  notify(outcome);
}

/** Shows the outcome in the tab; injects the content script first when the page has none. */
async function showInTab(tabId: number, outcome: DialOutcome, near: 'menu' | 'selection'): Promise<boolean> {
  const deliver = () =>
    sendToTab(tabId, 'dialOutcome', { outcome, near }).then(
      (shown) => shown,
      () => false,
    );
  if (await deliver()) return true;
  try {
    await browser.scripting.executeScript({ target: { tabId, frameIds: [0] }, files: ['content.js'] });
  } catch {
    return false; // A page no extension may touch (browser pages, the web store, a PDF viewer).
  }
  return deliver();
}

function notify(outcome: DialOutcome): void {
  const id = outcome.status === 'confirm' ? NOTIFY_CONFIRM + outcome.ticket : NOTIFY_RESULT;
  const message =
    outcome.status === 'confirm'
      ? t('clickDialNotifyConfirm', outcome.display, outcome.reasons.map((r) => t(`clickDialReason_${r}`)).join(' '))
      : outcome.status === 'dialing'
        ? t('clickDialCalling', outcome.display)
        : t(failureKey(outcome.code), outcome.detail ?? outcome.display ?? '');
  browser.notifications
    .create(id, {
      type: 'basic',
      iconUrl: browser.runtime.getURL('icons/icon-128.png'),
      title: outcome.status === 'confirm' ? t('clickDialConfirmTitle', outcome.display) : 'PopLine',
      message,
    })
    .catch((error) => log.warn('dial notification failed', error));
}

/** A click on a dial notification: a confirmation answered yes. */
export async function onDialNotificationClicked(id: string): Promise<void> {
  if (!id.startsWith(NOTIFY_CONFIRM) && id !== NOTIFY_RESULT) return;
  await browser.notifications.clear(id);
  if (id.startsWith(NOTIFY_CONFIRM)) notify(await confirmFromNotification(id.slice(NOTIFY_CONFIRM.length)));
}
