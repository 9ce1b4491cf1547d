/** findPhoneNumbers: the formats it must find, the traps it must not mark, and its offsets. */
import { findPhoneNumbers } from '../../src/shared/detect/findPhoneNumbers';

const find = (text: string, defaultCountry = 'US') => findPhoneNumbers(text, { defaultCountry });
/** What was found, as `text → E.164[;ext=N]`. */
const found = (text: string, defaultCountry = 'US') =>
  find(text, defaultCountry).map((m) => `${text.slice(m.start, m.end)} → ${m.e164}${m.ext ? `;ext=${m.ext}` : ''}`);

describe('national and international numbers in the usual formats', () => {
  test.each([
    ['US', '(212) 555-0142', '+12125550142'],
    ['US', '212-555-0142', '+12125550142'],
    ['US', '212.555.0142', '+12125550142'],
    ['US', '212 555 0142', '+12125550142'],
    ['US', '1-800-555-0199', '+18005550199'],
    ['US', '+1 (415) 555-0132', '+14155550132'],
    ['GB', '020 7946 0123', '+442079460123'],
    ['GB', '+44 (0)20 7946 0958', '+442079460958'],
    ['GB', '(0113) 496 0789', '+441134960789'],
    ['GB', '0044 117 496 0346', '+441174960346'],
    ['DE', '030 1234567', '+49301234567'],
    ['DE', '089/1234567', '+49891234567'],
    ['DE', '(0221) 123456', '+49221123456'],
    ['DE', '+49 (0)40 123 456-0', '+49401234560'],
    ['DE', '0049 211 987654', '+49211987654'],
    ['FR', '01 23 45 67 89', '+33123456789'],
    ['FR', '04.72.12.34.56', '+33472123456'],
    ['FR', '04-72-12-34-57', '+33472123457'],
    ['FR', '+33 (0)1 45 67 89 01', '+33145678901'],
    ['HU', '+36 1 234 5678', '+3612345678'],
    ['HU', '06 20 123 4567', '+36201234567'],
    ['HU', '06-1-234-5679', '+3612345679'],
    ['HU', '(1) 234-5680', '+3612345680'],
    ['HU', '70/555-6677', '+36705556677'],
    ['US', '+49 30 1234567', '+49301234567'],
    ['US', '011 44 20 7946 0556', '+442079460556'],
    ['US', '001 212 555 0105', '+12125550105'],
  ])('%s: %s', (country, text, e164) => {
    expect(found(`Call ${text} today`, country)).toEqual([`${text} → ${e164}`]);
  });
});

describe('extensions are kept', () => {
  test.each([
    ['+1 (415) 555-0132 x204', '204'],
    ['617-555-0125 ext. 12', '12'],
    ['617-555-0125 ext 12', '12'],
    ['602-555-0148;ext=3301', '3301'],
    ['512-555-0155 extension 7', '7'],
    ['201.555.0174 x 55', '55'],
  ])('%s', (text, ext) => {
    const [match] = find(`Tel: ${text}.`);
    expect(match?.ext).toBe(ext);
    expect(`Tel: ${text}.`.slice(match?.start, match?.end)).toBe(text);
  });
});

describe('traps are not marked', () => {
  test.each([
    ['dates', 'Due 12/03/2024, paid 2024-03-12, shipped 12.03.2024, 03/12/24, 2024.03.12.', 'US'],
    ['dates and times', 'Updated 12.03.2024 14:30, 2024-03-12 14:30:00, 09:00–17:30', 'DE'],
    ['ISO timestamps', 'at 2024-03-12T14:30:00Z and 2024-03-12T14:29:58.123+01:00', 'US'],
    ['date ranges', 'from 01.01.2024 - 31.12.2024 and 09/17/2024–09/16/2025', 'DE'],
    ['invoice and order numbers', 'Invoice INV-2024-001234, order #4501234567, Order 7702345619, PO 4509912345', 'US'],
    ['German references', 'Rechnung RE-2024-00123, Bestellnummer 4501234567, Steuernummer: 21/815/08150', 'DE'],
    ['UUIDs', 'id 550e8400-e29b-41d4-a716-446655440000 and 00112233-4455-6677-8899-aabbccddeeff', 'US'],
    ['IBANs', 'IBAN DE89 3704 0044 0532 0130 00, HU42 1177 3016 1111 1018 0000 0000', 'DE'],
    ['card numbers', 'Card 4111 1111 1111 1111, 5555-5555-5555-4444, Amex 3782 822463 10005', 'DE'],
    ['US ZIP+4', 'San Francisco, CA 94105-1804 and Chicago, IL 60606-6306', 'US'],
    ['version numbers', 'Build 10.4.2.1187, Windows 10.0.19045.3693, Chrome 122.0.6261.112, v2.14.3', 'US'],
    ['IP addresses', 'hosts 192.168.100.254, 10.20.30.40:8080 and 172.16.254.1', 'US'],
    ['prices', '$1,999,999.99 and 1.234.567,89 € and 12 345 678 Ft and £ 24,500.00', 'HU'],
    ['bare digit runs', 'timestamp 1710253800, order 2125550142', 'US'],
    ['identifiers with letters', 'SN 5CG1234567, CHG0041123, tracking 1Z999AA10123456784', 'US'],
  ])('%s', (_what, text, country) => {
    expect(found(text, country)).toEqual([]);
  });
});

test('a number among traps is still found, with exact offsets', () => {
  const text = 'Order 4501234567 (03/12/2024): call Maria on (212) 555-0142, not INV-2024-001234.';
  const [match] = find(text);
  expect(find(text)).toHaveLength(1);
  expect(text.slice(match?.start, match?.end)).toBe('(212) 555-0142');
  expect(match?.e164).toBe('+12125550142');
});

test('two numbers side by side are two matches', () => {
  expect(found('Tél : 05 56 12 34 56 / 05 56 12 34 57', 'FR')).toEqual([
    '05 56 12 34 56 → +33556123456',
    '05 56 12 34 57 → +33556123457',
  ]);
});

test('a national number of another country is not guessed', () => {
  expect(found('020 7946 0123', 'US')).toEqual([]);
  expect(found('Tel 020 7946 0123', 'GB')).toEqual(['020 7946 0123 → +442079460123']);
});

test('an unknown default country finds international numbers only', () => {
  expect(found('+49 30 1234567 or 030 1234567', 'ZZ')).toEqual(['+49 30 1234567 → +49301234567']);
});

test('text without seven digits costs nothing and finds nothing', () => {
  expect(find('')).toEqual([]);
  expect(find('no digits here at all')).toEqual([]);
  expect(find('x'.repeat(100_000))).toEqual([]);
});
