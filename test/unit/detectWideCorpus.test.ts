/**
 * The wide corpus (test/fixtures/detect/wide): text adapted from real public pages (invoices,
 * quotes, order confirmations, e-mail signatures, contact tables and footers) in 18 countries,
 * with the traps those hold: IBANs, VAT, company-registration and tax numbers, dates, order and
 * invoice numbers, postcodes, bank references. The finder must reach precision ≥ 0.98 and
 * recall ≥ 0.97 on it, while the main corpus (detectQuality.test.ts) stays at 1.000.
 * `node scripts/detect-quality.mjs` prints the main corpus's misses; this test prints these.
 */
import { join } from 'node:path';
import { findPhoneNumbersInText } from 'libphonenumber-js/max';
import { findPhoneNumbers } from '../../src/shared/detect/findPhoneNumbers';
import { CORPUS_DIR, readCorpus, scoreCorpus } from '../support/detectCorpus';

const pages = readCorpus(join(CORPUS_DIR, 'wide'));
const score = scoreCorpus(findPhoneNumbers, pages);
const problems = score.pages.flatMap((page) => [
  ...page.falsePositives.map((text) => `${page.name}: false alarm ${text}`),
  ...page.missed.map((text) => `${page.name}: missed ${text}`),
]);

test('the wide corpus has at least 15 countries, 15 pages and 150 numbers', () => {
  expect(new Set(pages.map((page) => page.country)).size).toBeGreaterThanOrEqual(15);
  expect(pages.length).toBeGreaterThanOrEqual(15);
  expect(score.expected).toBeGreaterThanOrEqual(150);
});

test.each(pages.map((page) => [page.name, page] as const))('every label on %s is a valid number', (_name, page) => {
  const wrong: string[] = [];
  for (const node of page.nodes.filter((n) => n.label)) {
    // A labelled node may hold the words around its number ("Tel. 030 …, HRB 1234"): libphonenumber's
    // own search must find the label's number in it, valid, with the same extension.
    const text = node.text
      .replace(/(^|\s)00(?=[1-9])/g, '$1+')
      // The old Polish form "(0-42) 630 12 34": a trunk prefix libphonenumber no longer knows.
      .replace(/\(0[- ]?(\d{2})\)/, '($1)')
      .replace(/\s*(?:toestel|durchwahl|poste)\s*(\d+)/i, ' ext. $1');
    const found = findPhoneNumbersInText(text, page.country as never);
    const ok = found.some(
      ({ number }) =>
        number.isValid() && number.number === node.label?.e164 && (number.ext ?? '') === (node.label?.ext ?? ''),
    );
    if (!ok) wrong.push(`${text}: ${found.map(({ number }) => `${number.number} ext=${number.ext}`).join(', ')}`);
  }
  expect(wrong).toEqual([]);
});

test('precision on the wide corpus is at least 0.98', () => {
  expect({ precision: score.precision >= 0.98 ? 'ok' : score.precision, problems }).toMatchObject({ precision: 'ok' });
});

test('recall on the wide corpus is at least 0.97', () => {
  expect({ recall: score.recall >= 0.97 ? 'ok' : score.recall, problems }).toMatchObject({ recall: 'ok' });
});

test('the main corpus keeps every trap and every number while the wide corpus is met (1.000 / 1.000)', () => {
  const main = scoreCorpus(findPhoneNumbers);
  expect(main.pages.flatMap((page) => [...page.falsePositives, ...page.missed])).toEqual([]);
  expect(main.expected).toBeGreaterThanOrEqual(200);
});

describe('the rules the wide corpus asked for, each beside the trap it must not let through', () => {
  const find = (text: string, country: string) =>
    findPhoneNumbers(text, { defaultCountry: country }).map((m) => (m.ext ? `${m.e164};ext=${m.ext}` : m.e164));

  test('ranges dialled without the trunk prefix are numbers; other numbers without it are not', () => {
    expect(find('Bookings 1300 655 506, emergencies 1800 500 123', 'AU')).toEqual(['+611300655506', '+611800500123']);
    expect(find('Customer care 1800 425 3800 or your technician, 98200 12345', 'IN')).toEqual([
      '+9118004253800',
      '+919820012345',
    ]);
    expect(find('Capitais 4004-0001, SAC 11 4004-1234', 'BR')).toEqual(['+5540040001', '+551140041234']);
    // A French SIREN is a valid mobile once a 0 is put in front, an Australian ABN has no type at all.
    expect(find('SIREN 732 829 320 · RCS 552 032 534 · 0892 68 02 42', 'FR')).toEqual(['+33892680242']);
    expect(find('ABN 51 824 753 556 · ACN 004 085 616', 'AU')).toEqual([]);
  });

  test('identifier words that name phone lines suppress only the number right after them', () => {
    expect(find('Customer services 0161 234 5678', 'GB')).toEqual(['+441612345678']);
    expect(find('Account manager: 0412 345 678', 'AU')).toEqual(['+61412345678']);
    expect(find('Customer 0161 234 5678', 'GB')).toEqual([]);
    expect(find('Account no. 0161 234 5678', 'GB')).toEqual([]);
    expect(find('Order number 020 7946 0958', 'GB')).toEqual([]);
  });

  test('register numbers in footers stay out, the phone number beside them is found', () => {
    expect(find('KvK 34123456 | T 020-1234567 toestel 214', 'NL')).toEqual(['+31201234567;ext=214']);
    expect(find('DVR 0123456 · UID ATU12345678 · Tel. 01 512 34 56', 'AT')).toEqual(['+4315123456']);
    expect(find('CVR-nr. 12345678 · Telefon 33 12 34 56', 'DK')).toEqual(['+4533123456']);
  });

  test('dotted, dashed and old parenthesised national forms', () => {
    expect(find('Natel 079.123.45.67, Router 10.20.30.40', 'CH')).toEqual(['+41791234567']);
    expect(find('(0-42) 630 12 34 · 58-301-23-45 · NIP 526-104-08-28', 'PL')).toEqual(['+48426301234', '+48583012345']);
    expect(find('Telefon 0221 987654 Durchwahl 23', 'DE')).toEqual(['+49221987654;ext=23']);
    expect(find('Service client : 0 892 68 02 42 (0,35 €/min)', 'FR')).toEqual(['+33892680242']);
  });
});
