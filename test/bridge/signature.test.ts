/**
 * Webhook signatures (bridge/src/webhook/signature.ts): signed, unsigned, bad, old, future and
 * replayed requests, each refused with a reason in words; the replay memory stays bounded.
 */
import { SIGNATURE_HEADER, signBody, TIMESTAMP_HEADER, WebhookVerifier } from '../../bridge/src/webhook/signature';

const SECRET = 'webhook-secret';
const T0 = 1_800_000_000;
const body = Buffer.from('{"event":"ringing","callId":"c1","seq":1}');

const clock = (seconds = T0) => {
  let t = seconds * 1000;
  return { now: () => t, advance: (s: number) => (t += s * 1000) };
};
const headers = (b: Buffer | string, ts: number, secret = SECRET) => ({
  [TIMESTAMP_HEADER]: String(ts),
  [SIGNATURE_HEADER]: signBody(secret, b, ts),
});

test('a signed request passes; the signature is v1= hex HMAC-SHA256 of "timestamp.body"', () => {
  const c = clock();
  const v = new WebhookVerifier({ secret: SECRET, now: c.now });
  expect(signBody(SECRET, body, T0)).toMatch(/^v1=[0-9a-f]{64}$/);
  expect(signBody(SECRET, body.toString(), T0)).toBe(signBody(SECRET, body, T0));
  expect(v.verify(body, headers(body, T0))).toEqual({ ok: true });
});

test('unsigned, badly signed and tampered requests are refused with 401 and a reason', () => {
  const c = clock();
  const v = new WebhookVerifier({ secret: SECRET, now: c.now });
  expect(v.verify(body, {})).toEqual({ ok: false, status: 401, reason: 'missing signature' });
  expect(v.verify(body, { [SIGNATURE_HEADER]: signBody(SECRET, body, T0) })).toEqual({
    ok: false,
    status: 401,
    reason: 'missing timestamp',
  });
  const bad = (h: Record<string, string | string[]>) => v.verify(body, h);
  expect(bad(headers(body, T0, 'other-secret'))).toEqual({ ok: false, status: 401, reason: 'bad signature' });
  expect(v.verify(Buffer.from(`${body}x`), headers(body, T0))).toMatchObject({ reason: 'bad signature' });
  expect(bad({ ...headers(body, T0), [TIMESTAMP_HEADER]: String(T0 - 1) })).toMatchObject({ reason: 'bad signature' });
  expect(bad({ [TIMESTAMP_HEADER]: String(T0), [SIGNATURE_HEADER]: 'v1=zz' })).toMatchObject({
    reason: 'bad signature',
  });
  expect(bad({ [TIMESTAMP_HEADER]: String(T0), [SIGNATURE_HEADER]: 'sha256=00' })).toMatchObject({
    reason: 'bad signature',
  });
  expect(bad({ [TIMESTAMP_HEADER]: 'yesterday', [SIGNATURE_HEADER]: 'v1=00' })).toMatchObject({
    reason: 'bad timestamp: expected unix seconds',
  });
  expect(bad({ [TIMESTAMP_HEADER]: String(T0), [SIGNATURE_HEADER]: ['a', 'b'] })).toMatchObject({ ok: false });
  // Rotation: one of several signatures matching is enough.
  const rotated = `v1=${'0'.repeat(64)}, ${signBody(SECRET, body, T0)}`;
  expect(v.verify(body, { [TIMESTAMP_HEADER]: String(T0), [SIGNATURE_HEADER]: rotated })).toEqual({ ok: true });
});

test('a timestamp outside 300 s is refused, inside it passes', () => {
  const c = clock();
  const v = new WebhookVerifier({ secret: SECRET, now: c.now });
  expect(v.verify(body, headers(body, T0 - 300))).toEqual({ ok: true });
  expect(v.verify(body, headers(body, T0 - 301))).toEqual({ ok: false, status: 401, reason: 'timestamp too old' });
  expect(v.verify(body, headers(body, T0 + 300))).toEqual({ ok: true });
  expect(v.verify(body, headers(body, T0 + 301))).toMatchObject({ reason: 'timestamp in the future' });
  const strict = new WebhookVerifier({ secret: SECRET, now: c.now, toleranceSeconds: 10 });
  expect(strict.verify(body, headers(body, T0 - 11))).toMatchObject({ reason: 'timestamp too old' });
});

test('the same signed request twice is refused as a replay; a new timestamp is a new request', () => {
  const c = clock();
  const v = new WebhookVerifier({ secret: SECRET, now: c.now });
  const h = headers(body, T0);
  expect(v.verify(body, h)).toEqual({ ok: true });
  expect(v.verify(body, h)).toEqual({ ok: false, status: 401, reason: 'replayed request' });
  expect(v.verify(body, headers(body, T0 + 1))).toEqual({ ok: true });
  // After the window the replay is refused as old; the memory of it is gone.
  c.advance(302);
  expect(v.verify(body, h)).toMatchObject({ reason: 'timestamp too old' });
  expect(v.verify(body, headers(body, T0 + 302))).toEqual({ ok: true });
  expect(v.remembered).toBe(1);
});

test('the replay memory is bounded', () => {
  const c = clock();
  const v = new WebhookVerifier({ secret: SECRET, now: c.now, maxRemembered: 100 });
  for (let i = 0; i < 250; i++) {
    const b = Buffer.from(`{"n":${i}}`);
    expect(v.verify(b, headers(b, T0))).toEqual({ ok: true });
  }
  expect(v.remembered).toBe(100);
  const last = Buffer.from('{"n":249}');
  expect(v.verify(last, headers(last, T0))).toMatchObject({ reason: 'replayed request' });
});
