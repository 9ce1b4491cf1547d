/** UI strings from _locales, for every context that draws (popup, options, the card). */
import browser from 'webextension-polyfill';

/** A UI string from _locales; the key itself if it is missing, so a gap is visible. */
export const t = (key: string, ...subs: string[]): string => browser.i18n.getMessage(key, subs) || key;

/** A UI string that may not exist (optional help texts): empty when it does not. */
export const tOptional = (key: string, ...subs: string[]): string => browser.i18n.getMessage(key, subs) || '';

/** The browser's UI language, for dates and country names. */
export const uiLanguage = (): string => browser.i18n.getUILanguage() || 'en';
