/**
 * The bridge's CTI server to the letter of docs/protocol.md: handshake, snapshot, seq, heartbeat,
 * close codes, commands and their error codes, limits, per-agent visibility, frame and command
 * floods, handshake floods, and a slow consumer that must not hold up a fast one.
 */
import { MAX_PENDING_PER_ADDRESS } from '../../bridge/src/server/hub';
import { Agent, type Frame } from '../conformance/agent';
import { sleep, startTestBridge, type TestBridge } from './fixture';

let b: TestBridge;
const agents: Agent[] = [];
const connect = async (token: string, extension?: string) => {
  const agent = await Agent.connect(b.url, token, extension);
  agents.push(agent);
  return agent;
};
const open = async (headers?: Record<string, string>) => {
  const agent = await Agent.open(b.url, headers ? { headers } : {});
  agents.push(agent);
  return agent;
};

beforeEach(async () => {
  b = await startTestBridge();
});
afterEach(async () => {
  for (const agent of agents.splice(0)) agent.close();
  await b.stop();
});

test('handshake: ACCESS_GRANTED with the server named, then a snapshot of the calls; seq grows strictly', async () => {
  const existing = b.pbx.ring({ from: '+4930123', to: '1001', name: 'Anna' });
  const agent = await connect('a1001', '1001');
  const [granted, snapshot] = agent.frames;
  expect(granted).toMatchObject({
    op: 'connectionStateChanged',
    state: 'ACCESS_GRANTED',
    extension: '1001',
    user: { fullName: 'Agent 1001', devices: ['1001'] },
    permissions: { dial: true, control: true, history: true, monitorAll: false },
    heartbeat: 20,
    server: { name: 'PopLine bridge', version: expect.stringMatching(/^\d+\.\d+\.\d+/) },
  });
  expect(snapshot).toMatchObject({
    op: 'sessionsSnapshot',
    sessions: [{ sessionId: existing.sessionId, state: 'Ringing' }],
  });
  b.pbx.answer(existing.sessionId);
  b.pbx.hangup(existing.sessionId);
  await agent.waitFor((f) => f.op === 'sessionClosed');
  const seqs = agent.frames.filter((f) => typeof f.seq === 'number').map((f) => f.seq);
  expect(seqs.length).toBe(4);
  for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBeGreaterThan(seqs[i - 1]);
  expect(agent.of('sessionStateChanged').map((f) => f.session.state)).toEqual(['InCall', 'CalleeHungUp']);
});

test('an unknown version is UNSUPPORTED_VERSION and 4400', async () => {
  const agent = await open();
  agent.send({ op: 'connect', v: 2, token: 'all' });
  expect(await agent.waitClosed()).toMatchObject({ code: 4400 });
  expect(agent.frames).toEqual([expect.objectContaining({ op: 'error', code: 'UNSUPPORTED_VERSION' })]);
});

test('tokens: wrong is ACCESS_DENIED and 4401, another extension 4403', async () => {
  const wrong = await connect('nope', '1001');
  expect(await wrong.waitClosed()).toMatchObject({ code: 4401, reason: 'invalid token' });
  expect(wrong.frames).toEqual([{ op: 'connectionStateChanged', state: 'ACCESS_DENIED', reason: 'invalid token' }]);
  const other = await connect('a1001', '1002');
  expect((await other.waitClosed()).code).toBe(4403);
  expect(b.running.bridge.hub.grantedCount).toBe(0);
});

test('no connect in time is closed with 4408; before connect, other ops are protocol errors', async () => {
  b.running.bridge.hub.options.handshakeTimeoutMs = 300;
  const agent = await open();
  agent.send({ op: 'listSessions', requestId: 'x' });
  await agent.waitFor((f) => f.op === 'error');
  expect(await agent.waitClosed()).toMatchObject({ code: 4408 });
});

test('ping is answered with pong carrying t; unknown ops and fields are ignored', async () => {
  const agent = await connect('a1001', '1001');
  agent.send({ op: 'mystery', x: 1 });
  agent.send({ op: 'ping', t: 42, extra: { nested: true } });
  expect(await agent.waitFor((f) => f.op === 'pong')).toEqual({ op: 'pong', t: 42 });
  expect(agent.of('error')).toEqual([]);
});

