/**
 * Agents' tokens and enrolment codes (bridge/src/auth/tokens.ts): valid, expired, revoked (also by
 * another process writing the file), forged, wrong extension, codes used twice or too late, the
 * file's atomic persistence, and POST /enrol over a real HTTP server on loopback.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FailureThrottle } from '../../bridge/src/auth/throttle';
import { enrolRoute, normaliseCode, type StaticToken, TokenAuthority } from '../../bridge/src/auth/tokens';

const SECRET = 'a-test-secret-that-is-long-enough-0123456789';
const ALL = ['dial', 'control', 'history'] as const;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'popline-auth-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A clock the test moves by hand. */
const clock = (start = Date.parse('2026-11-23T10:00:00Z')) => {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
};

describe('signed tokens', () => {
  test('a valid token grants its extension and permissions', () => {
    const a = new TokenAuthority({ secret: SECRET });
    const { token, grant } = a.issue({
      extensions: ['1001', '1002'],
      permissions: [...ALL],
      ttlSeconds: 3600,
      fullName: 'Jane Doe',
    });
    const verdict = a.verify(token, '1002');
    expect(verdict).toEqual({ ok: true, grant: expect.objectContaining({ id: grant.id }), extension: '1002' });
    if (!verdict.ok) throw new Error('refused');
    expect(verdict.grant.permissions).toEqual({ dial: true, control: true, history: true, monitorAll: false });
    expect(verdict.grant.fullName).toBe('Jane Doe');
    // No extension in connect: the token's first one.
    expect(a.verify(token, undefined)).toMatchObject({ ok: true, extension: '1001' });
    // Another authority with the same secret accepts it (self-contained), one with another does not.
    expect(new TokenAuthority({ secret: SECRET }).verify(token, '1001').ok).toBe(true);
    expect(new TokenAuthority({ secret: `${SECRET}x` }).verify(token, '1001')).toEqual({
      ok: false,
      code: 4401,
      reason: 'invalid token',
    });
  });

  test('an expired token is refused with 4401 "token expired"', () => {
    const c = clock();
    const a = new TokenAuthority({ secret: SECRET, now: c.now });
    const { token } = a.issue({ extensions: ['1001'], permissions: ['dial'], ttlSeconds: 60 });
    c.advance(59_000);
    expect(a.verify(token, '1001').ok).toBe(true);
    c.advance(1_000);
    expect(a.verify(token, '1001')).toEqual({ ok: false, code: 4401, reason: 'token expired' });
  });

  test('a revoked token is refused; others are not; revoking an unknown id says so', () => {
    const a = new TokenAuthority({ secret: SECRET });
    const one = a.issue({ extensions: ['1001'], permissions: ['dial'], ttlSeconds: 60 });
    const two = a.issue({ extensions: ['1001'], permissions: ['dial'], ttlSeconds: 60 });
    expect(a.verify(one.token, '1001').ok).toBe(true);
    expect(a.revoke(one.grant.id)).toBe(true);
    expect(a.verify(one.token, '1001')).toEqual({ ok: false, code: 4401, reason: 'token revoked' });
    expect(a.verify(two.token, '1001').ok).toBe(true);
    expect(a.revoke('no-such-id')).toBe(false);
    expect(a.revoke('constructor')).toBe(false);
    expect(a.list().map((g) => [g.id, Boolean(g.revoked)])).toEqual([
      [one.grant.id, true],
      [two.grant.id, false],
    ]);
  });

  test('forged tokens are refused: tampered payload, tampered or missing signature, garbage', () => {
    const a = new TokenAuthority({ secret: SECRET });
    const { token } = a.issue({ extensions: ['1001'], permissions: ['dial'], ttlSeconds: 60 });
    expect(a.verify(token, '1001').ok).toBe(true); // positive control
    const [prefix, body = '', sig = ''] = token.split('.');
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString());
    const widened = Buffer.from(JSON.stringify({ ...payload, ext: ['1001', '2000'], perm: ['monitorAll'] })).toString(
      'base64url',
    );
    const flipped = `${sig.slice(0, -2)}${sig.endsWith('AA') ? 'BB' : 'AA'}`;
    for (const forged of [
      `${prefix}.${widened}.${sig}`,
      `${prefix}.${body}.${flipped}`,
      `${prefix}.${body}.`,
      `${prefix}.${body}`,
      `${prefix}.${body}.${sig}.extra`,
      `${prefix}.${body}.${sig.slice(0, 10)}`,
      'pl1.e30.AAAA',
      'popline-demo',
    ])
      expect(a.verify(forged, '1001')).toEqual({ ok: false, code: 4401, reason: 'invalid token' });
    for (const missing of [undefined, null, '', 42, { token }])
      expect(a.verify(missing, '1001')).toEqual({ ok: false, code: 4401, reason: 'missing token' });
    expect(a.verify('x'.repeat(5000), '1001')).toMatchObject({ ok: false, code: 4401 });
  });

  test('a token for another extension is refused with 4403', () => {
    const a = new TokenAuthority({ secret: SECRET });
    const { token } = a.issue({ extensions: ['1001'], permissions: ['dial'], ttlSeconds: 60 });
    expect(a.verify(token, '1001').ok).toBe(true);
    expect(a.verify(token, '1002')).toEqual({ ok: false, code: 4403, reason: 'extension not allowed for this token' });
    expect(a.verify(token, 'bad extension!')).toMatchObject({ ok: false, code: 4403 });
  });

  test('issue rejects bad options with the field named', () => {
    const a = new TokenAuthority({ secret: SECRET });
    expect(() => a.issue({ extensions: [], permissions: ['dial'], ttlSeconds: 60 })).toThrow(/extensions/);
    expect(() => a.issue({ extensions: ['1001'], permissions: ['fly' as 'dial'], ttlSeconds: 60 })).toThrow(
      /permissions/,
    );
    expect(() => a.issue({ extensions: ['1001'], permissions: ['dial'], ttlSeconds: 0 })).toThrow(/ttl/);
    expect(() => new TokenAuthority({ secret: 'short' })).toThrow(/secret/);
  });
});

