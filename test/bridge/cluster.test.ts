/**
 * Several bridge nodes on one real redis-server (started here, persistence off): an event entering
 * any node reaches the agents of every node with the same cluster-wide seq, every node's snapshot is
 * the same, an agent that moves to another node gets the calls, revocations reach every node, and
 * Redis faults (a restart that loses everything, an outage past the bound) are survived.
 */
import { loadConfig } from '../../bridge/src/ops/config';
import { createLogger } from '../../bridge/src/ops/log';
import { type RunningBridge, sourceChecks, startBridge } from '../../bridge/src/server/bridge';
import { SimulatorSource } from '../../bridge/src/sources/simulator';
import { WebhookSource } from '../../bridge/src/sources/webhook';
import { SIGNATURE_HEADER, signBody, TIMESTAMP_HEADER } from '../../bridge/src/webhook/signature';
import { Pbx } from '../../sim/pbx';
import { Agent, type Frame } from '../conformance/agent';
import { TestRedis } from '../support/redis';
import { sleep, TOKENS } from './fixture';

const SECRET = 'cluster-test-webhook-secret-0123';
const TOKEN_SECRET = 'cluster-test-token-secret-0123456789abcdef';
let redis: TestRedis;
const nodes: RunningBridge[] = [];
const agents: Agent[] = [];

jest.setTimeout(30_000);

beforeAll(async () => {
  redis = await TestRedis.start();
});
afterAll(async () => {
  await redis.stop();
});
afterEach(async () => {
  for (const agent of agents.splice(0)) agent.close();
  await Promise.all(nodes.splice(0).map((node) => node.stop()));
  redis.cli('FLUSHALL');
});

async function node(name: string, argv: string[] = []): Promise<RunningBridge> {
  const config = loadConfig({
    argv: ['--port', '0', '--redis', redis.url, '--node-id', name, '--log-level', 'error', ...argv],
    env: { POPLINE_BRIDGE_TOKEN_SECRET: TOKEN_SECRET },
    sourceTypes: sourceChecks,
  });
  const running = await startBridge(config, {
    log: createLogger({ level: 'error' }),
    sources: [new WebhookSource({ id: 'hooks', secret: SECRET })],
    staticTokens: { ...TOKENS },
  });
  nodes.push(running);
  return running;
}

async function agent(on: RunningBridge, token: string, extension?: string): Promise<Agent> {
  const a = await Agent.connect(on.url, token, extension);
  agents.push(a);
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

const event = (callId: string, kind: string, seq: number, extra: Record<string, unknown> = {}) => ({
  callId,
  event: kind,
  seq,
  caller: '+4930123456',
  callee: '1001',
  ...extra,
});

const readyz = async (on: RunningBridge) => {
  const response = await fetch(`${on.origin}/readyz`);
  return { status: response.status, body: (await response.json()) as Frame };
};

const until = async (check: () => boolean | Promise<boolean>, what: string, ms = 10_000) => {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(50);
  }
};

/** The agent's latest view of a call, from snapshots and events alike (as the extension applies them). */
function latest(agent: Agent, sessionId: string): string | undefined {
  let state: string | undefined;
  for (const f of agent.frames) {
    if (f.op === 'sessionsSnapshot') state = f.sessions.find((s: Frame) => s.sessionId === sessionId)?.state ?? 'gone';
    else if ((f.op === 'sessionCreated' || f.op === 'sessionStateChanged') && f.session.sessionId === sessionId)
      state = f.session.state;
    else if (f.op === 'sessionClosed' && f.sessionId === sessionId) state = 'gone';
  }
  return state;
}

const ids = (snapshot: Frame) => snapshot.sessions.map((s: Frame) => `${s.sessionId}:${s.state}`).sort();

test('an event entering node B reaches the agents of node A and B with one seq; snapshots are the same', async () => {
  const a = await node('a');
  const b = await node('b');
  const onA = await agent(a, 'a1001');
  const onB = await agent(b, 'all', '1009');
  const other = await agent(a, 'a1002'); // sees only calls of 1002: the positive control of filtering

  expect(await hook(b, event('c1', 'ringing', 1, { callerName: 'Anna' }))).toBe(200);
  const createdA = await onA.waitFor((f) => f.op === 'sessionCreated');
  const createdB = await onB.waitFor((f) => f.op === 'sessionCreated');
  expect(createdA.session.sessionId).toBe('c1');
  expect(createdA.seq).toBe(createdB.seq);

  // The answer comes in through node A this time.
  expect(await hook(a, event('c1', 'connected', 2))).toBe(200);
  const changed = await onB.waitFor((f) => f.op === 'sessionStateChanged');
  expect(changed.seq).toBeGreaterThan(createdB.seq);

  const [snapA, snapB] = await Promise.all([onA.request({ op: 'listSessions' }), onB.request({ op: 'listSessions' })]);
  expect(snapA.seq).toBe(snapB.seq);
  expect(ids(snapA)).toEqual(ids(snapB));
  expect(ids(snapA)).toHaveLength(1);

  expect(await hook(b, event('c1', 'ended', 3, { outcome: 'hungup' }))).toBe(200);
  await onA.waitFor((f) => f.op === 'sessionClosed' && f.sessionId === 'c1');
  await onB.waitFor((f) => f.op === 'sessionClosed' && f.sessionId === 'c1');
  expect(other.of('sessionCreated')).toHaveLength(0);

  // The ended call is in every node's history, wherever it entered.
  for (const on of [a, b]) {
    const viewer = await agent(on, 'all', '1009');
    const page = await viewer.request({ op: 'getCallHistory', pageNumber: 0, pageRows: 10 });
    expect(page.entries.map((e: Frame) => e.sessionId)).toEqual(['c1']);
  }
  // Presence: each node says who is connected to it.
  await until(() => redis.cli('HGET', 'popline:presence:a', '1001') === '1', 'node a reported its agents');
  expect(redis.cli('XLEN', 'popline:events')).not.toBe('0');
});

