/**
 * The admin CLI (bridge/src/cli/index.ts) on a data directory shared with a live TokenAuthority,
 * as a running server holds it: issue (token printed once), list (never the token), revoke (the
 * live authority refuses the token at once and tells its listeners), enrol (a one-time code the
 * live authority redeems), and clear errors for bad input.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { TOKENS_FILE, TokenAuthority } from '../../bridge/src/auth/tokens';
import { runCli } from '../../bridge/src/cli/index';
import { loadConfig } from '../../bridge/src/ops/config';

let dataDir: string;
beforeEach(() => {
  dataDir = join(mkdtempSync(join(tmpdir(), 'popline-cli-')), 'data');
});
afterEach(() => rmSync(join(dataDir, '..'), { recursive: true, force: true }));

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  let outText = '';
  let errText = '';
  out.on('data', (c: Buffer) => {
    outText += c.toString();
  });
  err.on('data', (c: Buffer) => {
    errText += c.toString();
  });
  const code = await runCli(argv, { out, err, env: { POPLINE_BRIDGE_DATA_DIR: dataDir } });
  return { code, out: outText, err: errText };
}

/** The server's side: the same settings, the same file. */
function serverAuthority(): TokenAuthority {
  const config = loadConfig({
    argv: [],
    env: { POPLINE_BRIDGE_DATA_DIR: dataDir },
    sourceTypes: {},
    skipSources: true,
  });
  return new TokenAuthority({ secret: config.tokenSecret, file: join(dataDir, TOKENS_FILE) });
}

test('token issue prints the token once with its id; a live server accepts it; list never shows it', async () => {
  const issued = await cli(
    'token',
    'issue',
    '--extension',
    '1001,1002',
    '--permissions',
    'dial,control,history',
    '--ttl',
    '8h',
    '--name',
    'Jane Doe',
  );
  expect(issued).toMatchObject({ code: 0, err: '' });
  const token = issued.out.match(/^pl1\.\S+$/m)?.[0] ?? '';
  const id = issued.out.match(/^id: (\S+)/m)?.[1] ?? '';
  expect(token).not.toBe('');
  expect(issued.out).toContain('valid 8 hours');
  const server = serverAuthority();
  expect(server.verify(token, '1002')).toMatchObject({ ok: true, grant: { id, fullName: 'Jane Doe' } });

  const listed = await cli('token', 'list');
  expect(listed.code).toBe(0);
  expect(listed.out).toMatch(new RegExp(`${id}\\s+1001,1002\\s+dial,control,history\\s+\\S+Z\\s+valid\\s+Jane Doe`));
  expect(listed.out).not.toContain(token);
  expect(listed.out).not.toContain(token.split('.')[2]);
  expect(readFileSync(join(dataDir, TOKENS_FILE), 'utf8')).not.toContain(token.split('.')[2]);
  const json = JSON.parse((await cli('token', 'list', '--json')).out);
  expect(json).toEqual([expect.objectContaining({ id, extensions: ['1001', '1002'] })]);
});

test('token revoke by the CLI while a server authority with the same file is live', async () => {
  const server = serverAuthority();
  const revoked: string[] = [];
  server.onRevoke((id) => revoked.push(id));
  try {
    const issued = JSON.parse(
      (await cli('token', 'issue', '--extension', '1001', '--permissions', 'dial', '--ttl', '1d', '--json')).out,
    );
    expect(server.verify(issued.token, '1001').ok).toBe(true); // positive control
    const other = server.issue({ extensions: ['1003'], permissions: ['dial'], ttlSeconds: 60 });

    const result = await cli('token', 'revoke', issued.grant.id);
    expect(result).toMatchObject({ code: 0, err: '' });
    expect(result.out).toContain(`Token ${issued.grant.id} revoked`);
    expect(server.verify(issued.token, '1001')).toEqual({ ok: false, code: 4401, reason: 'token revoked' });
    expect(server.verify(other.token, '1003').ok).toBe(true); // issued by the server meanwhile, kept by the CLI
    expect(revoked).toEqual([issued.grant.id]);
    expect((await cli('token', 'list')).out).toMatch(new RegExp(`${issued.grant.id}.*revoked`));

    const unknown = await cli('token', 'revoke', 'nope');
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('No token with id "nope"');
  } finally {
    server.close();
  }
});

test('enrol prints a one-time code and its validity; the live server redeems it once', async () => {
  const server = serverAuthority();
  const result = await cli('enrol', '--extension', '1001', '--permissions', 'dial,history', '--ttl', '30d');
  expect(result.code).toBe(0);
  const code = result.out.match(/^\s+([A-Z0-9]{4}(?:-[A-Z0-9]{4}){3})$/m)?.[1] ?? '';
  expect(code).not.toBe('');
  expect(result.out).toContain('Valid for 1 day');
  expect(result.out).toContain('a token valid 30 days');
  const redeemed = server.redeem(code);
  expect(redeemed).toMatchObject({
    ok: true,
    grant: { extensions: ['1001'], permissions: { dial: true, history: true } },
  });
  expect(server.redeem(code)).toMatchObject({ ok: false, status: 410 });
  const shortCode = await cli(
    'enrol',
    '--extension',
    '1001',
    '--permissions',
    'dial',
    '--ttl',
    '1d',
    '--code-ttl',
    '15m',
  );
  expect(shortCode.out).toContain('Valid for 15 minutes');
});

test('bad input gets a clear message and a non-zero exit', async () => {
  const cases: [string[], RegExp][] = [
    [['token', 'issue', '--permissions', 'dial', '--ttl', '8h'], /--extension: required/],
    [['token', 'issue', '--extension', '1001', '--permissions', 'dial,fly', '--ttl', '8h'], /got "fly"/],
    [['token', 'issue', '--extension', '1001', '--permissions', 'dial', '--ttl', 'soon'], /--ttl: got "soon"/],
    [['token', 'issue', '--extension', '1001', '--permissions', 'dial'], /--ttl: required/],
    [['token', 'revoke'], /expected one token id/],
    [['token', 'frobnicate'], /unknown command "token frobnicate"/],
    [['token', 'list', '--port', 'x'], /--port: got "x"/],
  ];
  for (const [argv, message] of cases) {
    const result = await cli(...argv);
    expect(result.code).toBeGreaterThan(0);
    expect(result.err).toMatch(message);
    expect(result.out).toBe('');
  }
  const noDir = await runCli(['token', 'list'], { out: new PassThrough(), err: new PassThrough(), env: {} });
  expect(noDir).toBe(2);
  expect((await cli('help')).out).toContain('token issue --extension');
});
