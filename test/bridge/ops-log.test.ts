/**
 * Structured logs (bridge/src/ops/log.ts): JSON lines, level filter, and no token, code, secret
 * or signature in the output, however it is fed in (field, nested field, message, error text).
 */
import { PassThrough } from 'node:stream';
import { TokenAuthority } from '../../bridge/src/auth/tokens';
import { createLogger, REDACTED } from '../../bridge/src/ops/log';
import { signBody } from '../../bridge/src/webhook/signature';

const capture = () => {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  return {
    stream,
    text: () => text,
    lines: () =>
      text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
  };
};

test('lines are JSON with time, level, msg and fields; below the level nothing is written', () => {
  const out = capture();
  const log = createLogger({ level: 'info', stream: out.stream });
  log.debug('hidden');
  log.info('agent connected', { extension: '1001', closeCode: 4401, code: 4401 });
  log.child({ source: 'hooks' }).warn('bad request', { status: 401 });
  const [first, second] = out.lines();
  expect(out.lines()).toHaveLength(2);
  expect(first).toEqual({
    time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    level: 'info',
    msg: 'agent connected',
    extension: '1001',
    closeCode: 4401,
    code: 4401, // a number under "code" is a close code, not a secret
  });
  expect(second).toMatchObject({ level: 'warn', msg: 'bad request', source: 'hooks', status: 401 });
});

test('a token fed through every way into a log line never comes out', () => {
  const authority = new TokenAuthority({ secret: 'log-test-secret-long-enough-1234567890' });
  const { token } = authority.issue({ extensions: ['1001'], permissions: ['dial'], ttlSeconds: 60 });
  const { code } = authority.createEnrolment({ extensions: ['1001'], permissions: ['dial'], ttlSeconds: 60 });
  const signature = signBody('hook-secret', '{}', 1_800_000_000);
  const out = capture();
  const log = createLogger({ level: 'debug', stream: out.stream });
  const verdict = authority.verify(`${token}x`, '1001');
  log.warn(`handshake refused for ${token}`, {
    token,
    frame: { op: 'connect', token, extension: '1001' },
    list: [{ authorization: `Bearer ${token}` }],
    error: new Error(`could not verify ${token} (code ${code})`),
    note: `raw frame {"op":"connect","token":"${token}"}`,
    headers: { 'x-popline-signature': signature, 'user-agent': 'curl/8' },
    enrolment: { code },
    password: 'hunter2',
    tokenSecret: 'abc',
    keyFile: '/etc/ssl/key.pem',
    reason: verdict.ok ? '' : verdict.reason,
  });
  log.error('free text with a signature', { detail: `got ${signature}` });
  const text = out.text();
  // Positive control: the line was written, with the harmless fields intact.
  expect(text).toContain('"extension":"1001"');
  expect(text).toContain('curl/8');
  expect(text).toContain('/etc/ssl/key.pem');
  expect(text).toContain('invalid token');
  expect(text).toContain(REDACTED);
  for (const secret of [
    token,
    token.split('.')[2],
    code,
    code.replace(/-/g, ''),
    signature.slice(3),
    'hunter2',
    'abc"',
  ])
    expect(text).not.toContain(secret);
});