test('an agent that moves to another node gets the calls in its snapshot, with a seq that kept growing', async () => {
  const a = await node('a');
  const b = await node('b');
  const first = await agent(a, 'a1001');
  await hook(a, event('m1', 'ringing', 1));
  const created = await first.waitFor((f) => f.op === 'sessionCreated');
  first.close();
  const moved = await agent(b, 'a1001');
  const snapshot = moved.of('sessionsSnapshot')[0] as Frame;
  expect(snapshot.sessions.map((s: Frame) => s.sessionId)).toEqual(['m1']);
  expect(snapshot.seq).toBeGreaterThanOrEqual(created.seq);
  await hook(b, event('m1', 'connected', 2));
  const next = await moved.waitFor((f) => f.op === 'sessionStateChanged');
  expect(next.seq).toBeGreaterThan(snapshot.seq);
});

test('a token revoked on node A is refused by node B, and B closes its connections', async () => {
  const a = await node('a');
  const b = await node('b');
  const { token, grant } = a.authority.issue({ extensions: ['1001'], permissions: ['dial'], ttlSeconds: 3600 });
  const kept = await agent(
    b,
    b.authority.issue({ extensions: ['1002'], permissions: ['dial'], ttlSeconds: 3600 }).token,
  );
  const held = await agent(b, token);
  expect(held.of('connectionStateChanged')[0]?.state).toBe('ACCESS_GRANTED'); // B accepts A's token
  expect(a.authority.revoke(grant.id)).toBe(true);
  expect((await held.waitClosed()).code).toBe(4401);
  const again = await agent(b, token);
  expect(again.of('connectionStateChanged')[0]?.reason).toBe('token revoked');
  expect(kept.closed).toBeUndefined();
  expect(redis.cli('SISMEMBER', 'popline:revoked', grant.id)).toBe('1');
});

test('Redis restarted mid-call (all data lost): agents stay, /readyz says so, metrics count, nodes recover', async () => {
  const a = await node('a');
  const b = await node('b');
  const onA = await agent(a, 'a1001');
  const onB = await agent(b, 'all', '1009');
  await hook(a, event('r1', 'ringing', 1));
  await onB.waitFor((f) => f.op === 'sessionCreated');
  await until(() => latest(onA, 'r1') === latest(onB, 'r1'), 'both agents have the ringing call');
  // What both agents had before the answer (read now: once Redis is back, the answer may be there already).
  const ringing = latest(onB, 'r1');
  expect((await readyz(a)).status).toBe(200); // positive control

  await redis.kill();
  await until(async () => (await readyz(a)).status === 503, 'node a says it is not ready');
  const down = await readyz(b);
  await until(async () => (await readyz(b)).status === 503, 'node b says it is not ready');
  expect((await readyz(b)).body.cluster.redis).toBe('down');
  // An event entering while Redis is away is held, then delivered.
  expect(await hook(b, event('r1', 'connected', 2))).toBe(200);
  await sleep(300);
  await redis.restart();
  await until(async () => (await readyz(a)).status === 200 && (await readyz(b)).status === 200, 'both ready again');
  // The held change arrives as an event or in the fresh snapshot each node sends after reloading.
  await until(() => latest(onA, 'r1') !== ringing && latest(onB, 'r1') !== ringing, 'the answer reached both');
  expect(latest(onA, 'r1')).toBe(latest(onB, 'r1'));
  expect(latest(onA, 'r1')).not.toBe('gone');
  expect(onA.closed).toBeUndefined();
  expect(onB.closed).toBeUndefined();
  expect(down.body.ready).toBe(false);

  // The calls were put back: a new agent anywhere sees the talking call, and new events flow.
  const late = await agent(a, 'all', '1009');
  const snapshot = late.of('sessionsSnapshot')[0] as Frame;
  expect(snapshot.sessions.map((s: Frame) => s.sessionId)).toEqual(['r1']);
  await hook(a, event('r1', 'ended', 3, { outcome: 'hungup' }));
  await onB.waitFor((f) => f.op === 'sessionClosed' && f.sessionId === 'r1');
  await onA.waitFor((f) => f.op === 'sessionClosed' && f.sessionId === 'r1');

  const metrics = await (await fetch(`${a.origin}/metrics`)).text();
  expect(metrics).toMatch(/^popline_bridge_redis_up 1$/m);
  expect(Number(/^popline_bridge_redis_errors_total (\d+)/m.exec(metrics)?.[1])).toBeGreaterThan(0);
});

