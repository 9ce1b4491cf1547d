/** The typed messenger for extension pages (popup, options). */
import browser from 'webextension-polyfill';
import { createMessenger } from '../shared/messenger';

export const send = createMessenger((message) => browser.runtime.sendMessage(message));
export const t = (key: string, ...subs: string[]): string => browser.i18n.getMessage(key, subs) || key;
