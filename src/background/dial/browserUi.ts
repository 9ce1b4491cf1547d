/**
 * Dialing from the browser's own UI: the context menu (on a selection, or on a tel:, callto:
 * or sip: link) and the keyboard shortcut (commands API) that dials the selected text. Both are
 * user gestures by nature. The outcome is shown in the page, near where the agent was (the
 * content script is injected for that if the page has none: both grant activeTab), else as a
 * notification. A confirmation is asked in PopLine's confirmation window (dial/index.ts); on a
 * page that is not a CRM site it always is, showing the parsed number before it is dialled.
 */
import browser, { type Menus, type Tabs } from 'webextension-polyfill';
import { t } from '../../i18n';
import type { DialOutcome } from '../../shared/dial/messages';
import { log } from '../../shared/log';
import { failureKey } from '../../shared/outcome';
import { sendToTab } from '../messaging/sendToTab';
import { dialFromBrowser } from '.';

export const MENU_SELECTION = 'popline-dial-selection';
export const MENU_LINK = 'popline-dial-link';
export const DIAL_COMMAND = 'dial-selection';
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
  await dialAndShow(input ?? '', tab, 'menu');
}

export async function onDialCommand(command: string, tab: Tabs.Tab | undefined): Promise<void> {
  if (command !== DIAL_COMMAND) return;
  const active = tab ?? (await browser.tabs.query({ active: true, currentWindow: true }))[0];
  const selection = active?.id === undefined ? '' : await readSelection(active.id);
  await dialAndShow(selection, active, 'selection');
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

async function dialAndShow(input: string, tab: Tabs.Tab | undefined, near: 'menu' | 'selection'): Promise<void> {
  const tabId = tab?.id;
  // The tab's address decides whether this is a CRM site (both gestures grant activeTab).
  const url =
    tab?.url ?? (tabId === undefined ? undefined : (await browser.tabs.get(tabId).catch(() => undefined))?.url);
  const outcome = await dialFromBrowser(input, tabId ?? -1, url);
  if (outcome.status === 'confirm') return; // Asked in the confirmation window, which shows the outcome.
  if (tabId !== undefined && (await showInTab(tabId, outcome, near))) return;
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

function notify(outcome: Exclude<DialOutcome, { status: 'confirm' }>): void {
  const message =
    outcome.status === 'dialing'
      ? t('clickDialCalling', outcome.display)
      : t(failureKey(outcome.code), outcome.detail ?? outcome.display ?? '');
  browser.notifications
    .create(NOTIFY_RESULT, {
      type: 'basic',
      iconUrl: browser.runtime.getURL('icons/icon-128.png'),
      title: 'PopLine',
      message,
    })
    .catch((error) => log.warn('dial notification failed', error));
}

/** A click on a dial notification: it goes (it never answers a question: the window does). */
export async function onDialNotificationClicked(id: string): Promise<void> {
  if (id === NOTIFY_RESULT) await browser.notifications.clear(id);
}