describe('static tokens', () => {
  test('are consulted live, bound or not to an extension, and may expire', () => {
    const tokens: Record<string, StaticToken> = {};
    const c = clock();
    const a = new TokenAuthority({ secret: SECRET, staticTokens: tokens, now: c.now });
    expect(a.verify('popline-demo', '1001')).toMatchObject({ ok: false, code: 4401 });
    tokens['popline-demo'] = { userName: 'agent', permissions: { monitorAll: true } };
    const verdict = a.verify('popline-demo', '1007');
    expect(verdict).toMatchObject({ ok: true, extension: '1007' });
    if (!verdict.ok) throw new Error('refused');
    expect(verdict.grant.permissions).toEqual({ dial: true, control: true, history: true, monitorAll: true });
    expect(verdict.grant.id).not.toContain('popline-demo');
    expect(a.verify('popline-demo', undefined)).toMatchObject({ ok: false, code: 4403 });
    tokens.bound = { extension: '1001', expiresAt: new Date(c.now() + 1000).toISOString() };
    expect(a.verify('bound', undefined)).toMatchObject({ ok: true, extension: '1001' });
    expect(a.verify('bound', '1002')).toMatchObject({ ok: false, code: 4403 });
    c.advance(1000);
    expect(a.verify('bound', '1001')).toEqual({ ok: false, code: 4401, reason: 'token expired' });
    delete tokens['popline-demo'];
    expect(a.verify('popline-demo', '1007')).toMatchObject({ ok: false, code: 4401 });
  });
});

