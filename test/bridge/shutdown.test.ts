/**
 * SIGTERM with agents connected, against the real bundled bridge in a child process: the agents get
 * 1012, the process exits cleanly, a new instance on the same port takes them back, and nothing is
 * missing: the call that was talking is in the snapshot, the calls that ended (before, and while the
 * agents were away) are in the history, read from the data directory.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { TOKENS_FILE, TokenAuthority } from '../../bridge/src/auth/tokens';
import { dataDirSecret } from '../../bridge/src/ops/config';
import { SIGNATURE_HEADER, signBody, TIMESTAMP_HEADER } from '../../bridge/src/webhook/signature';
import { Agent } from '../conformance/agent';
import { sleep } from './fixture';

const ROOT = join(__dirname, '../..');
const SECRET = 'shutdown-test-webhook-secret';
let dir: string;
let bundle: string;
let port: number;
let token: string;
const children: ChildProcess[] = [];

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port: free } = server.address() as { port: number };
      server.close(() => resolve(free));
    });
  });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'popline-shutdown-'));
  // Bundled like `npm run bridge`, into a folder of its own (next to node_modules, for `ws`).
  bundle = join(ROOT, 'dist', `bridge-test-${process.pid}`, 'main.js');
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
  port = await freePort();
  const dataDir = join(dir, 'data');
  writeFileSync(
    join(dir, 'bridge.json'),
    JSON.stringify({
      host: '127.0.0.1',
      port,
      dataDir,
      logLevel: 'warn',
      sources: [{ type: 'webhook', id: 'hooks', secret: SECRET }],
    }),
  );
  const authority = new TokenAuthority({ secret: dataDirSecret(dataDir), file: join(dataDir, TOKENS_FILE) });
  token = authority.issue({ extensions: ['1001'], permissions: ['control', 'history'], ttlSeconds: 3600 }).token;
}, 30_000);

afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
  rmSync(join(bundle, '..'), { recursive: true, force: true });
});

async function startInstance(): Promise<ChildProcess> {
  const child = spawn(process.execPath, [bundle, 'serve', '--config', join(dir, 'bridge.json')], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(child);
  for (let i = 0; i < 200; i++) {
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) return child;
    if (child.exitCode !== null) throw new Error(`the bridge exited with ${child.exitCode}`);
    await sleep(50);
  }
  throw new Error('the bridge did not become ready');
}

async function post(events: Record<string, unknown>[]): Promise<number> {
  const body = JSON.stringify({ events });
  const timestamp = Math.floor(Date.now() / 1000);
  const response = await fetch(`http://127.0.0.1:${port}/sources/hooks/events`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      [TIMESTAMP_HEADER]: String(timestamp),
      [SIGNATURE_HEADER]: signBody(SECRET, body, timestamp),
    },
    body,
  });
  return response.status;
}

const ev = (callId: string, event: string, seq: number) => ({ callId, event, seq, caller: '+4930555', callee: '1001' });
const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });

test('SIGTERM: agents get 1012, reconnect to the next instance, and miss nothing', async () => {
  const first = await startInstance();
  const url = `ws://127.0.0.1:${port}/cti`;
  const agents = [await Agent.connect(url, token, '1001'), await Agent.connect(url, token, '1001')];
  expect(agents.map((a) => a.frames[0]?.state)).toEqual(['ACCESS_GRANTED', 'ACCESS_GRANTED']);
  expect(await post([ev('talking', 'ringing', 1), ev('talking', 'connected', 2)])).toBe(200);
  expect(await post([ev('before', 'ringing', 1), ev('before', 'ended', 2)])).toBe(200);
  for (const agent of agents) await agent.waitFor((f) => f.op === 'sessionClosed' && f.sessionId === 'before');

  first.kill('SIGTERM');
  const closes = await Promise.all(agents.map((a) => a.waitClosed(10_000)));
  expect(closes.map((c) => c.code)).toEqual([1012, 1012]);
  expect(await exited(first)).toBe(0);

  const second = await startInstance();
  // While the agents were away: a call began and ended.
  expect(await post([ev('meanwhile', 'ringing', 1), ev('meanwhile', 'ended', 2)])).toBe(200);
  const back = await Agent.connect(url, token, '1001');
  const snapshot = back.of('sessionsSnapshot')[0];
  expect(snapshot?.sessions).toEqual([expect.objectContaining({ sessionId: 'talking', state: 'InCall' })]);
  const history = await back.request({ op: 'getCallHistory', pageNumber: 0, pageRows: 50 });
  expect(history.entries.map((e: { sessionId: string }) => e.sessionId)).toEqual(['meanwhile', 'before']);
  // The talking call goes on at the new instance.
  expect(await post([ev('talking', 'ended', 3)])).toBe(200);
  await back.waitFor((f) => f.op === 'sessionClosed' && f.sessionId === 'talking');
  back.close();
  second.kill('SIGTERM');
  expect(await exited(second)).toBe(0);
}, 60_000);

test('killed without warning (SIGKILL): what the senders got a 200 for is still there after a restart', async () => {
  const url = `ws://127.0.0.1:${port}/cti`;
  const doomed = await startInstance();
  expect(await post([ev('survivor', 'ringing', 1), ev('survivor', 'connected', 2)])).toBe(200);
  expect(await post([ev('gone', 'ringing', 1), ev('gone', 'ended', 2)])).toBe(200);
  doomed.kill('SIGKILL');
  await exited(doomed);
  const next = await startInstance();
  const agent = await Agent.connect(url, token, '1001');
  const ids = agent.of('sessionsSnapshot')[0]?.sessions.map((s: { sessionId: string }) => s.sessionId);
  expect(ids).toContain('survivor');
  expect(ids).not.toContain('gone');
  const history = await agent.request({ op: 'getCallHistory', pageNumber: 0, pageRows: 50 });
  expect(history.entries.map((e: { sessionId: string }) => e.sessionId)).toContain('gone');
  // A late event of the ended call does not bring it back after the restart either.
  await post([ev('gone', 'connected', 1)]);
  expect(
    (await agent.request({ op: 'listSessions' })).sessions.map((s: { sessionId: string }) => s.sessionId),
  ).not.toContain('gone');
  agent.close();
  next.kill('SIGTERM');
  expect(await exited(next)).toBe(0);
}, 60_000);
