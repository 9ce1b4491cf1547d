/**
 * Click-to-dial and history through Voximplant's HTTP API, with Voximplant's own Node client in the
 * real bundled bridge (a child process) against a fake HTTPS API that verifies the service account's
 * JWT and starts the scenario in the VoxEngine emulator. The bridge trusts the fake's certificate the
 * way it trusts any CA: NODE_EXTRA_CA_CERTS. The key never reaches an agent.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { TOKENS_FILE, TokenAuthority } from '../../bridge/src/auth/tokens';
import { dataDirSecret } from '../../bridge/src/ops/config';
import { Agent } from '../conformance/agent';
import { VoxCloud } from '../support/voxengine';
import { FakeVoximplantApi, localhostCertificate, serviceAccountKey } from '../support/voximplantApi';
import { sleep } from './fixture';

jest.setTimeout(30_000);

const ROOT = join(__dirname, '../..');
const SECRET = 'voximplant-api-secret-0123456789';
const RULE = 7788;
const ACCOUNT = 4242;
let dir: string;
let bundle: string;
let child: ChildProcess;
let origin: string;
let token: string;
let unmapped: string;
let cloud: VoxCloud;
let api: FakeVoximplantApi;
let keyFile: string;
let agent: Agent;

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'popline-vox-api-'));
  bundle = join(ROOT, 'dist', `bridge-vox-${process.pid}`, 'main.js');
  await esbuild.build({
    entryPoints: [join(ROOT, 'bridge/src/main.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outfile: bundle,
    logLevel: 'warning',
  });
  const tls = localhostCertificate();
  const key = serviceAccountKey(dir, ACCOUNT);
  keyFile = key.file;
  const port = await freePort();
  origin = `http://127.0.0.1:${port}`;
  cloud = await VoxCloud.start({
    storage: { popline_bridge_url: `${origin}/sources/vox/events`, popline_secret: SECRET },
  });
  api = new FakeVoximplantApi({
    tls,
    publicKey: key.publicKey,
    keyId: key.keyId,
    accountId: ACCOUNT,
    ruleId: RULE,
    cloud,
  });
  await api.start();
  const dataDir = join(dir, 'data');
  writeFileSync(
    join(dir, 'bridge.json'),
    JSON.stringify({
      host: '127.0.0.1',
      port,
      dataDir,
      logLevel: 'warn',
      sources: [
        {
          type: 'voximplant',
          id: 'vox',
          secret: SECRET,
          agents: { '1001': 'user:anna' },
          controlUrl: '^http://127\\.0\\.0\\.1:\\d+/',
          api: { keyFile, ruleId: RULE, host: `127.0.0.1:${api.port}`, callerId: '+4930555000', history: true },
        },
      ],
    }),
  );
  const authority = new TokenAuthority({ secret: dataDirSecret(dataDir), file: join(dataDir, TOKENS_FILE) });
  token = authority.issue({
    extensions: ['1001'],
    permissions: ['dial', 'control', 'history'],
    ttlSeconds: 3600,
  }).token;
  unmapped = authority.issue({ extensions: ['1002'], permissions: ['dial'], ttlSeconds: 3600 }).token;
  authority.close();
  const { VOXIMPLANT_CREDENTIALS: _unused, ...env } = process.env;
  child = spawn(process.execPath, [bundle, 'serve', '--config', join(dir, 'bridge.json')], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...env, NODE_EXTRA_CA_CERTS: tls.certFile },
  });
  for (let i = 0; i < 200; i++) {
    if (
      await fetch(`${origin}/readyz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    if (child.exitCode !== null) throw new Error(`the bridge exited with ${child.exitCode}`);
    await sleep(50);
  }
  throw new Error('the bridge did not become ready');
});

afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await cloud?.stop();
  await api?.stop();
  rmSync(dir, { recursive: true, force: true });
  rmSync(join(bundle, '..'), { recursive: true, force: true });
});

beforeEach(async () => {
  agent = await Agent.connect(`${origin.replace('http', 'ws')}/cti`, token, '1001');
});
afterEach(() => agent.close());

test('click-to-dial: StartScenarios with the rule and custom data; the agent rings first, then the customer', async () => {
  const dialed = await agent.request({ op: 'createCall', number: '+49 30 777 888' });
  expect(dialed).toMatchObject({ op: 'result', ok: true });
  const start = api.calls.find((c) => c.cmd === 'StartScenarios');
  expect(start).toMatchObject({ kid: 'b7c1f9e2-test-key', iss: ACCOUNT, fields: { rule_id: String(RULE) } });
  expect(JSON.parse(start?.fields.script_custom_data ?? '')).toEqual({
    p: 1,
    x: '1001',
    t: 'user:anna',
    n: '+4930777888',
    c: '+4930555000',
  });
  const session = [...cloud.sessions.values()].at(-1);
  if (!session) throw new Error('no session started');
  const id = `vx-${session.id}-1`;
  expect(dialed.sessionId).toBe(id);
  const agentLeg = await session.nextCall();
  expect([agentLeg.kind, agentLeg.target]).toEqual(['user', 'anna']);
  const created = await agent.waitFor((f) => f.op === 'sessionCreated' && f.session.sessionId === id);
  expect(created.session).toMatchObject({
    direction: 'Outbound',
    caller: '1001',
    callee: '+4930777888',
    state: 'Setup',
  });
  expect(session.calls.length).toBe(1); // The customer is not called before the agent answers.
  agentLeg.remote.answer();
  const customer = await session.nextCall();
  expect([customer.kind, customer.target, customer.params.callerid]).toEqual(['pstn', '+4930777888', '+4930555000']);
  customer.remote.ringing();
  await agent.waitFor((f) => f.session?.sessionId === id && f.session.state === 'Ringing');
  customer.remote.answer();
  await agent.waitFor((f) => f.session?.sessionId === id && f.session.state === 'InCall');
  expect(agentLeg.mediaTo.has(customer) && customer.mediaTo.has(agentLeg)).toBe(true);
  customer.remote.hangup(17);
  const closed = await agent.waitFor((f) => f.op === 'sessionClosed' && f.sessionId === id);
  expect(closed.state).toBe('CalleeHungUp');
  await session.ended();
  expect(agentLeg.actions).toContain('hangup');
  expect(session.errors).toEqual([]);
  // The service account's key is bridge configuration only: no frame to the agent carries any of it.
  const key = JSON.parse(readFileSync(keyFile, 'utf8'));
  const frames = agent.raw.join('\n');
  expect(frames).toContain(id); // positive control: the frames are about this call
  for (const secret of [key.key_id, key.private_key.split('\n')[1], keyFile, SECRET])
    expect(frames).not.toContain(secret);
});

test('click-to-dial to a busy customer ends Busy, and the agent’s leg is hung up', async () => {
  const dialed = await agent.request({ op: 'createCall', number: '+4930777999' });
  const session = cloud.sessions.get(Number(/^vx-(\d+)-1$/.exec(dialed.sessionId)?.[1]));
  if (!session) throw new Error('no session');
  const agentLeg = await session.nextCall();
  agentLeg.remote.answer();
  (await session.nextCall()).remote.fail(486, 'Busy Here');
  const closed = await agent.waitFor((f) => f.op === 'sessionClosed' && f.sessionId === dialed.sessionId);
  expect(closed.state).toBe('Busy');
  await session.ended();
  expect(agentLeg.actions).toContain('hangup');
});

test('the API refusing StartScenarios reaches the agent as a clear failure', async () => {
  api.refuse = { msg: 'Rule not found', code: 155 };
  try {
    const dialed = await agent.request({ op: 'createCall', number: '+4930777000' });
    expect(dialed).toMatchObject({ ok: false, error: { code: 'FAILED' } });
    expect(dialed.error.message).toContain('Rule not found');
  } finally {
    api.refuse = undefined;
  }
  // A dial for an extension without a Voximplant user or SIP address is refused before the API.
  const before = api.calls.length;
  const other = await Agent.connect(`${origin.replace('http', 'ws')}/cti`, unmapped, '1002');
  const refused = await other.request({ op: 'createCall', number: '+4930777000' });
  other.close();
  expect(refused).toMatchObject({ ok: false, error: { code: 'INVALID' } });
  expect(api.calls.length).toBe(before);
});

test('history: the calls the bridge saw, merged with GetCallHistory', async () => {
  api.history = [
    {
      call_session_history_id: 555001,
      start_date: '2026-01-05 09:00:00',
      duration: 61,
      finish_reason: 'Normal',
      calls: [{ remote_number: '+4930999000', local_number: '1001', incoming: true, successful: true, duration: 61 }],
    },
  ];
  const page = await agent.request({ op: 'getCallHistory', pageNumber: 0, pageRows: 20 });
  const ids = page.entries.map((e: { sessionId: string }) => e.sessionId);
  expect(ids).toContain('vx-555001-1');
  expect(page.entries.find((e: { sessionId: string }) => e.sessionId === 'vx-555001-1')).toMatchObject({
    direction: 'Inbound',
    caller: '+4930999000',
    callee: '1001',
    state: 'Completed',
    talkDuration: 61,
  });
  // The click-to-dial calls of the tests above are there too, from what the bridge saw.
  expect(page.entries.some((e: { state: string }) => e.state === 'CalleeHungUp')).toBe(true);
  const asked = api.calls.filter((c) => c.cmd === 'GetCallHistory').at(-1);
  expect(asked?.fields).toMatchObject({ with_calls: 'true', desc_order: 'true' });
});