describe('enrolment codes', () => {
  test('a code is short, typable and works once; the second use is refused with 410', () => {
    const a = new TokenAuthority({ secret: SECRET });
    const { code } = a.createEnrolment({ extensions: ['1001'], permissions: [...ALL], ttlSeconds: 30 * 86_400 });
    expect(code).toMatch(/^[A-HJKMNP-TV-Z2-9]{4}(-[A-HJKMNP-TV-Z2-9]{4}){3}$/);
    // Typed in lower case with spaces instead of dashes.
    const first = a.redeem(code.toLowerCase().replace(/-/g, ' '));
    expect(first).toMatchObject({ ok: true, grant: { extensions: ['1001'] } });
    if (!first.ok) throw new Error('refused');
    expect(a.verify(first.token, '1001').ok).toBe(true);
    expect(a.redeem(code)).toEqual({ ok: false, status: 410, reason: 'code already used' });
  });

  test('an expired code is refused with 410, an unknown one with 404, a malformed one with 400', () => {
    const c = clock();
    const a = new TokenAuthority({ secret: SECRET, now: c.now });
    const early = a.createEnrolment({
      extensions: ['1001'],
      permissions: ['dial'],
      ttlSeconds: 3600,
      codeTtlSeconds: 600,
    });
    const late = a.createEnrolment({
      extensions: ['1001'],
      permissions: ['dial'],
      ttlSeconds: 3600,
      codeTtlSeconds: 600,
    });
    c.advance(599_000);
    expect(a.redeem(early.code).ok).toBe(true); // positive control: in time it works
    c.advance(1_000);
    expect(a.redeem(late.code)).toEqual({ ok: false, status: 410, reason: 'code expired' });
    expect(a.redeem('ABCD-EFGH-JKMN-PQRS')).toEqual({ ok: false, status: 404, reason: 'unknown code' });
    for (const bad of ['', 'ABCD', 'ABCD-EFGH-JKMN-PQR0', 42, null, 'A'.repeat(100)])
      expect(a.redeem(bad)).toMatchObject({ ok: false, status: 400 });
    expect(normaliseCode(' abcd-efgh jkmn-pqrs ')).toBe('ABCDEFGHJKMNPQRS');
  });
});

describe('the token file', () => {
  test('persists grants, revocations and codes across restarts, atomically, mode 0600, no token in it', () => {
    const file = join(dir, 'data', 'tokens.json');
    const a = new TokenAuthority({ secret: SECRET, file });
    const { token, grant } = a.issue({ extensions: ['1001'], permissions: ['dial'], ttlSeconds: 60 });
    const { code } = a.createEnrolment({ extensions: ['1002'], permissions: ['dial'], ttlSeconds: 60 });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const text = readFileSync(file, 'utf8');
    expect(text).toContain(grant.id); // positive control: the file does hold the grant
    expect(text).not.toContain(token.split('.')[2]);
    expect(text).not.toContain(code.replace(/-/g, ''));
    expect(text).not.toContain(code);

    const restarted = new TokenAuthority({ secret: SECRET, file });
    expect(restarted.list().map((g) => g.id)).toEqual([grant.id]);
    expect(restarted.revoke(grant.id)).toBe(true);
    expect(restarted.redeem(code).ok).toBe(true);
    // The first instance sees both changes on its next check.
    expect(a.verify(token, '1001')).toEqual({ ok: false, code: 4401, reason: 'token revoked' });
    expect(a.redeem(code)).toMatchObject({ ok: false, status: 410 });
    expect(a.list()).toHaveLength(2);
  });

  test('a revocation written by another process reaches onRevoke listeners without a verify', async () => {
    const file = join(dir, 'tokens.json');
    const server = new TokenAuthority({ secret: SECRET, file });
    const { grant } = server.issue({ extensions: ['1001'], permissions: ['dial'], ttlSeconds: 60 });
    const seen: string[] = [];
    server.onRevoke((id) => seen.push(id));
    try {
      new TokenAuthority({ secret: SECRET, file }).revoke(grant.id);
      // The file is polled (fs.watchFile, every second); on a loaded machine a poll can be late.
      for (let i = 0; i < 120 && !seen.length; i++) await new Promise((r) => setTimeout(r, 100));
      expect(seen).toEqual([grant.id]);
    } finally {
      server.close();
    }
  }, 20_000);

  test('a corrupt file is an error naming the file, not a silent reset', () => {
    const file = join(dir, 'tokens.json');
    writeFileSync(file, '{"version":1,"grants":{"x":{"id":"y"}},"enrolments":{}}');
    expect(() => new TokenAuthority({ secret: SECRET, file })).toThrow(/tokens\.json.*malformed/);
  });
});

