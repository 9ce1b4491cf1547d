/**
 * What makes a run of digits not a phone number. Every rule here was written against a trap in
 * the corpus (test/fixtures/detect) and is cheap: plain string checks, run before the costly
 * libphonenumber validation. Pure functions, no browser API.
 */

/** Words after which a number is an identifier, an amount or a code, not a phone number. */
const NOT_PHONE_WORDS = [
  // English
  'order',
  'ord',
  'invoice',
  'inv',
  'po',
  'ref',
  'reference',
  'account',
  'acct',
  'acc',
  'id',
  'no',
  'nr',
  'ticket',
  'case',
  'tracking',
  'parcel',
  'shipment',
  'serial',
  'sn',
  'imei',
  'iban',
  'bic',
  'swift',
  'vat',
  'tax',
  'ein',
  'ssn',
  'nhs',
  'zip',
  'postcode',
  'sku',
  'ean',
  'isbn',
  'build',
  'version',
  'ver',
  'release',
  'rev',
  'revision',
  'contract',
  'policy',
  'claim',
  'member',
  'customer',
  'licence',
  'license',
  'auth',
  'code',
  'pin',
  'transaction',
  'txn',
  'quote',
  'amount',
  'total',
  'balance',
  'price',
  'qty',
  'commit',
  'checksum',
  // German
  'rechnung',
  'rechnungsnummer',
  'bestellnummer',
  'bestellung',
  'lieferschein',
  'auftrag',
  'kundennummer',
  'kunden-nr',
  'kd-nr',
  'steuernummer',
  'st.-nr',
  'ust-idnr',
  'hrb',
  'hra',
  'plz',
  'mandatsreferenz',
  'vertrag',
  // French
  'facture',
  'commande',
  'siret',
  'siren',
  'tva',
  'finess',
  'n°',
  'nº',
  // Hungarian
  'számla',
  'rendelés',
  'azonosító',
  'adószám',
  'taj',
  'cégjegyzékszám',
  'bankszámla',
  'ügyfélszám',
  // Company, tax and bank registers that real footers and invoices print next to the phone number
  'kvk',
  'kvk-nummer',
  'btw',
  'uid',
  'mwst',
  'dvr',
  'fn',
  'gisa-zahl',
  'firmenbuch',
  'handelsregister',
  'ust-id',
  'cvr',
  'cvr-nr',
  'se-nr',
  'kontonr',
  'reg.nr',
  'org.nr',
  'momsreg.nr',
  'bankgiro',
  'plusgiro',
  'ocr',
  'abn',
  'acn',
  'bsb',
  'bpay',
  'nip',
  'regon',
  'krs',
  'cnpj',
  'cpf',
  'cep',
  'gstin',
  'cin',
  'pan',
  'awb',
  'p.iva',
  'c.f',
  'rea',
  'cif',
  'nif',
  'cro',
  'eircode',
  'rcs',
  'ape',
  'duns',
  'usdot',
  'fca',
  'ondernemingsnummer',
  'klantnummer',
  'factuurnummer',
  'kundennr',
  'kundnr',
  'kundenr',
  'fakturanr',
];

/**
 * Identifier words that also open the names of phone lines ("Customer services", "Account
 * manager", "Claims line", "Order hotline"): they make a number an identifier only when they
 * are the closest word to it, or followed by nothing but a word for "number" ("Customer no.").
 */
const WEAK_NOT_PHONE_WORDS = [
  'order',
  'account',
  'customer',
  'member',
  'policy',
  'claim',
  'claims',
  'case',
  'ticket',
  'tracking',
  'parcel',
  'shipment',
  'contract',
  'quote',
  'transaction',
  'auftrag',
  'bestellung',
  'vertrag',
  'commande',
];
/** Words that only say "number" (or "ID"). */
const NUMBER_WORDS = new Set([
  'no',
  'nr',
  'n°',
  'nº',
  'number',
  'numéro',
  'numero',
  'número',
  'nummer',
  'numer',
  'id',
  'nummern',
]);

