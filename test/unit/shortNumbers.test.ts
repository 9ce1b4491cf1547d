/**
 * Emergency and short numbers (issue 18, gap 4): `tel:911`, `tel:112`, `tel:999` or `118118`
 * never dial from a page without a question, which short numbers are internal extensions is
 * the admin's `dial.internalPattern`, and the premium list covers what the metadata misses.
 */
import { confirmReasons } from '../../src/shared/dial/policy';
import { parseDialInput } from '../../src/shared/dial/target';
import { defaultSettings, loadSettings } from '../../src/shared/settings';

const policy = { confirmInternational: true, confirmPremium: true, confirmAfterPerMinute: 0 };
const NOW = 1_000_000;

const reasons = (input: string, country: string, options: { fromPage?: boolean; pattern?: string } = {}) => {
  const parsed = parseDialInput(input, country, {
    internalPattern: options.pattern ?? defaultSettings.dial.internalPattern,
  });
  if (!parsed.ok) return parsed.problem;
  return confirmReasons(parsed.target, policy, [], NOW, { fromPage: options.fromPage ?? true });
};

test.each([
  ['tel:911', 'US'],
  ['tel:112', 'US'],
  ['tel:112', 'DE'],
  ['tel:110', 'DE'],
  ['tel:999', 'GB'],
  ['tel:000', 'AU'],
  ['tel:15', 'FR'],
  ['tel:17', 'FR'],
  ['tel:18', 'FR'],
  ['061', 'ES'],
  ['sip:112@pbx.example.com', 'HU'],
])('%s (%s) from a page asks: emergency', (input, country) => {
  expect(reasons(input, country)).toContain('emergency');
});

test('an emergency number typed in the popup is not delayed; it still dials as written', () => {
  expect(reasons('911', 'US', { fromPage: false })).toEqual([]);
  const parsed = parseDialInput('tel:911', 'US');
  expect(parsed).toMatchObject({ ok: true, target: { dial: '911', emergency: true } });
});

test('the emergency question cannot be switched off by the dial settings', () => {
  const parsed = parseDialInput('tel:112', 'DE');
  if (!parsed.ok) throw new Error('parsed');
  const relaxed = { confirmInternational: false, confirmPremium: false, confirmAfterPerMinute: 0 };
  expect(confirmReasons(parsed.target, relaxed, [], NOW)).toEqual(['emergency']);
});

test('ordinary extensions still dial without a question (positive control)', () => {
  expect(reasons('tel:1002', 'US')).toEqual([]);
  expect(reasons('4411', 'DE')).toEqual([]);
  expect(reasons('sip:1002@pbx.example.com', 'GB')).toEqual([]);
});

test.each([
  ['118118', 'GB'],
  ['118 218', 'FR'],
  ['11833', 'DE'],
  ['07012 345678', 'GB'],
  ['0700 12345678', 'DE'],
  ['0137 1234567', 'DE'],
  ['+44 70 1234 5678', 'GB'],
])('%s (%s) is premium', (input, country) => {
  expect(reasons(input, country)).toContain('premium');
});

test('the admin decides which short numbers are extensions', () => {
  // Only 4-digit extensions starting with 1 or 2: a 5-digit string is not one any more.
  expect(reasons('45678', 'US', { pattern: '^[12]\\d{3}$' })).toBe('invalid');
  expect(reasons('2345', 'US', { pattern: '^[12]\\d{3}$' })).toEqual([]);
  // An emergency number stays one even if the pattern would take it.
  expect(reasons('112', 'DE', { pattern: '^\\d{3}$' })).toContain('emergency');
});

test('dial.internalPattern is validated: a broken pattern falls back to the default', () => {
  const loaded = loadSettings({ version: 1, dial: { internalPattern: '([' } });
  expect(loaded.settings.dial.internalPattern).toBe(defaultSettings.dial.internalPattern);
  expect(loaded.warnings.join()).toContain('dial.internalPattern');
  expect(loadSettings({ version: 1, dial: { internalPattern: '^1\\d{3}$' } }).settings.dial.internalPattern).toBe(
    '^1\\d{3}$',
  );
});
