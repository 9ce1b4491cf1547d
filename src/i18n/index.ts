/** UI strings from _locales, for every context that draws (popup, options, the card). */
import { webext } from '../webext';

/** A UI string from _locales; the key itself if it is missing, so a gap is visible. */
export const t = (key: string, ...subs: string[]): string => webext().i18n.getMessage(key, subs) || key;

/** A UI string that may not exist (optional help texts): empty when it does not. */
export const tOptional = (key: string, ...subs: string[]): string => webext().i18n.getMessage(key, subs) || '';

/** The browser's UI language, for dates and country names. */
export const uiLanguage = (): string => webext().i18n.getUILanguage() || 'en';

/**
 * A UI string for a count: `key_one`, `key_few`, `key_many` or `key_other`, whichever form
 * `Intl.PluralRules` picks for `n`, `key_other` when that form is missing. The rules are those
 * of the messages' own language (`languageTag`), not the browser's: a browser in a language
 * PopLine lacks gets English text, and English plurals. $1 is `n` written the UI language's way.
 */
export function tPlural(key: string, n: number, ...subs: string[]): string {
  const form = new Intl.PluralRules(webext().i18n.getMessage('languageTag') || 'en').select(n);
  const all = [new Intl.NumberFormat(uiLanguage()).format(n), ...subs];
  return webext().i18n.getMessage(`${key}_${form}`, all) || webext().i18n.getMessage(`${key}_other`, all) || key;
}
