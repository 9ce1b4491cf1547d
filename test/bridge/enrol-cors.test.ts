/**
 * `/enrol` from a browser: the extension's options page asks from its own origin, so the bridge
 * answers CORS for `chrome-extension://` and `moz-extension://` origins only; a web page's script
 * gets no headers that would let it read the token.
 */
import { startTestBridge, type TestBridge } from './fixture';

let bridge: TestBridge;
beforeAll(async () => {
  bridge = await startTestBridge();
});
afterAll(() => bridge.stop());

const enrolUrl = () => `${bridge.running.origin}/enrol`;
const newCode = () =>
  bridge.running.authority.createEnrolment({ extensions: ['1001'], permissions: ['dial'], ttlSeconds: 600 }).code;

test.each([
  'chrome-extension://abcdefghijklmnopabcdefghijklmnop',
  'moz-extension://1b6c3f0e-2d7a-4c55-9f1e-6a0b8c9d7e21',
])('a preflight from the extension (%s) is allowed, and so is its POST', async (origin) => {
  const preflight = await fetch(enrolUrl(), {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
  });
  expect(preflight.status).toBe(204);
  expect(preflight.headers.get('access-control-allow-origin')).toBe(origin);
  expect(preflight.headers.get('access-control-allow-headers')).toContain('content-type');
  const answer = await fetch(enrolUrl(), {
    method: 'POST',
    headers: { origin, 'content-type': 'application/json' },
    body: JSON.stringify({ code: newCode() }),
  });
  expect(answer.status).toBe(200);
  expect(answer.headers.get('access-control-allow-origin')).toBe(origin);
  expect((await answer.json()).extension).toBe('1001');
});

test('a web page gets no CORS headers: its script could not read the answer', async () => {
  const origin = 'https://evil.example';
  const preflight = await fetch(enrolUrl(), {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST' },
  });
  expect(preflight.status).toBe(403);
  expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
  const answer = await fetch(enrolUrl(), {
    method: 'POST',
    headers: { origin, 'content-type': 'application/json' },
    body: JSON.stringify({ code: 'ZZZZ-ZZZZ-ZZZZ-ZZZZ' }),
  });
  expect(answer.status).toBe(404);
  expect(answer.headers.get('access-control-allow-origin')).toBeNull();
  expect(answer.headers.get('vary')).toBe('Origin');
});
