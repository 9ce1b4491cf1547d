import { isValidPattern, matchesPattern } from '../../src/shared/settings/matchPattern';

test.each([
  ['http://127.0.0.1/*', 'http://127.0.0.1:8765/crm/', true],
  ['http://127.0.0.1/*', 'https://127.0.0.1/crm/', false],
  ['https://*.example.com/*', 'https://crm.example.com/a?b=1', true],
  ['https://*.example.com/*', 'https://example.com/', true],
  ['https://*.example.com/*', 'https://evil-example.com/', false],
  ['https://*.example.com/*', 'https://example.com.evil.net/', false],
  ['*://crm.example.com/app/*', 'http://crm.example.com/app/x', true],
  ['*://crm.example.com/app/*', 'http://crm.example.com/other', false],
  ['https://crm.example.com:8443/*', 'https://crm.example.com/', false],
])('%s matches %s: %s', (pattern, url, expected) => {
  expect(matchesPattern(url, pattern)).toBe(expected);
});

test('invalid patterns match nothing', () => {
  expect(isValidPattern('crm.example.com')).toBe(false);
  expect(matchesPattern('https://x/', 'nope')).toBe(false);
  expect(matchesPattern('not a url', 'https://*/*')).toBe(false);
});