describe('POST /enrol', () => {
  let server: Server;
  let base: string;
  let authority: TokenAuthority;
  const post = (body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
    fetch(`${base}/enrol`, { method: 'POST', body, headers }).then(async (r) => ({
      status: r.status,
      cache: r.headers.get('cache-control'),
      body: (await r.json()) as Record<string, unknown>,
    }));

  beforeEach(async () => {
    authority = new TokenAuthority({ secret: SECRET });
    const route = enrolRoute(authority, { throttle: new FailureThrottle({ baseMs: 1, maxMs: 2 }) });
    server = createServer((req, res) => void route(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(() => new Promise((resolve) => server.close(resolve)));

  test('exchanges a code for a token once, then 410', async () => {
    const { code } = authority.createEnrolment({ extensions: ['1001'], permissions: [...ALL], ttlSeconds: 3600 });
    const first = await post(JSON.stringify({ code }));
    expect(first.status).toBe(200);
    expect(first.cache).toBe('no-store');
    expect(first.body).toMatchObject({
      extension: '1001',
      extensions: ['1001'],
      permissions: { dial: true, control: true, history: true, monitorAll: false },
      expiresAt: expect.any(String),
    });
    expect(authority.verify(first.body.token, '1001').ok).toBe(true);
    const second = await post(JSON.stringify({ code }));
    expect(second).toMatchObject({ status: 410, body: { error: 'code_gone', message: 'code already used' } });
  });

  test('bad requests get a status and words', async () => {
    expect(await post('{"code":"ABCD-EFGH-JKMN-PQRS"}')).toMatchObject({
      status: 404,
      body: { error: 'unknown_code' },
    });
    expect(await post('not json')).toMatchObject({ status: 400, body: { error: 'invalid_code' } });
    expect(await post('{}')).toMatchObject({ status: 400 });
    expect(await post(JSON.stringify({ code: 'x'.repeat(5000) }))).toMatchObject({ status: 413 });
    expect(await post('{}', { 'content-type': 'text/plain' })).toMatchObject({ status: 415 });
    const get = await fetch(`${base}/enrol`);
    expect(get.status).toBe(405);
  });
});

describe('FailureThrottle', () => {
  test('doubles the wait per failure from one address, caps it, forgets on success or after the window', () => {
    const c = clock();
    const t = new FailureThrottle({ baseMs: 100, maxMs: 1000, windowMs: 60_000, now: c.now });
    expect(t.delayMs('10.0.0.1')).toBe(0);
    t.failed('10.0.0.1');
    expect(t.delayMs('10.0.0.1')).toBe(0); // one typo is free
    const waits = [];
    for (let i = 0; i < 6; i++) {
      t.failed('10.0.0.1');
      waits.push(t.delayMs('10.0.0.1'));
    }
    expect(waits).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(t.delayMs('10.0.0.2')).toBe(0); // another address is not slowed
    t.succeeded('10.0.0.1');
    expect(t.delayMs('10.0.0.1')).toBe(0);
    t.failed('10.0.0.3');
    t.failed('10.0.0.3');
    expect(t.delayMs('10.0.0.3')).toBe(100);
    c.advance(60_001);
    expect(t.delayMs('10.0.0.3')).toBe(0);
  });

  test('memory stays bounded under a flood of addresses', () => {
    const t = new FailureThrottle();
    for (let i = 0; i < 12_000; i++) t.failed(`10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`);
    expect(t.size).toBe(10_000);
  });
});
