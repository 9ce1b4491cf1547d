/**
 * "Test connection" against real servers over real sockets (Node's ws and fetch): the
 * simulator with a good and a wrong token, nothing listening, something that is not a PopLine
 * server, a server that never answers, and TLS with an untrusted certificate.
 */
import { WebSocket } from 'ws';
import { type Simulator, startSimulator } from '../../sim/server';
import { type CtiTestInput, type ProbeDeps, testCti } from '../../src/background/pbx/connectionTest';
import { classifyProbe } from '../../src/shared/pbx/connectionTest';
import { selfSignedCertificate, silentServer, untrustedTlsServer } from '../support/servers';

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ port: 0 });
});
afterAll(() => sim.close());

const deps: ProbeDeps = { WebSocketImpl: WebSocket as unknown as typeof globalThis.WebSocket, timeoutMs: 3000 };
const input = (patch: Partial<CtiTestInput>): CtiTestInput => ({
  serverUrl: sim.ctiUrl,
  extension: '1001',
  allowInsecure: false,
  token: 'popline-demo',
  clientVersion: 'test',
  ...patch,
});

test('connected, with who the server says the agent is', async () => {
  expect(await testCti(input({}), deps)).toMatchObject({
    outcome: 'connected',
    userName: 'Demo Agent',
    permissions: { dial: true },
  });
  // The throwaway connection is gone again.
  await new Promise((resolve) => setTimeout(resolve, 200));
  expect(sim.cti.grantedCount).toBe(0);
});

test('access denied, with the reason', async () => {
  expect(await testCti(input({ token: 'wrong' }), deps)).toEqual({ outcome: 'denied', detail: 'invalid token' });
});

test('no token, or an address that may not be used, is said before connecting', async () => {
  expect(await testCti(input({ token: '' }), deps)).toEqual({ outcome: 'noToken' });
  expect(await testCti(input({ serverUrl: 'ws://pbx.example.com/cti' }), deps)).toMatchObject({
    outcome: 'badAddress',
  });
});

test('unreachable: nothing listens there', async () => {
  const server = await silentServer();
  const port = server.port;
  await server.close();
  expect(await testCti(input({ serverUrl: `ws://127.0.0.1:${port}/cti` }), deps)).toEqual({ outcome: 'unreachable' });
});

test('not a PopLine server: a web page answers, no WebSocket', async () => {
  const url = `${sim.crmUrl.replace(/^http/, 'ws')}`;
  expect(await testCti(input({ serverUrl: url }), deps)).toEqual({ outcome: 'notPopline' });
});

test('timed out: the server accepts and never answers', async () => {
  const server = await silentServer();
  try {
    const result = await testCti(input({ serverUrl: `ws://127.0.0.1:${server.port}/cti` }), {
      ...deps,
      timeoutMs: 500,
    });
    expect(result).toEqual({ outcome: 'timeout' });
  } finally {
    await server.close();
  }
});

const certificate = selfSignedCertificate();
test('TLS certificate not trusted', async () => {
  // A missing openssl fails the run rather than skipping it: .ci/run installs it.
  if (!certificate) throw new Error('openssl is not installed: sudo apt-get install -y openssl (.ci/run does)');
  const server = await untrustedTlsServer(certificate);
  try {
    expect(await testCti(input({ serverUrl: `wss://127.0.0.1:${server.port}/cti` }), deps)).toEqual({ outcome: 'tls' });
  } finally {
    await server.close();
  }
});

test('an open socket that speaks something else is not a PopLine server', () => {
  const base = { secure: false, opened: true, timedOut: false, sameUrl: 'skipped', plainHttp: 'skipped' } as const;
  expect(classifyProbe({ ...base, firstFrame: { kind: 'ignored', op: 'hello' } })).toEqual({ outcome: 'notPopline' });
  expect(classifyProbe({ ...base, firstFrame: { kind: 'invalid', reason: 'not JSON' } })).toEqual({
    outcome: 'notPopline',
  });
  expect(classifyProbe({ ...base, timedOut: true })).toEqual({ outcome: 'timeout' });
  expect(classifyProbe({ ...base, opened: false, secure: true, sameUrl: 'failed', plainHttp: 'failed' })).toEqual({
    outcome: 'unreachable',
  });
});
