/**
 * Call commands for a leased source, sent by an agent connected to a node that does not hold the
 * lease, on one real redis-server with in-process nodes sharing one PBX (the simulator): they reach
 * the holder through Redis and its result comes back; when the holder dies, a command sent in the
 * gap is served by the new holder, or answered with a clear "not carried out" and never executed
 * later; a command delivered twice (the same id again, or redelivered from a dead holder's pending
 * entries) is executed once.
 */
import { PassThrough } from 'node:stream';
import { Redis } from 'ioredis';
import { loadConfig } from '../../bridge/src/ops/config';
import { createLogger } from '../../bridge/src/ops/log';
import { type RunningBridge, sourceChecks, startBridge } from '../../bridge/src/server/bridge';
import { SimulatorSource } from '../../bridge/src/sources/simulator';
import type { CallRequest, CallSource, DialRequest } from '../../bridge/src/sources/types';
import { Pbx } from '../../sim/pbx';
import { Agent, type Frame } from '../conformance/agent';
import { TestRedis } from '../support/redis';
import { sleep, TOKENS } from './fixture';

const TOKEN_SECRET = 'cluster-commands-token-secret-0123456789ab';
let redis: TestRedis;
let pbx: Pbx;
const nodes: RunningBridge[] = [];
const agents: Agent[] = [];

jest.setTimeout(40_000);

beforeAll(async () => {
  redis = await TestRedis.start();
});
afterAll(async () => {
  await redis.stop();
});
beforeEach(() => {
  pbx = new Pbx();
});
afterEach(async () => {
  for (const agent of agents.splice(0)) agent.close();
  await Promise.all(nodes.splice(0).map((node) => node.stop()));
  redis.cli('FLUSHALL');
});

interface Node {
  running: RunningBridge;
  /** What this node's source carried out on the PBX: `op:sessionId` (dial: `dial:number`). */
  executed: string[];
  /** What it logged at warn and above. */
  warnings: { msg: string }[];
  /** While set, this node's PBX takes a hold only once the promise resolves (a slow phone system). */
  slow: { hold?: Promise<void> };
}

/** A node with the simulator source as a leased source on the shared PBX; its commands are recorded. */
async function node(name: string, leaseMs = 1500): Promise<Node> {
  const config = loadConfig({
    argv: ['--port', '0', '--redis', redis.url, '--node-id', name, '--lease-ms', String(leaseMs)],
    env: { POPLINE_BRIDGE_TOKEN_SECRET: TOKEN_SECRET },
    sourceTypes: sourceChecks,
  });
  const sim = new SimulatorSource(pbx, { vocabulary: 'dotnet', dialAgentMs: 50, dialCustomerMs: 50 }, 'sim');
  const executed: string[] = [];
  const slow: Node['slow'] = {};
  const source: CallSource = sim; // a source may answer later (MaybePromise)
  for (const op of ['hangup', 'hold', 'unhold'] as const) {
    const original = sim[op];
    source[op] = (request: CallRequest) => {
      executed.push(`${op}:${request.sessionId}`);
      const gate = op === 'hold' ? slow.hold : undefined;
      return gate ? gate.then(() => original(request)) : original(request);
    };
  }
  const dial = sim.dial.bind(sim);
  sim.dial = (request: DialRequest) => {
    executed.push(`dial:${request.number}`);
    return dial(request);
  };
  const warnings: { msg: string }[] = [];
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n').filter(Boolean)) warnings.push(JSON.parse(line));
  });
  const running = await startBridge(config, {
    log: createLogger({ level: 'warn', stream }),
    sources: [sim],
    leased: ['sim'],
    staticTokens: { ...TOKENS },
  });
  nodes.push(running);
  return { running, executed, warnings, slow };
}

async function agent(on: Node, token = 'a1001'): Promise<Agent> {
  const a = await Agent.connect(on.running.url, token);
  agents.push(a);
  return a;
}

const until = async (check: () => boolean | Promise<boolean>, what: string, ms = 10_000) => {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(25);
  }
};