test('Redis gone past the bound: agents are closed with 1012 and refused until it is back', async () => {
  const a = await node('a', ['--redis-outage-ms', '1000']);
  const onA = await agent(a, 'a1001');
  await sleep(1500);
  expect(onA.closed).toBeUndefined(); // Redis up: nothing happens (positive control)
  await redis.kill();
  expect((await onA.waitClosed(8000)).code).toBe(1012);
  await expect(Agent.connect(a.url, 'a1001')).rejects.toThrow(/503/);
  await redis.restart();
  await until(async () => (await readyz(a)).status === 200, 'node a ready again');
  const back = await agent(a, 'a1001');
  expect(back.of('connectionStateChanged')[0]?.state).toBe('ACCESS_GRANTED');
  const metrics = await (await fetch(`${a.origin}/metrics`)).text();
  expect(metrics).toMatch(/^popline_bridge_redis_outage_closes_total 1$/m);
});

test('the node holding a single-connection source dies: another takes the lease and pops calls rung in the gap', async () => {
  // One PBX, as the two nodes would each have a connection to; the simulator stands in for it.
  const pbx = new Pbx();
  const start = async (name: string) => {
    const config = loadConfig({
      argv: ['--port', '0', '--redis', redis.url, '--node-id', name, '--lease-ms', '1500', '--log-level', 'error'],
      env: { POPLINE_BRIDGE_TOKEN_SECRET: TOKEN_SECRET },
      sourceTypes: sourceChecks,
    });
    const sim = new SimulatorSource(pbx, { vocabulary: 'dotnet', dialAgentMs: 50, dialCustomerMs: 50 }, 'sim');
    const running = await startBridge(config, {
      log: createLogger({ level: 'error' }),
      sources: [sim],
      leased: ['sim'],
      staticTokens: { ...TOKENS },
    });
    nodes.push(running);
    return running;
  };
  const a = await start('a');
  await until(() => redis.cli('GET', 'popline:lease:sim') === 'a', 'node a holds the lease');
  const b = await start('b');
  const onB = await agent(b, 'a1001');
  expect((await readyz(b)).body.cluster.leases).toEqual({ sim: 'standby' });

  const before = pbx.ring({ from: '+4930111', to: '1001' });
  await onB.waitFor((f) => f.op === 'sessionCreated' && f.session.sessionId === before.sessionId); // relayed by a
  expect(redis.cli('GET', 'popline:lease:sim')).toBe('a');

  a.bridge.cluster?.crash(); // a dies: no lease given up, nothing more written
  a.bridge.hub.dropAll();
  const gap = pbx.ring({ from: '+4930222', to: '1001' }); // rung while nobody relays the PBX
  await sleep(200);
  // Not popped yet: nobody holds the lease (the positive control is the pop below).
  expect(onB.of('sessionCreated').some((f) => f.session.sessionId === gap.sessionId)).toBe(false);
  const popped = await onB.waitFor((f) => f.op === 'sessionCreated' && f.session.sessionId === gap.sessionId, {
    timeout: 10_000,
  });
  expect(popped.session.caller).toBe('+4930222');
  expect(redis.cli('GET', 'popline:lease:sim')).toBe('b');
  expect((await readyz(b)).body.cluster.leases).toEqual({ sim: 'held' });
  // The call from before the takeover stays, and follows the PBX through the new holder.
  pbx.answer(before.sessionId);
  await until(() => latest(onB, before.sessionId) === 'InCall', 'the earlier call answered through node b');
  expect(onB.of('sessionCreated').filter((f) => f.session.sessionId === gap.sessionId)).toHaveLength(1);
  nodes.splice(nodes.indexOf(a), 1);
  a.server.closeAllConnections();
  a.server.close();
});

test('--redis is validated, and a password is never on the command line or repeated in a message', () => {
  const load =
    (argv: string[], env: NodeJS.ProcessEnv = {}) =>
    () =>
      loadConfig({ argv, env, sourceTypes: sourceChecks });
  expect(load(['--redis', 'redis://127.0.0.1:6379/2'])().redis).toBe('redis://127.0.0.1:6379/2'); // positive control
  expect(load([], { POPLINE_BRIDGE_REDIS: 'redis://:s3cret@10.0.0.5:6379' })().redis).toContain('s3cret');
  expect(load(['--redis', 'http://127.0.0.1:6379'])).toThrow(
    /--redis: got "http:\/\/127.0.0.1:6379", expected a redis:\/\//,
  );
  expect(load(['--redis', 'redis://127.0.0.1:6379/x'])).toThrow(/the path is the database number/);
  let message = '';
  try {
    load(['--redis', 'redis://:s3cret@10.0.0.5:6379'])();
  } catch (error) {
    message = (error as Error).message;
  }
  expect(message).toMatch(/no password on the command line/);
  expect(message).not.toContain('s3cret');
  expect(load(['--redis-outage-ms', '10'])).toThrow(/--redis-outage-ms: got "10", expected an integer from 1000/);
});