test('a connection silent for three heartbeats is closed; one that pings stays', async () => {
  b.running.bridge.hub.options.heartbeat = 1;
  const silent = await connect('a1001', '1001');
  const alive = await connect('a1002', '1002');
  const pinger = setInterval(() => alive.send({ op: 'ping', t: Date.now() }), 300);
  try {
    expect((await silent.waitClosed(8000)).code).toBe(1001);
    expect(alive.closed).toBeUndefined();
    expect(alive.of('pong').length).toBeGreaterThan(3);
  } finally {
    clearInterval(pinger);
  }
});

test('commands: listSessions, createCall, sessionAction, getCallHistory, each answered by requestId', async () => {
  const agent = await connect('a1001', '1001');
  expect(await agent.request({ op: 'listSessions' })).toMatchObject({ op: 'sessionsSnapshot', sessions: [] });
  const dial = await agent.request({ op: 'createCall', number: '+4930555' });
  expect(dial).toMatchObject({ op: 'result', ok: true, sessionId: expect.any(String) });
  await agent.waitFor((f) => f.op === 'sessionStateChanged' && f.session.state === 'InCall', { timeout: 3000 });
  expect(await agent.request({ op: 'sessionAction', sessionId: dial.sessionId, action: 'hold' })).toMatchObject({
    ok: true,
    sessionId: dial.sessionId,
  });
  const fail = (code: string) =>
    expect.objectContaining({ op: 'result', ok: false, error: expect.objectContaining({ code }) });
  expect(await agent.request({ op: 'sessionAction', sessionId: 'nope', action: 'hangup' })).toEqual(fail('NOT_FOUND'));
  expect(await agent.request({ op: 'sessionAction', sessionId: dial.sessionId, action: 'fly' })).toEqual(
    fail('UNSUPPORTED'),
  );
  expect(await agent.request({ op: 'sessionAction', sessionId: dial.sessionId, action: 'blindTransfer' })).toEqual(
    fail('INVALID'),
  );
  expect(await agent.request({ op: 'createCall', number: 'no digits' })).toEqual(fail('INVALID'));
  // A malformed command with a requestId is answered, not left to time out.
  expect(await agent.request({ op: 'createCall', number: 5 })).toEqual(fail('INVALID'));
  await agent.request({ op: 'sessionAction', sessionId: dial.sessionId, action: 'hangup' });
  const history = await agent.request({ op: 'getCallHistory', pageNumber: 0, pageRows: 10 });
  expect(history).toMatchObject({
    op: 'callHistory',
    total: 1,
    entries: [{ sessionId: dial.sessionId, caller: '1001' }],
  });
  expect(b.running.bridge.hub.dialRequests).toEqual([
    { extension: '1001', number: '+4930555' },
    { extension: '1001', number: 'no digits' },
  ]);
});