const holder = () => redis.cli('GET', 'popline:lease:sim');

/** Two nodes; `a` holds the lease, the agent is on `b`, and a call of 1001's rings (popped at b). */
async function pair(leaseMs?: number) {
  const a = await node('a', leaseMs);
  await until(() => holder() === 'a', 'node a holds the lease');
  const b = await node('b', leaseMs);
  const onB = await agent(b);
  const call = pbx.ring({ from: '+4930111', to: '1001' });
  await onB.waitFor((f) => f.op === 'sessionCreated' && f.session.sessionId === call.sessionId);
  pbx.answer(call.sessionId);
  await onB.waitFor((f) => f.op === 'sessionStateChanged' && f.session.sessionId === call.sessionId);
  return { a, b, onB, id: call.sessionId };
}

/** Stops a node as if killed: the lease is neither renewed nor given up, its agents cut. */
function kill(n: Node): void {
  n.running.bridge.cluster?.crash();
  n.running.bridge.hub.dropAll();
  nodes.splice(nodes.indexOf(n.running), 1);
  n.running.server.closeAllConnections();
  n.running.server.close();
}

const action = (on: Agent, sessionId: string, name: string, timeout = 20_000) =>
  on.request({ op: 'sessionAction', sessionId, action: name }, timeout);

test('an agent on the node without the lease dials and hangs up: the holder carries it out, the result comes back', async () => {
  const { a, b, onB, id } = await pair();
  expect(b.running.bridge.router.runs('sim')).toBe(false);

  const held = await action(onB, id, 'hold');
  expect(held).toMatchObject({ op: 'result', ok: true, sessionId: id });
  expect(pbx.calls.get(id)?.state).toBe('hold');
  await onB.waitFor(
    (f) => f.op === 'sessionStateChanged' && f.session.sessionId === id && f.session.state === 'CallerOnHold',
  ); // the dotnet vocabulary

  const dialled = await onB.request({ op: 'createCall', number: '+4930999' }, 20_000);
  expect(dialled.ok).toBe(true);
  expect(pbx.calls.get(dialled.sessionId)?.callee).toBe('+4930999');
  await onB.waitFor((f) => f.op === 'sessionCreated' && f.session.sessionId === dialled.sessionId);

  const hungUp = await action(onB, dialled.sessionId, 'hangup');
  expect(hungUp).toMatchObject({ ok: true, sessionId: dialled.sessionId });
  expect(pbx.calls.has(dialled.sessionId)).toBe(false);
  await onB.waitFor((f) => f.op === 'sessionClosed' && f.sessionId === dialled.sessionId);

  // Carried out once each, by the holder only.
  expect(a.executed).toEqual([`hold:${id}`, 'dial:+4930999', `hangup:${dialled.sessionId}`]);
  expect(b.executed).toEqual([]);
  // The PBX's own refusal comes back as it is: the call left the PBX unannounced, the bridges still list it.
  pbx.setState(id, 'hungup', { announce: false });
  const refused = await action(onB, id, 'unhold');
  expect(refused).toMatchObject({ op: 'result', ok: false, error: { code: 'NOT_FOUND', message: 'no such call' } });
  expect(a.executed).toEqual([`hold:${id}`, 'dial:+4930999', `hangup:${dialled.sessionId}`, `unhold:${id}`]);
  expect(redis.cli('XLEN', 'popline:cmd:sim')).toBe('0'); // answered commands leave the stream
  // The relay's blocking readers connected before their first read: nothing was retried or warned of.
  expect([...a.warnings, ...b.warnings].filter((w) => /command/.test(w.msg))).toEqual([]);
});

test('the holder dies: a hangup sent in the gap is carried out once by the new holder', async () => {
  const { a, b, onB, id } = await pair(1500);
  await action(onB, id, 'hold'); // through a, while it lives (positive control)
  expect(a.executed).toEqual([`hold:${id}`]);

  kill(a);
  // Nobody serves the source now: a's lease has to run out before b takes it and the hangup waiting.
  const result = await action(onB, id, 'hangup');
  expect(result).toMatchObject({ ok: true, sessionId: id });
  expect(holder()).toBe('b');
  expect(pbx.calls.has(id)).toBe(false);
  expect(b.executed).toEqual([`hangup:${id}`]);
  expect(a.executed).toEqual([`hold:${id}`]);
  await onB.waitFor((f) => f.op === 'sessionClosed' && f.sessionId === id);
});

