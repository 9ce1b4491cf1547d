/**
 * Presence and chat across two bridge nodes on one real redis-server (issue 16): the directory and
 * each colleague's state are the same on both nodes, a call entering node A changes the phone axis an
 * agent on node B sees, availability set on B reaches A, a message from A reaches B with its receipts,
 * a message to a colleague who is away waits in Redis and is delivered when they connect to either
 * node, and a node that dies drops its agents to OFFLINE once its presence expires.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../bridge/src/ops/config';
import { createLogger } from '../../bridge/src/ops/log';
import { type RunningBridge, sourceChecks, startBridge } from '../../bridge/src/server/bridge';
import { WebhookSource } from '../../bridge/src/sources/webhook';
import { SIGNATURE_HEADER, signBody, TIMESTAMP_HEADER } from '../../bridge/src/webhook/signature';
import { parseServerFrame } from '../../src/shared/protocol';
import { Agent, type Frame } from '../conformance/agent';
import { TestRedis } from '../support/redis';
import { TOKENS } from './fixture';

const SECRET = 'team-cluster-webhook-secret-0123';
const TOKEN_SECRET = 'team-cluster-token-secret-0123456789abcdef';
const DIRECTORY = [
  { extension: '1001', fullName: 'Agent 1001', email: 'a1001@example.com' },
  { extension: '1002', fullName: 'Agent 1002', mobile: '+12025550102' },
  { extension: '1003', fullName: 'Away Colleague' },
  { extension: '1004', fullName: 'On the node that dies' },
];
let redis: TestRedis;
let directoryFile: string;
const nodes: RunningBridge[] = [];
const agents: Agent[] = [];

jest.setTimeout(60_000);

beforeAll(async () => {
  redis = await TestRedis.start();
  directoryFile = join(mkdtempSync(join(tmpdir(), 'popline-team-')), 'directory.json');
  writeFileSync(directoryFile, JSON.stringify({ directory: DIRECTORY }));
});
afterAll(async () => {
  await redis.stop();
});
afterEach(async () => {
  for (const agent of agents) for (const text of agent.raw) expect(parseServerFrame(text).kind).toBe('frame');
  for (const agent of agents.splice(0)) agent.close();
  await Promise.all(nodes.splice(0).map((node) => node.stop()));
  redis.cli('FLUSHALL');
});

async function node(name: string): Promise<RunningBridge> {
  const config = loadConfig({
    argv: ['--port', '0', '--redis', redis.url, '--node-id', name, '--log-level', 'error'],
    env: {
      POPLINE_BRIDGE_TOKEN_SECRET: TOKEN_SECRET,
      POPLINE_BRIDGE_TEAM: 'true',
      POPLINE_BRIDGE_TEAM_DIRECTORY: directoryFile,
    },
    sourceTypes: sourceChecks,
  });
  const running = await startBridge(config, {
    log: createLogger({ level: 'error' }),
    sources: [new WebhookSource({ id: 'hooks', secret: SECRET })],
    staticTokens: {
      ...TOKENS,
      a1003: { extension: '1003', fullName: 'Away Colleague' },
      a1004: { extension: '1004', fullName: 'On the node that dies' },
    },
  });
  nodes.push(running);
  return running;
}

async function agent(on: RunningBridge, token: string): Promise<Agent> {
  const a = await Agent.connect(on.url, token);
  agents.push(a);
  await a.waitFor((f) => f.op === 'directory' && f.page === f.pages, { what: 'the directory' });
  return a;
}

async function hook(on: RunningBridge, body: unknown): Promise<number> {
  const text = JSON.stringify(body);
  const timestamp = Math.floor(Date.now() / 1000);
  const response = await fetch(`${on.origin}/sources/hooks/events`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      [TIMESTAMP_HEADER]: String(timestamp),
      [SIGNATURE_HEADER]: signBody(SECRET, text, timestamp),
    },
    body: text,
  });
  await response.text();
  return response.status;
}

const waitState = (a: Agent, ext: string, match: Frame, timeout = 10_000) =>
  a.waitFor(
    (f) =>
      f.op === 'clientStateChanged' && f.phoneNumber === ext && Object.entries(match).every(([k, v]) => f[k] === v),
    { what: `${ext} ${JSON.stringify(match)}`, timeout },
  );
const userIn = (a: Agent, ext: string) =>
  a
    .of('directory')
    .flatMap((f) => f.users)
    .find((u: Frame) => u.extension === ext);

/** What `a` last heard of `ext`'s state: its directory entry, then any `clientStateChanged` after it. */
function lastState(a: Agent, ext: string): Frame | undefined {
  let state: Frame | undefined;
  for (const f of a.frames) {
    if (f.op === 'directory') state = f.users.find((u: Frame) => u.extension === ext)?.state ?? state;
    if (f.op === 'clientStateChanged' && f.phoneNumber === ext) state = f;
  }
  return state;
}
/** Waits until `a`'s last word on `ext` matches (a colleague on another node may come online just after the directory). */
async function waitLastState(a: Agent, ext: string, match: Frame, timeout = 10_000): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!Object.entries(match).every(([k, v]) => lastState(a, ext)?.[k] === v)) {
    if (Date.now() > deadline)
      throw new Error(`timed out: ${ext} ${JSON.stringify(match)}, last ${JSON.stringify(lastState(a, ext))}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

test('presence and messages across two nodes', async () => {
  const a = await node('team-a');
  const b = await node('team-b');
  const onA = await agent(a, 'a1001');
  expect(onA.frames[0]).toMatchObject({ features: { presence: true, chat: true } });
  expect(onA.frames[0]?.permissions.accept).toBeUndefined(); // a webhook source cannot answer a phone
  const onB = await agent(b, 'a1002');
  // The same directory on both nodes; B's agent sees A's agent online in it, A hears B's come online.
  // (A's agent may have come online on B just after B sent the directory: then a clientStateChanged says so.)
  expect(userIn(onB, '1001')).toMatchObject({ fullName: 'Agent 1001' });
  await waitLastState(onB, '1001', { status: 'ONLINE', phone: 'idle' });
  expect(userIn(onB, '1003')?.state).toMatchObject({ status: 'OFFLINE', phone: 'offline' });
  await waitState(onA, '1002', { status: 'ONLINE' });

  // The phone axis: a call entering node A, to 1002 (connected to B).
  const call = { callId: 'tc1', caller: '+4930123456', callee: '1002' };
  expect(await hook(a, { ...call, event: 'ringing', seq: 1 })).toBe(200);
  await waitState(onB, '1002', { phone: 'ringing' });
  await waitState(onA, '1002', { phone: 'ringing' });
  expect(await hook(b, { ...call, event: 'connected', seq: 2 })).toBe(200);
  await waitState(onA, '1002', { phone: 'inCall', availability: 'available' });

  // Availability set on B reaches A (and B's own connection).
  const until = new Date(Date.now() + 3_600_000).toISOString();
  expect(await onB.request({ op: 'setAvailability', availability: 'dnd', note: 'on a call', until })).toMatchObject({
    ok: true,
  });
  await waitState(onA, '1002', { availability: 'dnd', note: 'on a call', until, phone: 'inCall' });
  await waitState(onB, '1002', { availability: 'dnd' });
  expect(redis.cli('HGET', 'popline:team:settings', '1002')).toContain('dnd');
  expect(await hook(a, { ...call, event: 'ended', seq: 3, outcome: 'hungup' })).toBe(200);
  await waitState(onA, '1002', { phone: 'idle', availability: 'dnd' });

  // A message from A's agent to B's, with its receipts back on A.
  const sent = await onA.request({ op: 'sendMessage', to: '1002', content: '<b>line 2</b>' });
  expect(sent).toMatchObject({ ok: true, messageId: expect.any(String) });
  const got = await onB.waitFor((f) => f.op === 'messageReceived' && f.id === sent.messageId);
  expect(got).toMatchObject({ from: '1001', to: '1002', content: '<b>line 2</b>' });
  await onA.waitFor((f) => f.op === 'messageStatus' && f.state === 'delivered' && f.ids[0] === sent.messageId);
  expect(await onB.request({ op: 'markRead', ids: [sent.messageId] })).toMatchObject({ ok: true });
  await onA.waitFor((f) => f.op === 'messageStatus' && f.state === 'read' && f.ids[0] === sent.messageId);
  expect(onA.of('messageStatus').filter((f) => f.state === 'delivered')).toHaveLength(1);
  // A second connection of 1002's, on A: it is not sent the message again (it was delivered).
  const secondB = await agent(a, 'a1002');
  expect(secondB.of('messageReceived')).toHaveLength(0);

  // A message to a colleague who is away waits in Redis, and is delivered when they connect to B.
  const kept = await onA.request({ op: 'sendMessage', to: '1003', content: 'call me back' });
  expect(Number(redis.cli('LLEN', 'popline:team:inbox:1003'))).toBe(1);
  expect(onA.of('messageStatus').some((f) => f.ids.includes(kept.messageId))).toBe(false);
  const away = await agent(b, 'a1003');
  const late = await away.waitFor((f) => f.op === 'messageReceived' && f.id === kept.messageId);
  expect(late.content).toBe('call me back');
  await onA.waitFor((f) => f.op === 'messageStatus' && f.state === 'delivered' && f.ids[0] === kept.messageId);
  expect(Number(redis.cli('LLEN', 'popline:team:inbox:1003'))).toBe(0);

  // A node that stops: its agents go OFFLINE on the other node.
  await nodes.splice(nodes.indexOf(b), 1)[0]?.stop();
  await waitState(onA, '1003', { status: 'OFFLINE' });
  await waitState(onA, '1002', { status: 'ONLINE' }); // still connected on A (secondB)
});

test('a node that dies: its agents go OFFLINE elsewhere once its presence expires', async () => {
  const a = await node('team-a');
  const c = await node('team-c');
  const onA = await agent(a, 'a1001');
  await agent(c, 'a1004');
  await waitState(onA, '1004', { status: 'ONLINE' });
  // c dies: Redis connections gone at once, nothing more written, its sockets cut.
  c.bridge.cluster?.crash();
  for (const client of c.bridge.hub.clients) client.socket.terminate();
  await waitState(onA, '1004', { status: 'OFFLINE', phone: 'offline' }, 40_000);
  // What is left of c (as the cluster tests do with a node they crashed).
  nodes.splice(nodes.indexOf(c), 1);
  c.bridge.hub.close();
  c.server.closeAllConnections();
  c.server.close();
});

test('Redis restarted empty: the nodes read the team stream again, messages flow, presence is written back', async () => {
  const a = await node('team-a');
  const b = await node('team-b');
  const onA = await agent(a, 'a1001');
  const onB = await agent(b, 'a1002');
  await waitState(onA, '1002', { status: 'ONLINE' });
  await redis.restart(300);
  // Presence is rewritten by each node within its refresh period.
  const deadline = Date.now() + 20_000;
  while (!redis.cli('HGET', 'popline:team:online:team-b', '1002') && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 200));
  expect(redis.cli('HGET', 'popline:team:online:team-b', '1002')).toBe('1');
  // A message after the restart crosses the nodes (retried while the connections come back).
  let sent: Frame | undefined;
  for (let i = 0; i < 40 && !sent?.ok; i++) {
    sent = await onA.request({ op: 'sendMessage', to: '1002', content: 'after the restart' });
    if (!sent.ok) await new Promise((resolve) => setTimeout(resolve, 250));
  }
  expect(sent).toMatchObject({ ok: true });
  await onB.waitFor((f) => f.op === 'messageReceived' && f.id === sent?.messageId, { timeout: 10_000 });
  await onA.waitFor((f) => f.op === 'messageStatus' && f.ids[0] === sent?.messageId && f.state === 'delivered');
  expect(onA.closed).toBeUndefined();
  expect(onB.closed).toBeUndefined();
});
