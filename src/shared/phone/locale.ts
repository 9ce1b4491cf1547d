/** Guessing the agent's country from the browser's languages, for the first run's defaults. */

/** Where a language without a region is mostly spoken (the languages PopLine is likely used in). */
const LANGUAGE_COUNTRY: Record<string, string> = {
  hu: 'HU',
  de: 'DE',
  fr: 'FR',
  it: 'IT',
  es: 'ES',
  pt: 'PT',
  nl: 'NL',
  pl: 'PL',
  cs: 'CZ',
  sk: 'SK',
  ro: 'RO',
  sv: 'SE',
  da: 'DK',
  fi: 'FI',
  nb: 'NO',
  el: 'GR',
  ja: 'JP',
  en: 'US',
};

/**
 * The first usable country in a list of BCP 47 tags (`de-AT` → `AT`, `hu` → `HU`), or
 * `fallback`. A region is taken before a guess from a bare language.
 */
export function countryFromLocales(locales: readonly string[], fallback = 'US'): string {
  for (const tag of locales) {
    const region = /^[a-z]{2,3}(?:[-_][A-Za-z]{4})?[-_]([A-Za-z]{2})(?:$|[-_])/.exec(tag.trim())?.[1];
    if (region) return region.toUpperCase();
  }
  for (const tag of locales) {
    const language = /^([a-z]{2,3})/i.exec(tag.trim())?.[1]?.toLowerCase();
    const country = language ? LANGUAGE_COUNTRY[language] : undefined;
    if (country) return country;
  }
  return fallback;
}
