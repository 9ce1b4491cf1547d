/** Enrolment's pure part (shared/pbx/enrol.ts): where the code goes, how it is cleaned, what refusals mean. */
import { check } from '../../src/shared/guard';
import { cleanCode, enrolAnswerGuard, enrolRefusal, enrolUrl } from '../../src/shared/pbx/enrol';

test('the enrolment address sits next to the CTI endpoint, on the same host', () => {
  expect(enrolUrl('wss://bridge.example.com/cti', false)).toBe('https://bridge.example.com/enrol');
  expect(enrolUrl('wss://pbx.example.com:8443/popline/cti?x=1#y', false)).toBe(
    'https://pbx.example.com:8443/popline/enrol',
  );
  expect(enrolUrl('ws://127.0.0.1:8765/cti', false)).toBe('http://127.0.0.1:8765/enrol');
});

test('an address the connection itself would refuse gets no enrolment either', () => {
  expect(enrolUrl('ws://bridge.example.com/cti', false)).toBeNull();
  expect(enrolUrl('ws://bridge.example.com/cti', true)).toBe('http://bridge.example.com/enrol');
  expect(enrolUrl('https://bridge.example.com/cti', false)).toBeNull();
  expect(enrolUrl('not an address', false)).toBeNull();
});

test('a typed code is cleaned: spaces dropped, upper case, bounded', () => {
  expect(cleanCode('  abcd-efgh ijkl ')).toBe('ABCD-EFGHIJKL');
  expect(cleanCode('x'.repeat(200))).toHaveLength(64);
  expect(cleanCode('   ')).toBe('');
});

test("the bridge's answer is validated: a token and an extension, permissions normalised later", () => {
  const ok = check(enrolAnswerGuard, {
    token: 't0k3n',
    extension: '1001',
    extensions: ['1001'],
    permissions: { dial: true, control: true },
    expiresAt: '2027-01-01T00:00:00Z',
    unknown: 'ignored',
  });
  expect(ok).toEqual({
    ok: true,
    value: {
      token: 't0k3n',
      extension: '1001',
      extensions: ['1001'],
      permissions: { dial: true, control: true },
      expiresAt: '2027-01-01T00:00:00Z',
    },
  });
  expect(check(enrolAnswerGuard, { extension: '1001' }).ok).toBe(false);
  expect(check(enrolAnswerGuard, { token: '', extension: '1001' }).ok).toBe(false);
  expect(check(enrolAnswerGuard, { token: 'x'.repeat(5000), extension: '1001' }).ok).toBe(false);
});

test('refusals in the words the agent needs', () => {
  expect(enrolRefusal(404)).toBe('unknownCode');
  expect(enrolRefusal(410)).toBe('usedCode');
  expect(enrolRefusal(400)).toBe('failed');
  expect(enrolRefusal(502)).toBe('notBridge');
  expect(enrolRefusal(200)).toBe('notBridge');
});
