/**
 * The nginx example (bridge/deploy/nginx.conf) in front of a real bridge: the file as shipped, with
 * only its ports, certificate paths and upstream address changed, run by the machine's nginx on
 * loopback. An agent connects through it over wss:// (WebSocket upgrade on /cti), /healthz passes and
 * /metrics does not. Fails where nginx is not installed (.ci/run installs it).
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { WebSocket } from 'ws';
import { loadConfig } from '../../bridge/src/ops/config';
import { createLogger } from '../../bridge/src/ops/log';
import { type RunningBridge, sourceChecks, startBridge } from '../../bridge/src/server/bridge';
import { SIGNATURE_HEADER, signBody, TIMESTAMP_HEADER } from '../../bridge/src/webhook/signature';

const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((path) => existsSync(path));

const SECRET = 'nginx-test-webhook-secret-0123456789';

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

describe('bridge/deploy/nginx.conf', () => {
  // A missing nginx fails the run rather than skipping it: .ci/run installs it.
  test('nginx is installed', () => {
    if (!NGINX) throw new Error('nginx is not installed: sudo apt-get install -y nginx (.ci/run does)');
  });

  let dir: string;
  let bridge: RunningBridge;
  let nginx: ReturnType<typeof spawn>;
  let httpsPort: number;
  let ca: Buffer;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'popline-nginx-'));
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
    writeFileSync(
      join(dir, 'bridge.json'),
      JSON.stringify({ sources: [{ type: 'webhook', id: 'pbx', secret: SECRET }] }),
    );
    const config = loadConfig({
      argv: ['--port', '0', '--config', join(dir, 'bridge.json')],
      env: {},
      sourceTypes: sourceChecks,
    });
    bridge = await startBridge(config, { log: createLogger({ level: 'error', stream: new PassThrough() }) });
    httpsPort = await freePort();
    const httpPort = await freePort();
    const site = readFileSync(join(__dirname, '../../bridge/deploy/nginx.conf'), 'utf8')
      .replace('server 127.0.0.1:8765;', `server 127.0.0.1:${bridge.port};`)
      .replace(/listen 80;\n\s*listen \[::\]:80;/, `listen 127.0.0.1:${httpPort};`)
      .replace(/listen 443 ssl;\n\s*listen \[::\]:443 ssl;/, `listen 127.0.0.1:${httpsPort} ssl;`)
      .replace('/etc/letsencrypt/live/bridge.example.com/fullchain.pem', join(dir, 'cert.pem'))
      .replace('/etc/letsencrypt/live/bridge.example.com/privkey.pem', join(dir, 'key.pem'));
    expect(site).toContain(`127.0.0.1:${httpsPort} ssl`); // the substitutions took
    writeFileSync(join(dir, 'site.conf'), site);
    const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `${t}_temp_path ${dir};`).join(' ');
    writeFileSync(
      join(dir, 'nginx.conf'),
      `daemon off; master_process off; pid ${dir}/nginx.pid; error_log ${dir}/error.log warn;
       events {} http { access_log off; ${temp} include ${dir}/site.conf; }`,
    );
    nginx = spawn(NGINX as string, ['-c', join(dir, 'nginx.conf'), '-p', dir], { stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      const up = await new Promise<boolean>((resolve) => {
        const probe = connect(httpsPort, '127.0.0.1');
        probe.on('connect', () => {
          probe.destroy();
          resolve(true);
        });
        probe.on('error', () => resolve(false));
      });
      if (up) break;
      await new Promise((r) => setTimeout(r, 50));
    }
  });

  afterAll(async () => {
    nginx?.kill('SIGTERM');
    await bridge?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const get = (path: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}) =>
    new Promise<number>((resolve, reject) => {
      const { body, ...rest } = options;
      httpsRequest(`https://127.0.0.1:${httpsPort}${path}`, { ca, ...rest }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
        .on('error', reject)
        .end(body);
    });

  test('an agent connects through it over wss://; /healthz passes, /metrics stays internal', async () => {
    const { token } = bridge.authority.issue({ extensions: ['1001'], permissions: ['dial'], ttlSeconds: 60 });
    const frames: Record<string, unknown>[] = [];
    const socket = new WebSocket(`wss://127.0.0.1:${httpsPort}/cti`, { ca });
    await new Promise<void>((resolve, reject) => {
      socket.on('error', reject);
      socket.on('open', () => socket.send(JSON.stringify({ op: 'connect', v: 1, token, extension: '1001' })));
      socket.on('message', (data) => {
        frames.push(JSON.parse(String(data)));
        if (frames.some((f) => f.op === 'sessionsSnapshot')) resolve();
      });
    });
    expect(frames[0]).toMatchObject({ op: 'connectionStateChanged', state: 'ACCESS_GRANTED', extension: '1001' });
    socket.close();
    expect(await get('/healthz')).toBe(200);
    expect((await fetch(`${bridge.origin}/metrics`)).status).toBe(200); // the bridge serves it…
    expect(await get('/metrics')).toBe(404); // …nginx does not
    expect(await get('/enrol')).toBe(405); // reaches the bridge (which wants POST)
    expect(await get('/elsewhere')).toBe(404);
  });

  test('a signed webhook passes through unchanged (the signature covers the raw body); an unsigned one is refused', async () => {
    const body = JSON.stringify({ callId: 'n1', event: 'ringing', seq: 1, caller: '+4930123', callee: '1001' });
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = { 'content-type': 'application/json' };
    const signed = {
      ...headers,
      [TIMESTAMP_HEADER]: String(timestamp),
      [SIGNATURE_HEADER]: signBody(SECRET, body, timestamp),
    };
    expect(await get('/sources/pbx/events', { method: 'POST', headers: signed, body })).toBe(200);
    expect(await get('/sources/pbx/events', { method: 'POST', headers, body })).toBe(401);
    expect(await get('/sources/pbx/events', { method: 'POST', headers: signed, body })).toBe(401); // replay
  });
});
