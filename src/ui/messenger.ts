/** The typed messenger for extension pages (popup, options), and their UI strings. */
import browser from 'webextension-polyfill';
import { createMessenger } from '../shared/messenger';

export const send = createMessenger((message) => browser.runtime.sendMessage(message));

export { t, tOptional, uiLanguage } from '../i18n';
