/**
 * Tokens and TLS through the whole bridge (startBridge): an agent connects over wss:// with a
 * self-signed certificate made here, with a token issued by the CLI on the bridge's data directory;
 * a wrong extension is closed with 4403, a forged token with 4401; revoking with the CLI while the
 * agent is connected closes it with 4401; an enrolment code is exchanged over POST /enrol once;
 * and nothing the bridge logs contains a token or a code.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { WebSocket } from 'ws';
import { runCli } from '../../bridge/src/cli/index';
import { loadConfig } from '../../bridge/src/ops/config';
import { createLogger } from '../../bridge/src/ops/log';
import { type RunningBridge, sourceChecks, startBridge } from '../../bridge/src/server/bridge';

let dir: string;
let running: RunningBridge;
let logText = '';
let ca: Buffer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'popline-auth-server-'));
  execFileSync(
    'openssl',
    [
      ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'],
      ...['-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1'],
      ...['-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'],
    ],
    { stdio: 'ignore' },
  );
  ca = readFileSync(join(dir, 'cert.pem'));
  const argv = ['--port', '0', '--data-dir', join(dir, 'data'), '--log-level', 'debug'];
  const config = loadConfig({
    argv: [...argv, '--tls-cert', join(dir, 'cert.pem'), '--tls-key', join(dir, 'key.pem')],
    env: {},
    sourceTypes: sourceChecks,
  });
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => {
    logText += chunk.toString();
  });
  running = await startBridge(config, { log: createLogger({ level: 'debug', stream }), sources: [] });
});
afterAll(async () => {
  await running?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const cli = async (...argv: string[]) => {
  const out = new PassThrough();
  let text = '';
  out.on('data', (c: Buffer) => {
    text += c.toString();
  });
  const code = await runCli([...argv, '--data-dir', join(dir, 'data')], { out, err: new PassThrough(), env: {} });
  if (code !== 0) throw new Error(`cli ${argv.join(' ')} exited ${code}`);
  return text;
};

interface Agent {
  frames: Record<string, unknown>[];
  closed: Promise<number>;
  socket: WebSocket;
  next(op: string): Promise<Record<string, unknown>>;
}

function connect(token: string, extension?: string): Promise<Agent> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(running.url, { ca });
    const frames: Record<string, unknown>[] = [];
    const waiters: (() => void)[] = [];
    const closed = new Promise<number>((done) => socket.on('close', (code) => done(code)));
    socket.on('message', (data) => {
      frames.push(JSON.parse(String(data)));
      for (const wake of waiters.splice(0)) wake();
    });
    socket.on('error', reject);
    socket.on('open', () => {
      socket.send(JSON.stringify({ op: 'connect', v: 1, token, extension, client: { name: 'test', version: '1' } }));
      resolve({
        frames,
        closed,
        socket,
        next: async (op) => {
          for (let i = 0; i < 200; i++) {
            const frame = frames.find((f) => f.op === op);
            if (frame) return frame;
            await new Promise<void>((wake) => {
              waiters.push(wake);
              setTimeout(wake, 50);
            });
          }
          throw new Error(`no ${op} frame`);
        },
      });
    });
  });
}

test('wss:// with the CLI’s token; wrong extension 4403; forged 4401; revoked live by the CLI 4401', async () => {
  expect(running.url).toMatch(/^wss:\/\/127\.0\.0\.1:\d+\/cti$/);
  const issued = JSON.parse(
    await cli('token', 'issue', '--extension', '1001', '--permissions', 'dial,history', '--ttl', '1h', '--json'),
  );
  const agent = await connect(issued.token, '1001');
  expect(await agent.next('connectionStateChanged')).toMatchObject({
    state: 'ACCESS_GRANTED',
    extension: '1001',
    permissions: { dial: true, control: false, history: true, monitorAll: false },
    server: { name: 'PopLine bridge' },
  });
  await agent.next('sessionsSnapshot');

  const wrong = await connect(issued.token, '1002');
  expect(await wrong.closed).toBe(4403);
  const [head, , sig] = issued.token.split('.');
  const forged = `${head}.${Buffer.from(JSON.stringify({ ...issued.grant, ext: ['1002'] })).toString('base64url')}.${sig}`;
  const denied = await connect(forged, '1002');
  expect(await denied.closed).toBe(4401);
  expect(denied.frames[0]).toMatchObject({ state: 'ACCESS_DENIED' });

  await cli('token', 'revoke', issued.grant.id);
  expect(await agent.closed).toBe(4401);
  const again = await connect(issued.token, '1001');
  expect(await again.closed).toBe(4401);
  expect(again.frames[0]).toMatchObject({ state: 'ACCESS_DENIED', reason: 'token revoked' });

  expect(logText.length).toBeGreaterThan(0); // the bridge did log
  expect(logText).not.toContain(issued.token);
  expect(logText).not.toContain(sig);
});

test('POST /enrol over https exchanges the CLI’s code once; the token connects; nothing logged', async () => {
  const out = await cli('enrol', '--extension', '1003', '--permissions', 'dial', '--ttl', '30d');
  const code = out.match(/[A-Z0-9]{4}(?:-[A-Z0-9]{4}){3}/)?.[0] ?? '';
  const post = () =>
    new Promise<{ status: number; body: Record<string, unknown> }>((resolve, reject) => {
      const request = httpsRequest(
        `${running.origin}/enrol`,
        { method: 'POST', ca, headers: { 'content-type': 'application/json' } },
        (res) => {
          let text = '';
          res.on('data', (c) => {
            text += c;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
        },
      );
      request.on('error', reject);
      request.end(JSON.stringify({ code }));
    });
  const first = await post();
  expect(first).toMatchObject({ status: 200, body: { extension: '1003' } });
  expect(await post()).toMatchObject({ status: 410 });
  const agent = await connect(String(first.body.token));
  expect(await agent.next('connectionStateChanged')).toMatchObject({ state: 'ACCESS_GRANTED', extension: '1003' });
  agent.socket.close();
  expect(logText).not.toContain(String(first.body.token));
  expect(logText).not.toContain(code);
});