test('the holder dies and no node takes over in time: "not carried out", and never carried out later', async () => {
  const { a, b, onB, id } = await pair(8000);
  kill(a);
  const result = await action(onB, id, 'hold');
  expect(result.ok).toBe(false);
  expect(result.error.code).toBe('FAILED');
  expect(result.error.message).toMatch(/not carried out, try again/);
  expect(pbx.calls.get(id)?.state).toBe('incall');

  // b takes the lease once a's expires and reads the cancelled command: it is not executed.
  await until(() => holder() === 'b', 'node b takes the lease', 15_000);
  await until(() => (b.running.bridge.cluster?.commandStats?.duplicates ?? 0) >= 1, 'b met the cancelled command');
  expect(b.executed).toEqual([]);
  expect(pbx.calls.get(id)?.state).toBe('incall');
  // b serves a new command (the positive control of the check above).
  expect(await action(onB, id, 'hold')).toMatchObject({ ok: true });
  expect(b.executed).toEqual([`hold:${id}`]);
});

test('a command delivered twice, or redelivered from a dead holder’s pending entries, is executed once', async () => {
  const { a, onB, id } = await pair();
  await action(onB, id, 'hold');
  expect(a.executed).toEqual([`hold:${id}`]);
  const claims = redis.cli('KEYS', 'popline:cmd:claim:*').split('\n');
  expect(claims).toHaveLength(1);
  const first = (claims[0] as string).slice('popline:cmd:claim:'.length);
  expect(redis.cli('GET', `popline:cmd:claim:${first}`)).toBe('a');

  const client = new Redis(redis.url);
  try {
    const body = (op: string) => JSON.stringify({ op, request: { extension: '1001', grantId: 'g', sessionId: id } });
    const stats = () => a.running.bridge.cluster?.commandStats as { executed: number; duplicates: number };
    const executedBefore = stats().executed;
    // A fresh id: executed, and its answer waits in its reply key, nobody here taking it (the positive
    // control of the checks below).
    await client.xadd('popline:cmd:sim', '*', 'i', 'fresh-1', 'n', 'b', 'c', body('unhold'));
    await until(() => a.executed.length === 2, 'the holder ran the fresh command');
    expect(pbx.calls.get(id)?.state).toBe('incall');
    expect(await client.llen('popline:cmd:reply:fresh-1')).toBe(1);
    expect(JSON.parse((await client.lpop('popline:cmd:reply:fresh-1')) as string)).toEqual({ ok: true, sessionId: id });

    // The first command again (as a redelivery would bring it): not executed, and no second answer.
    // (Its first answer was taken by the asking node b, so its reply key is gone.)
    expect(await client.exists(`popline:cmd:reply:${first}`)).toBe(0);
    await client.xadd('popline:cmd:sim', '*', 'i', first, 'n', 'b', 'c', body('hold'));
    await until(() => stats().duplicates === 1, 'the holder met the duplicate');
    expect(a.executed).toEqual([`hold:${id}`, `unhold:${id}`]);
    expect(pbx.calls.get(id)?.state).toBe('incall');
    expect(await client.exists(`popline:cmd:reply:${first}`)).toBe(0);

    // A holder that died after reading two commands, one of which it had carried out (claimed):
    // the live holder takes both over from its pending entries and runs only the other one.
    await client.set('popline:cmd:claim:ghost-done', 'ghost');
    const delivered = (await client
      .multi()
      .xadd('popline:cmd:sim', '*', 'i', 'ghost-done', 'n', 'b', 'c', body('hangup'))
      .xadd('popline:cmd:sim', '*', 'i', 'ghost-open', 'n', 'b', 'c', body('hold'))
      .xreadgroup('GROUP', 'holders', 'ghost', 'COUNT', 10, 'STREAMS', 'popline:cmd:sim', '>')
      .exec()) as [Error | null, unknown][];
    const read = delivered[2]?.[1] as [string, [string, string[]][]][];
    expect(read[0]?.[1]).toHaveLength(2); // the ghost has them both
    await until(() => a.executed.length === 3, 'the holder took the ghost’s open command over');
    expect(a.executed[2]).toBe(`hold:${id}`);
    await until(() => stats().duplicates === 2, 'the holder met the ghost’s carried-out command');
    expect(a.executed).toHaveLength(3);
    expect(pbx.calls.has(id)).toBe(true); // the ghost's hangup was not carried out again
    expect(stats().executed - executedBefore).toBe(2);
    const pending = (await client.xpending('popline:cmd:sim', 'holders')) as [number, ...unknown[]];
    expect(pending[0]).toBe(0);
  } finally {
    client.disconnect();
  }
});

