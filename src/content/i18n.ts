import browser from 'webextension-polyfill';

/** A UI string from _locales; the key itself if it is missing, so a gap is visible. */
export const t = (key: string, ...subs: string[]): string => browser.i18n.getMessage(key, subs) || key;
