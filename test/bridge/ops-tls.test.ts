/**
 * listen.ts: wss:// with a self-signed certificate made here with openssl (a client that trusts it
 * connects, one that does not is refused: the TLS is real), plain ws:// without TLS, and a clear
 * error for unreadable or mismatched files.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket, WebSocketServer } from 'ws';
import { createHttpServer, reloadTls } from '../../bridge/src/ops/listen';

let dir: string;
const pem = (name: string) => join(dir, name);

function makeCert(prefix: string): void {
  execFileSync(
    'openssl',
    [
      ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'],
      ...['-keyout', pem(`${prefix}key.pem`), '-out', pem(`${prefix}cert.pem`), '-days', '1'],
      ...['-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'],
    ],
    { stdio: 'ignore' },
  );
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'popline-tls-'));
  makeCert('');
  makeCert('other-');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function echoServer(server: Server): Promise<{ port: number; close: () => Promise<void> }> {
  const wss = new WebSocketServer({ server, path: '/cti' });
  wss.on('connection', (socket) => socket.on('message', (data) => socket.send(`echo ${data}`)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      wss.close();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Opens a socket, sends one frame, resolves with the answer or the error's message. */
function roundTrip(url: string, options: ConstructorParameters<typeof WebSocket>[2] = {}): Promise<string> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url, options);
    socket.on('open', () => socket.send('hello'));
    socket.on('message', (data) => {
      resolve(String(data));
      socket.close();
    });
    socket.on('error', (error) => resolve(`error: ${error.message}`));
  });
}

test('wss:// with the configured certificate; a client that does not trust it is refused', async () => {
  const tls = { certFile: pem('cert.pem'), keyFile: pem('key.pem') };
  const server = createHttpServer({ tls }, (_req, res) => res.end('ok'));
  const { port, close } = await echoServer(server);
  try {
    const ca = readFileSync(tls.certFile);
    expect(await roundTrip(`wss://127.0.0.1:${port}/cti`, { ca })).toBe('echo hello');
    expect(await roundTrip(`wss://localhost:${port}/cti`, { ca })).toBe('echo hello');
    expect(await roundTrip(`wss://127.0.0.1:${port}/cti`)).toMatch(/^error: .*self[- ]signed/i);
    expect(await roundTrip(`ws://127.0.0.1:${port}/cti`)).toMatch(/^error:/);
    // A renewed certificate is served to new connections without a restart.
    reloadTls(server, { certFile: pem('other-cert.pem'), keyFile: pem('other-key.pem') });
    expect(await roundTrip(`wss://127.0.0.1:${port}/cti`, { ca })).toMatch(/^error:/);
    const otherCa = readFileSync(pem('other-cert.pem'));
    expect(await roundTrip(`wss://127.0.0.1:${port}/cti`, { ca: otherCa })).toBe('echo hello');
  } finally {
    await close();
  }
});

test('plain ws:// without TLS (loopback or behind a proxy)', async () => {
  const server = createHttpServer({}, (_req, res) => res.end('ok'));
  const { port, close } = await echoServer(server);
  try {
    expect(await roundTrip(`ws://127.0.0.1:${port}/cti`)).toBe('echo hello');
    expect(() => reloadTls(server, { certFile: pem('cert.pem'), keyFile: pem('key.pem') })).toThrow(/without TLS/);
  } finally {
    await close();
  }
});

test('unreadable or mismatched TLS files fail at start, naming the file', () => {
  expect(() => createHttpServer({ tls: { certFile: pem('none.pem'), keyFile: pem('key.pem') } }, () => {})).toThrow(
    /cannot read TLS certificate file .*none\.pem \(ENOENT\)/,
  );
  expect(() =>
    createHttpServer({ tls: { certFile: pem('cert.pem'), keyFile: pem('other-key.pem') } }, () => {}),
  ).toThrow(/cannot be used together/);
});