test('permissions: a token without dial, control or history is refused with FORBIDDEN', async () => {
  const agent = await connect('none', '1003');
  const call = b.pbx.ring({ from: '+4930', to: '1003' });
  await agent.waitFor((f) => f.op === 'sessionCreated');
  for (const frame of [
    { op: 'createCall', number: '+4930555' },
    { op: 'sessionAction', sessionId: call.sessionId, action: 'hangup' },
    { op: 'getCallHistory', pageNumber: 0, pageRows: 10 },
  ]) {
    expect(await agent.request(frame)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  }
  expect(b.pbx.calls.has(call.sessionId)).toBe(true);
});

test('an agent sees its own calls only; monitorAll sees every call', async () => {
  const mine = await connect('a1001', '1001');
  const all = await connect('all', '1009');
  const other = b.pbx.ring({ from: '+4930111', to: '1002' });
  const own = b.pbx.ring({ from: '+4930222', to: '10 01' });
  await all.waitFor((f) => f.op === 'sessionCreated' && f.session.sessionId === own.sessionId);
  await mine.waitFor((f) => f.op === 'sessionCreated' && f.session.sessionId === own.sessionId);
  expect(all.of('sessionCreated').map((f) => f.session.sessionId)).toEqual([other.sessionId, own.sessionId]);
  expect(mine.of('sessionCreated').map((f) => f.session.sessionId)).toEqual([own.sessionId]);
  expect(await mine.request({ op: 'sessionAction', sessionId: other.sessionId, action: 'hangup' })).toMatchObject({
    error: { code: 'NOT_FOUND' },
  });
  expect((await mine.request({ op: 'listSessions' })).sessions.map((s: Frame) => s.sessionId)).toEqual([own.sessionId]);
});

test('limits: an oversize frame is refused and the connection survives; display names are clipped', async () => {
  const agent = await connect('all', '1009');
  agent.send(JSON.stringify({ op: 'ping', pad: 'x'.repeat(70_000) }));
  await agent.waitFor((f) => f.op === 'error' && /65536 bytes/.test(f.message));
  agent.send({ op: 'ping', t: 1 });
  await agent.waitFor((f) => f.op === 'pong');
  const long = b.pbx.ring({ from: '+4930', to: '1001', name: 'N'.repeat(300) });
  const created = await agent.waitFor((f) => f.op === 'sessionCreated' && f.session.sessionId === long.sessionId);
  expect(created.session.callerDisplayName).toHaveLength(256);
  expect(created.session.callerDisplayName.endsWith('…')).toBe(true);
  // Any other string over its limit: the session is not sent at all (and the bridge says so in its log).
  b.pbx.ring({ from: '9'.repeat(2000), to: '1001', id: 'too-long' });
  const after = b.pbx.ring({ from: '+4931', to: '1001' });
  await agent.waitFor((f) => f.op === 'sessionCreated' && f.session.sessionId === after.sessionId);
  expect(agent.of('sessionCreated').some((f) => f.session.sessionId === 'too-long')).toBe(false);
  expect(b.logs().some((l) => l.msg.includes('invalid session'))).toBe(true);
  expect(agent.closed).toBeUndefined();
});

test('frame flood: a few bad frames are answered, a flood is closed with 4400', async () => {
  const agent = await connect('a1001', '1001');
  for (let i = 0; i < 5; i++) agent.send('not json');
  agent.send({ op: 'ping', t: 7 });
  await agent.waitFor((f) => f.op === 'pong');
  expect(agent.of('error')).toHaveLength(5);
  expect(agent.closed).toBeUndefined();
  for (let i = 0; i < 500; i++) agent.send('{"no":"op"}');
  expect(await agent.waitClosed()).toMatchObject({ code: 4400 });
});

test('command flood: the burst is served, the rest is RATE_LIMITED', async () => {
  const agent = await connect('a1001', '1001');
  const burst = b.running.bridge.hub.options.limits.commandBurst;
  for (let i = 0; i < burst + 10; i++) agent.send({ op: 'listSessions', requestId: `q${i}` });
  await agent.waitFor((f) => f.requestId === `q${burst + 9}`);
  const answers = agent.frames.filter((f) => typeof f.requestId === 'string');
  expect(answers.slice(0, burst).every((f) => f.op === 'sessionsSnapshot')).toBe(true);
  const limited = answers.filter((f) => f.op === 'result' && f.error?.code === 'RATE_LIMITED');
  expect(limited.length).toBeGreaterThanOrEqual(5);
});

test('handshake flood: failures from one address are slowed, another address is not', async () => {
  const hub = b.running.bridge.hub;
  const fail = async (address: string) => {
    const agent = await open({ 'x-forwarded-for': address });
    agent.send({ op: 'connect', v: 1, token: 'wrong' });
    return (await agent.waitClosed(15_000)).code;
  };
  for (let i = 0; i < 2; i++) expect(await fail('203.0.113.7')).toBe(4401);
  expect(hub.stats.handshakesSlowed).toBe(0);
  for (let i = 0; i < 3; i++) expect(await fail('203.0.113.7')).toBe(4401);
  expect(hub.stats.handshakesSlowed).toBe(3);
  const slowed = hub.stats.handshakesSlowed;
  // Another address, with a good token: not slowed.
  const good = await open({ 'x-forwarded-for': '198.51.100.1' });
  good.send({ op: 'connect', v: 1, token: 'a1001', extension: '1001' });
  await good.waitFor((f) => f.op === 'sessionsSnapshot');
  expect(hub.stats.handshakesSlowed).toBe(slowed);
  expect(b.logs().filter((l) => l.msg === 'handshake refused')).toHaveLength(5);
}, 30_000);

test('many sockets that never say connect are all closed with 4408', async () => {
  b.running.bridge.hub.options.handshakeTimeoutMs = 300;
  const sockets = await Promise.all(Array.from({ length: 50 }, () => open()));
  const codes = await Promise.all(sockets.map((s) => s.waitClosed().then((c) => c.code)));
  expect(new Set(codes)).toEqual(new Set([4408]));
  for (let i = 0; i < 100 && b.running.bridge.hub.clients.size > 0; i++) await sleep(20);
  expect(b.running.bridge.hub.clients.size).toBe(0);
});

test('a slow consumer is cut and reconciles; it never holds up a fast one', async () => {
  const hub = b.running.bridge.hub;
  hub.options.limits.maxBufferedBytes = 256 * 1024;
  const fast = await connect('all', '1009');
  const slow = await connect('all', '1009');
  // The slow agent stops reading: its TCP window fills, then the bridge's buffer for it grows.
  const tcp = (slow.socket as unknown as { _socket: { pause(): void; resume(): void } })._socket;
  tcp.pause();
  const pad = { note: 'p'.repeat(1000) };
  let rung = 0;
  // Bounded: at most 40,000 calls (about 80 MB of frames), usually far fewer.
  while (hub.stats.slowConsumers === 0 && rung < 40_000) {
    for (let i = 0; i < 50; i++) {
      const call = b.pbx.ring({ from: `+49${rung}`, to: '1001', customData: pad });
      b.pbx.hangup(call.sessionId);
      rung += 1;
    }
    await sleep(5);
  }
  expect(hub.stats.slowConsumers).toBe(1);
  const last = b.pbx.ring({ from: '+4930999', to: '1001' });
  await fast.waitFor((f) => f.op === 'sessionCreated' && f.session.sessionId === last.sessionId, { timeout: 30_000 });
  // The fast agent got every call, in order, and is still connected.
  const created = fast.of('sessionCreated');
  expect(created).toHaveLength(rung + 1);
  const seqs = fast.frames.filter((f) => typeof f.seq === 'number').map((f) => f.seq);
  expect(seqs.every((seq, i) => i === 0 || seq > (seqs[i - 1] as number))).toBe(true);
  expect(fast.closed).toBeUndefined();
  // The slow one was cut (it sees it once it reads again); reconnecting, its snapshot has the ringing call.
  tcp.resume();
  await slow.waitClosed(20_000);
  const again = await connect('all', '1009');
  expect(again.of('sessionsSnapshot')[0]?.sessions.map((s: Frame) => s.sessionId)).toEqual([last.sessionId]);
}, 60_000);

test('one address cannot hold more than a bounded number of unfinished handshakes', async () => {
  b.running.bridge.hub.options.handshakeTimeoutMs = 2000;
  const flood = await Promise.allSettled(
    Array.from({ length: MAX_PENDING_PER_ADDRESS + 16 }, () => open({ 'x-forwarded-for': '203.0.113.9' })),
  );
  const refused = flood.filter((r) => r.status === 'rejected');
  expect(refused).toHaveLength(16);
  expect(String((refused[0] as PromiseRejectedResult).reason)).toMatch(/429/);
  // Another address is not affected.
  const other = await open({ 'x-forwarded-for': '198.51.100.2' });
  other.send({ op: 'connect', v: 1, token: 'a1001', extension: '1001' });
  await other.waitFor((f) => f.op === 'sessionsSnapshot');
  expect(b.running.bridge.hub.stats.pendingRefused).toBe(16);
});

test('frames the bridge sends stay within 65,536 bytes: customData goes first, then others’ calls', async () => {
  for (let i = 0; i < 300; i++) {
    b.pbx.ring({ from: `+4930${i}`, to: '1002', name: 'N'.repeat(200), customData: { note: 'c'.repeat(500) } });
  }
  const own = Array.from({ length: 5 }, (_, i) => b.pbx.ring({ from: `+4940${i}`, to: '1009' }).sessionId);
  const agent = await connect('all', '1009');
  const text = agent.raw.find((raw) => raw.includes('"sessionsSnapshot"')) as string;
  expect(Buffer.byteLength(text)).toBeLessThanOrEqual(65_536);
  const ids = (JSON.parse(text).sessions as Frame[]).map((s) => s.sessionId);
  expect(ids.length).toBeGreaterThan(50);
  expect(ids.length).toBeLessThan(305);
  for (const id of own) expect(ids).toContain(id);
  expect(b.logs().some((l) => l.msg === 'snapshot cut to fit one frame')).toBe(true);
});
