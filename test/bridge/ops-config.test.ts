/**
 * Configuration (bridge/src/ops/config.ts): defaults, precedence flags > env > file, every bad
 * value reported at once with key, value and expectation, secrets never echoed, sources checked by
 * their type's validator, the token secret generated into dataDir and kept.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig, SETTINGS, type SourceConfig } from '../../bridge/src/ops/config';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'popline-config-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const sourceTypes = {
  webhook: (raw: SourceConfig) => (typeof raw.secret === 'string' ? [] : ['secret: expected a string']),
  simulator: () => [],
};
const load = (argv: string[] = [], env: NodeJS.ProcessEnv = {}) => loadConfig({ argv, env, sourceTypes });
const problemsOf = (argv: string[], env: NodeJS.ProcessEnv = {}): string[] => {
  try {
    load(argv, env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('no ConfigError');
};
const writeConfig = (value: unknown) => {
  const file = join(dir, 'bridge.json');
  writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
  return file;
};

test('defaults without file, env or flags', () => {
  const config = load();
  expect(config).toMatchObject({
    host: '127.0.0.1',
    port: 8765,
    heartbeat: 20,
    logLevel: 'info',
    shutdownGraceMs: 5000,
    sources: [],
    limits: {
      frameBytes: 65_536,
      maxBufferedBytes: 1_048_576,
      commandsPerSecond: 10,
      commandBurst: 20,
      handshakeTimeoutMs: 10_000,
      historyCalls: 10_000,
      webhookBodyBytes: 65_536,
    },
  });
  expect(config.tls).toBeUndefined();
  expect(config.dataDir).toBeUndefined();
  expect(config.tokenSecret.length).toBeGreaterThanOrEqual(32);
  expect(load().tokenSecret).not.toBe(config.tokenSecret); // memory only: random each start
});

test('flags win over the environment, which wins over the file, which wins over defaults', () => {
  const file = writeConfig({ port: 1000, heartbeat: 10, limits: { frameBytes: 2048 }, logLevel: 'warn' });
  const env = { POPLINE_BRIDGE_CONFIG: file, POPLINE_BRIDGE_PORT: '2000', POPLINE_BRIDGE_HEARTBEAT: '12' };
  expect(load(['--port', '3000'], env)).toMatchObject({ port: 3000, heartbeat: 12, logLevel: 'warn' });
  expect(load(['--port=3001', '--heartbeat=15'], env)).toMatchObject({ port: 3001, heartbeat: 15 });
  expect(load([], env)).toMatchObject({ port: 2000, heartbeat: 12, limits: { frameBytes: 2048, commandBurst: 20 } });
  expect(load([], { POPLINE_BRIDGE_CONFIG: file })).toMatchObject({ port: 1000, heartbeat: 10 });
  expect(load(['--config', file, '--frame-bytes', '4096'])).toMatchObject({ port: 1000, limits: { frameBytes: 4096 } });
  expect(load(['serve', '--port', '0'])).toMatchObject({ port: 0 });
  // An empty variable counts as unset (systemd EnvironmentFile lines left blank).
  expect(load([], { POPLINE_BRIDGE_CONFIG: file, POPLINE_BRIDGE_PORT: '' })).toMatchObject({ port: 1000 });
});

test('every bad value is reported, each naming key, value and what is expected', () => {
  const file = writeConfig({
    host: 'bad host!',
    heartbeat: 30,
    logLevel: 'loud',
    tokenSecret: 'short-secret-value',
    limits: { frameBytes: '64k', commandBurst: 0, extra: 1 },
    colour: 'blue',
  });
  const problems = problemsOf(['--config', file, '--port', '99999', '--shutdown-grace-ms', '-1', '--bogus', 'x'], {
    POPLINE_BRIDGE_HANDSHAKE_TIMEOUT_MS: 'soon',
  });
  expect(problems).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/^unknown flag --bogus/),
      'config file: unknown key "colour"',
      'config file: unknown key "limits.extra"',
      'host: got "bad host!", expected a host name or IP address',
      '--port: got "99999", expected an integer from 0 to 65535',
      'heartbeat: got 30, expected an integer from 5 to 25',
      'logLevel: got "loud", expected one of debug, info, warn, error',
      '--shutdown-grace-ms: got "-1", expected an integer from 0 to 60000',
      'limits.frameBytes: got "64k", expected an integer from 1024 to 1048576',
      'limits.commandBurst: got 0, expected an integer from 1 to 100000',
      'POPLINE_BRIDGE_HANDSHAKE_TIMEOUT_MS: got "soon", expected an integer from 100 to 60000',
      'tokenSecret: got (hidden), expected at least 32 characters',
    ]),
  );
  expect(problems).toHaveLength(12);
  expect(problems.join('\n')).not.toContain('short-secret-value');
  // The error's message lists them all too.
  expect(() => load(['--config', file])).toThrow(/heartbeat: got 30[\s\S]*logLevel: got "loud"/);
});

test('file problems: unreadable, not JSON, not an object', () => {
  expect(problemsOf(['--config', join(dir, 'nope.json')])).toEqual([
    expect.stringMatching(/config file .*nope\.json: cannot read it \(ENOENT\)/),
  ]);
  expect(problemsOf(['--config', writeConfig('{"port": 1,')])[0]).toMatch(/not valid JSON/);
  expect(problemsOf(['--config', writeConfig('[1]')])[0]).toMatch(/expected a JSON object/);
  expect(problemsOf(['stray'])[0]).toMatch(/unexpected argument "stray"/);
  expect(problemsOf(['--port'])[0]).toMatch(/--port: expected a value/);
});

test('TLS needs both files and both readable', () => {
  expect(problemsOf(['--tls-cert', join(dir, 'cert.pem')])).toEqual([expect.stringMatching(/^tls: give both/)]);
  const problems = problemsOf(['--tls-cert', join(dir, 'cert.pem'), '--tls-key', join(dir, 'key.pem')]);
  expect(problems).toEqual([
    expect.stringMatching(/^tls\.certFile: cannot read ".*cert\.pem" \(ENOENT\)/),
    expect.stringMatching(/^tls\.keyFile: cannot read ".*key\.pem" \(ENOENT\)/),
  ]);
  writeFileSync(join(dir, 'cert.pem'), 'x');
  writeFileSync(join(dir, 'key.pem'), 'x');
  expect(
    load([], { POPLINE_BRIDGE_TLS_CERT: join(dir, 'cert.pem'), POPLINE_BRIDGE_TLS_KEY: join(dir, 'key.pem') }).tls,
  ).toEqual({
    certFile: join(dir, 'cert.pem'),
    keyFile: join(dir, 'key.pem'),
  });
});

test('sources are checked by the validator of their type, with their index and id', () => {
  const file = writeConfig({
    sources: [
      { type: 'simulator', id: 'sim' },
      { type: 'webhook', id: 'hooks', secret: 's' },
      { type: 'webhook', id: 'nosecret' },
      { type: 'pigeon', id: 'p' },
      { type: 'simulator', id: 'sim' },
      { type: 'simulator', id: 'bad id' },
      'x',
    ],
  });
  expect(problemsOf(['--config', file])).toEqual([
    'sources[2] (webhook "nosecret"): secret: expected a string',
    'sources[3].type: got "pigeon", expected one of webhook, simulator',
    'sources[4].id: "sim" is used by another source',
    'sources[5].id: got "bad id", expected letters, digits, _ or - (at most 64)',
    'sources[6]: expected an object with "type" and "id"',
  ]);
  const ok = writeConfig({ sources: [{ type: 'webhook', id: 'hooks', secret: 's', extra: 1 }] });
  expect(load(['--config', ok]).sources).toEqual([{ type: 'webhook', id: 'hooks', secret: 's', extra: 1 }]);
  expect(loadConfig({ argv: ['--config', file], env: {}, sourceTypes, skipSources: true }).sources).toEqual([]);
});

test('the token secret: from env, or generated once into dataDir (0600) and kept', () => {
  const dataDir = join(dir, 'data');
  const first = load(['--data-dir', dataDir]);
  expect(first.dataDir).toBe(dataDir);
  const file = join(dataDir, 'token-secret');
  expect(statSync(file).mode & 0o777).toBe(0o600);
  expect(readFileSync(file, 'utf8').trim()).toBe(first.tokenSecret);
  expect(load([], { POPLINE_BRIDGE_DATA_DIR: dataDir }).tokenSecret).toBe(first.tokenSecret);
  const fromEnv = 'x'.repeat(40);
  expect(load(['--data-dir', dataDir], { POPLINE_BRIDGE_TOKEN_SECRET: fromEnv }).tokenSecret).toBe(fromEnv);
  writeFileSync(join(dir, 'plain'), '');
  expect(problemsOf(['--data-dir', join(dir, 'plain')])).toEqual([expect.stringMatching(/not a directory/)]);
});

test('docs/bridge.md documents every setting: file key, variable, flag', () => {
  const docs = readFileSync(join(__dirname, '../../docs/bridge.md'), 'utf8');
  const missing = SETTINGS.flatMap((s) => [
    `\`${s.key}\``,
    `\`POPLINE_BRIDGE_${s.env}\``,
    ...(s.flag ? [`\`--${s.flag}\``] : []),
  ]).filter((name) => !docs.includes(name));
  expect(missing).toEqual([]);
  expect(SETTINGS.length).toBeGreaterThan(10); // the table is really read
});