/** Words after which a number is a phone number even without formatting. */
const PHONE_WORDS = [
  'tel',
  'tél',
  'phone',
  'call',
  'ring',
  'dial',
  'mobile',
  'mobil',
  'cell',
  'fax',
  'hotline',
  'telefon',
  'téléphone',
  'portable',
  'standard',
  'telefonszám',
  'mob',
  'direct',
  'switchboard',
  'whatsapp',
  // Names of phone lines and phone words of the wide corpus's countries
  'contact',
  'helpline',
  'freephone',
  'lo-call',
  'ph',
  'tlf',
  'telefoon',
  'mobiel',
  'gsm',
  'telefono',
  'teléfono',
  'móvil',
  'movil',
  'cellulare',
  'cell',
  'cel',
  'celular',
  'fone',
  'natel',
  'handy',
  'direktwahl',
  'durchwahl',
  'zentrale',
  'kom',
  'komórka',
  'infolinia',
  'växel',
  'vagttelefon',
];

const WEAK_NOT_PHONE = new Set(WEAK_NOT_PHONE_WORDS);
const NOT_PHONE = new Set(NOT_PHONE_WORDS.filter((word) => !WEAK_NOT_PHONE.has(word)));
const PHONE = new Set(PHONE_WORDS);
/** Words that only say "number": after a phone word ("Phone no.", "Tel.-Nr.") they mean a phone number. */
const GENERIC_NUMBER_WORDS = new Set(['no', 'nr', 'n°', 'nº']);
/** A symbol that marks a number as an identifier ("#0127", "№ 12"). */
const ID_MARK = /[#№]\s*$/;
/** How far back the words before a number are read. */
const CONTEXT_CHARS = 40;
/** How many words back a keyword still counts. */
const CONTEXT_WORDS = 4;

export type Context = 'phone' | 'notPhone' | 'neutral';

const isWordChar = (code: number) =>
  (code >= 97 && code <= 122) || // a-z (the text is lower-cased)
  code === 45 || // -
  code === 46 || // .
  code === 176 || // °
  code === 186 || // º
  (code >= 0xc0 && code !== 0xd7 && code !== 0xf7); // accented and other letters

/**
 * The last few words before a number, closest first, lower-cased and without trailing dots:
 * "Tel.-Nr.: " → ["tel.-nr"]. A scan, not a regular expression: it runs for every candidate.
 */
function wordsBefore(before: string): string[] {
  const text = before.slice(-CONTEXT_CHARS).toLowerCase();
  const words: string[] = [];
  let end = text.length;
  for (let i = text.length - 1; i >= -1 && words.length < CONTEXT_WORDS; i--) {
    if (i >= 0 && isWordChar(text.charCodeAt(i))) continue;
    if (end > i + 1) {
      const word = text.slice(i + 1, end).replace(/[.-]+$/, '');
      if (word) words.push(word);
    }
    end = i;
  }
  return words;
}

/** What the few words before a number say about it: the word closest to the number decides. */
export function contextBefore(before: string): Context {
  if (ID_MARK.test(before)) return 'notPhone';
  const words = wordsBefore(before);
  for (let i = 0; i < words.length; i++) {
    const word = words[i] as string;
    if (PHONE.has(word)) return 'phone';
    if (WEAK_NOT_PHONE.has(word)) {
      // "Order 4501…", "Customer no. 1002…" but not "Customer services 0161…".
      if (words.slice(0, i).every((w) => NUMBER_WORDS.has(w))) return 'notPhone';
      continue;
    }
    if (!NOT_PHONE.has(word)) continue;
    // "Phone no. 0161…": a generic number word right after a phone word.
    if (GENERIC_NUMBER_WORDS.has(word) && PHONE.has(words[i + 1] ?? '')) return 'phone';
    return 'notPhone';
  }
  return 'neutral';
}

const CURRENCY_BEFORE = /(?:[$€£¥₤₹₽]|\b(?:EUR|USD|GBP|HUF|CHF|PLN|CZK|SEK|NOK|DKK|Ft|kr)\.?)\s?$/i;
const CURRENCY_AFTER = /^\s?(?:[$€£¥₤₹₽%]|(?:EUR|USD|GBP|HUF|CHF|PLN|CZK|SEK|NOK|DKK|Ft|kr|euros?|dollars?|forint)\b)/i;

/** A currency sign or code right next to the number: it is an amount. */
export const nextToCurrency = (before: string, after: string) =>
  CURRENCY_BEFORE.test(before.slice(-5)) || CURRENCY_AFTER.test(after.slice(0, 9));

const isDay = (s: string) => Number(s) >= 1 && Number(s) <= 31;
const isMonth = (s: string) => Number(s) >= 1 && Number(s) <= 12;
const isYear = (s: string) => /^(?:\d{2}|1[89]\d\d|20\d\d)$/.test(s);

/** Dates in the usual orders: 12.03.2024, 03/12/24, 2024-03-12, 2024.03.12. (with a trailing dot). */
function isDate(text: string): boolean {
  const match = /^(\d{1,4})([./-])(\d{1,2})\2(\d{1,4})\.?$/.exec(text);
  if (!match) return false;
  const [, a = '', , b = '', c = ''] = match;
  if (a.length === 4) return isYear(a) && isMonth(b) && isDay(c);
  if (c.length !== 2 && c.length !== 4) return false;
  return isYear(c) && ((isDay(a) && isMonth(b)) || (isMonth(a) && isDay(b)));
}

/** A candidate's text with its digits and its groups of digits, computed once. */
export interface Shape {
  text: string;
  digits: string;
  /** The runs of digits between separators: "(030) 123-45" → ["030", "123", "45"]. */
  parts: string[];
}

export function shapeOf(text: string): Shape {
  const parts = text.split(/\D+/).filter(Boolean);
  return { text, digits: parts.join(''), parts };
}

/** 1,234,567 or 1.234.567 or 1 234 567: a thousands grouping. */
const THOUSANDS = /^\d{1,3}([ .,\u00a0\u202f])\d{3}(?:\1\d{3})+$/;

/** Shapes that are never phone numbers, whatever the digits. */
export function trapShape({ text, digits, parts }: Shape): string | undefined {
  if (parts.length === 3 && isDate(text)) return 'date';
  if (parts.length === 2 && /^\d{5}-\d{4}$/.test(text)) return 'ZIP+4';
  if (parts.length >= 3 && /^\d+(?:\.\d+)+$/.test(text)) {
    // "079.123.45.67" is a Swiss mobile: IP addresses do not write leading zeros.
    if (parts.length === 4 && parts.every((part) => part.length <= 3 && (part.length === 1 || part[0] !== '0'))) {
      return 'IP address';
    }
    if (parts.some((part, i) => i > 0 && part.length === 1)) return 'version';
  }
  if (parts.length === 4 && parts.every((part) => part.length === 4)) return 'card number';
  if (digits.length >= 13 && !/^(?:\+|00)/.test(text) && luhn(digits)) return 'card number';
  if (parts.length >= 3 && /[.,]/.test(text) && THOUSANDS.test(text)) return 'amount';
  return undefined;
}

const YEAR = /^(?:19[5-9]\d|20[0-4]\d)$/;

/** A year as the first group, or as the second of two ("2024-000875", "R 0301 2024"). */
export function yearGroup(parts: readonly string[]): boolean {
  if (parts.length < 2 || parts.length > 3) return false;
  return YEAR.test(parts[0] ?? '') || (parts.length === 2 && YEAR.test(parts[1] ?? ''));
}

/**
 * North American numbers are grouped 3-3-4 (or 3-7, or not at all), after an optional 1:
 * "7744-1200-88" is a reference number even though its digits make a valid +1 number.
 */
export function nanpGrouping(parts: readonly string[]): boolean {
  const first = parts[0];
  const rest = first === '1' || first === '001' || first === '011' ? parts.slice(1) : parts;
  const shape = rest.map((part) => part.length).join('-');
  return shape === '3-3-4' || shape === '3-7' || shape === '10';
}

/** The Luhn checksum that card numbers (and IMEIs) carry. */
export function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}
