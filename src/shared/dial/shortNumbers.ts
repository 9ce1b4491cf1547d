/**
 * Short numbers that are not internal extensions, and long numbers the phone metadata does not
 * flag as costly (issue 18, gap 4). Every pattern here is anchored and has no nested
 * quantifier; they only ever see a short string of digits.
 *
 * Emergency numbers by country. Sources: ETSI TS 122 101 / 3GPP TS 22.101 §10 (112 and 911
 * on every GSM/UMTS phone), the EU's 112 (Directive (EU) 2018/1972, art. 109) and 116/117
 * harmonised services, and each country's regulator list as collected in Wikipedia's
 * "List of emergency telephone numbers" (checked 2026-12): police / ambulance / fire.
 */
export const UNIVERSAL_EMERGENCY = ['112', '911'] as const;

export const EMERGENCY_BY_COUNTRY: Readonly<Record<string, readonly string[]>> = {
  US: ['911', '933'],
  CA: ['911'],
  GB: ['999', '112'],
  IE: ['999', '112'],
  DE: ['110', '112', '116117'],
  AT: ['112', '122', '133', '144', '140', '141'],
  CH: ['112', '117', '118', '144', '1414'],
  FR: ['112', '15', '17', '18', '114', '115', '196', '197'],
  BE: ['112', '100', '101'],
  NL: ['112'],
  LU: ['112', '113'],
  IT: ['112', '113', '115', '118'],
  ES: ['112', '091', '092', '061', '080', '085'],
  PT: ['112'],
  HU: ['112', '104', '105', '107'],
  PL: ['112', '997', '998', '999'],
  CZ: ['112', '150', '155', '158'],
  SK: ['112', '150', '155', '158'],
  DK: ['112', '114'],
  SE: ['112'],
  NO: ['112', '113', '110'],
  FI: ['112'],
  GR: ['112', '100', '166', '199'],
  RO: ['112'],
  AU: ['000', '112', '106'],
  NZ: ['111'],
  JP: ['110', '119', '118'],
  CN: ['110', '119', '120', '122'],
  IN: ['112', '100', '101', '102', '108'],
  BR: ['190', '192', '193'],
  MX: ['911'],
  ZA: ['10111', '10177', '112'],
  IL: ['100', '101', '102'],
  TR: ['112', '155', '156'],
  RU: ['112', '101', '102', '103'],
  UA: ['112', '101', '102', '103'],
};

/** The emergency numbers that count for a country: its own and the ones every mobile knows. */
export function emergencyNumbers(country: string): ReadonlySet<string> {
  const own = Object.hasOwn(EMERGENCY_BY_COUNTRY, country) ? (EMERGENCY_BY_COUNTRY[country] ?? []) : [];
  return new Set([...UNIVERSAL_EMERGENCY, ...own]);
}

/**
 * Short premium-rate services: directory enquiries (118xxx in GB since Ofcom's 2003 numbering,
 * FR since ARCEP's 2005 opening; 118xx in DE/AT/CH/IT, priced by the provider, often over
 * €2 a minute), and mass-calling short codes.
 */
const SHORT_PREMIUM: Readonly<Record<string, RegExp>> = {
  GB: /^118\d{3}$/,
  IE: /^118\d{2,3}$/,
  FR: /^118\d{3}$/,
  DE: /^118\d{2,3}$/,
  AT: /^118\d{2,3}$/,
  CH: /^18\d{2}$/,
  IT: /^1[24]\d{2}$/,
  ES: /^118\d{2}$/,
  HU: /^198$/,
};

export function isShortPremium(digits: string, country: string): boolean {
  const pattern = Object.hasOwn(SHORT_PREMIUM, country) ? SHORT_PREMIUM[country] : undefined;
  return !!pattern && pattern.test(digits);
}

/**
 * E.164 ranges that cost like premium rate but that libphonenumber types otherwise: UK 070
 * "personal numbers" and DE 0700 (PERSONAL_NUMBER, Ofcom and BNetzA warn of fraud), DE
 * 0137/0138 mass-calling (typed SHARED_COST, up to €1 a call), and satellite and
 * international-network codes +870, +881, +882, +883 (several euros a minute).
 */
const COSTLY_E164 = /^\+(?:4470|49700|4913[78]|870|88[123])/;
const COSTLY_TYPES: ReadonlySet<string> = new Set(['PREMIUM_RATE', 'PERSONAL_NUMBER']);

export const isCostly = (e164: string, type: string | undefined) =>
  (type !== undefined && COSTLY_TYPES.has(type)) || COSTLY_E164.test(e164);

/** Longest short string an internal-extension pattern is tried on (keeps any admin pattern cheap). */
export const MAX_SHORT = 16;

/** The admin's internal-extension pattern (`dial.internalPattern`), or null when it does not compile. */
export function internalPattern(source: string): RegExp | null {
  if (source.length > 256) return null;
  try {
    return new RegExp(source);
  } catch {
    return null;
  }
}