test('a command slower than the take-over idle time is not taken again by its own holder', async () => {
  const { a, onB, id } = await pair();
  let release: () => void = () => undefined;
  a.slow.hold = new Promise<void>((resolve) => {
    release = resolve;
  });
  const answer = action(onB, id, 'hold');
  // The holder's periodic XAUTOCLAIM hands its own still-running entry back to it: delivery count 2.
  const client = new Redis(redis.url);
  try {
    const deliveries = async () => {
      const pending = (await client.xpending('popline:cmd:sim', 'holders', '-', '+', 10)) as [
        string,
        string,
        number,
        number,
      ][];
      return pending[0]?.[3] ?? 0;
    };
    await until(async () => (await deliveries()) >= 2, 'the holder claimed its own running command back');
  } finally {
    client.disconnect();
  }
  release();
  expect(await answer).toMatchObject({ ok: true, sessionId: id });
  expect(a.executed).toEqual([`hold:${id}`]);
  expect(a.running.bridge.cluster?.commandStats).toMatchObject({ executed: 1, duplicates: 0 });
});

test('an unreadable command in the stream is dropped with an answer, and the holder goes on', async () => {
  const { a, onB, id } = await pair();
  const client = new Redis(redis.url);
  try {
    await client.xadd('popline:cmd:sim', '*', 'i', 'bad-1', 'n', 'b', 'c', '{"op":"hangup","request":{"sessionId":5}}');
    await until(async () => (await client.llen('popline:cmd:reply:bad-1')) > 0, 'the holder answered it');
    const reply = await client.lpop('popline:cmd:reply:bad-1');
    expect(JSON.parse(reply as string)).toMatchObject({ ok: false, code: 'FAILED' });
  } finally {
    client.disconnect();
  }
  expect(a.executed).toEqual([]);
  expect(await action(onB, id, 'hold')).toMatchObject({ ok: true }); // still serving
  expect(a.executed).toEqual([`hold:${id}`]);
});

test('without Redis nothing changes: the one node carries commands out itself', async () => {
  const config = loadConfig({ argv: ['--port', '0'], env: {}, sourceTypes: sourceChecks });
  const sim = new SimulatorSource(pbx, { vocabulary: 'dotnet', dialAgentMs: 50, dialCustomerMs: 50 }, 'sim');
  const running = await startBridge(config, {
    log: createLogger({ level: 'error' }),
    sources: [sim],
    leased: ['sim'],
    staticTokens: { ...TOKENS },
  });
  nodes.push(running);
  expect(running.bridge.router.forwarder).toBeUndefined();
  const on = await Agent.connect(running.url, 'a1001');
  agents.push(on);
  const call = pbx.ring({ from: '+4930111', to: '1001' });
  await on.waitFor((f: Frame) => f.op === 'sessionCreated' && f.session.sessionId === call.sessionId);
  expect(await action(on, call.sessionId, 'hangup')).toMatchObject({ ok: true });
  expect(pbx.calls.has(call.sessionId)).toBe(false);
});
