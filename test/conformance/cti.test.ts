/**
 * CTI conformance: what docs/protocol.md requires of any CTI server, checked over a real WebSocket.
 * By default it starts a bridge with the simulator source; with POPLINE_CTI_URL (and
 * POPLINE_CTI_TOKEN, optionally POPLINE_CTI_EXTENSION) it runs against that server instead, without
 * placing calls or changing anything there. POPLINE_CTI_SLOW=1 adds the three-heartbeat silence check.
 * Every frame any server sends in these tests must pass the extension's own validators.
 */
import { loadConfig } from '../../bridge/src/ops/config';
import { createLogger } from '../../bridge/src/ops/log';
import { type RunningBridge, sourceChecks, startBridge } from '../../bridge/src/server/bridge';
import { SimulatorSource } from '../../bridge/src/sources/simulator';
import { Pbx } from '../../sim/pbx';
import { ERROR_CODES, LIMITS, parseServerFrame } from '../../src/shared/protocol';
import { Agent, type Frame } from './agent';

const external = process.env.POPLINE_CTI_URL;
let url = external ?? '';
let token = process.env.POPLINE_CTI_TOKEN ?? '';
let extension = process.env.POPLINE_CTI_EXTENSION || undefined;
let running: RunningBridge | undefined;
let pbx: Pbx | undefined;
const opened: Agent[] = [];

beforeAll(async () => {
  if (external) return;
  pbx = new Pbx();
  const config = loadConfig({ argv: ['--port', '0'], env: {}, sourceTypes: sourceChecks });
  running = await startBridge(config, {
    log: createLogger({ level: 'error' }),
    sources: [new SimulatorSource(pbx, { vocabulary: 'dotnet', dialAgentMs: 50, dialCustomerMs: 50 }, 'sim')],
    staticTokens: { conformance: { extension: '1001', fullName: 'Conformance' } },
  });
  url = running.url;
  token = 'conformance';
  extension = '1001';
});
afterAll(async () => {
  await running?.stop();
});
afterEach(() => {
  // Whatever a server sends must be valid by the shared guards (unknown ops are allowed, and ignored).
  for (const agent of opened.splice(0)) {
    for (const text of agent.raw) {
      const parsed = parseServerFrame(text);
      if (parsed.kind === 'invalid')
        throw new Error(`the server sent an invalid frame (${parsed.reason}): ${text.slice(0, 200)}`);
    }
    agent.close();
  }
});

const track = (agent: Agent) => {
  opened.push(agent);
  return agent;
};
const connect = async () => track(await Agent.connect(url, token, extension));
const open = async () => track(await Agent.open(url));
const isProtocolError = (frame: Frame) =>
  frame.op === 'result' && frame.ok === false && (ERROR_CODES as readonly string[]).includes(frame.error?.code);

describe(`CTI conformance against ${external ?? 'a bridge with the simulator source'}`, () => {
  test('handshake: one ACCESS_GRANTED, then at once a snapshot with an integer seq', async () => {
    const agent = await connect();
    const [granted, snapshot] = agent.frames;
    expect(granted).toMatchObject({ op: 'connectionStateChanged', state: 'ACCESS_GRANTED' });
    expect(agent.frames.filter((f) => f.op === 'connectionStateChanged')).toHaveLength(1);
    expect(snapshot?.op).toBe('sessionsSnapshot');
    expect(Number.isInteger(snapshot?.seq)).toBe(true);
    expect(Array.isArray(snapshot?.sessions)).toBe(true);
    expect(granted?.heartbeat ?? LIMITS.defaultHeartbeat).toBeLessThanOrEqual(LIMITS.maxHeartbeat);
  });

  test('a wrong token is ACCESS_DENIED and closed with 4401', async () => {
    const agent = track(await Agent.connect(url, `${token}-wrong-${Date.now()}`, extension));
    expect(agent.frames[0]).toMatchObject({ op: 'connectionStateChanged', state: 'ACCESS_DENIED' });
    expect((await agent.waitClosed()).code).toBe(4401);
  });

  test('an unknown version is UNSUPPORTED_VERSION, closed with 4400', async () => {
    const agent = await open();
    agent.send({ op: 'connect', v: 99, token, ...(extension ? { extension } : {}) });
    await agent.waitFor((f) => f.op === 'error' && f.code === 'UNSUPPORTED_VERSION');
    expect((await agent.waitClosed()).code).toBe(4400);
  });

  test('no connect within 10 seconds is closed with 4408', async () => {
    const agent = await open();
    expect((await agent.waitClosed(12_000)).code).toBe(4408);
  }, 15_000);

  test('ping is answered by pong with the same t', async () => {
    const agent = await connect();
    agent.send({ op: 'ping', t: 1234.5 });
    expect(await agent.waitFor((f) => f.op === 'pong')).toMatchObject({ t: 1234.5 });
  });

  test('listSessions is answered by a snapshot with the requestId, seq never going back', async () => {
    const agent = await connect();
    const first = agent.of('sessionsSnapshot')[0];
    const answer = await agent.request({ op: 'listSessions' });
    expect(answer.op).toBe('sessionsSnapshot');
    expect(answer.seq).toBeGreaterThanOrEqual(first?.seq);
  });

  test('getCallHistory is answered by callHistory with the requestId, or a failed result', async () => {
    const agent = await connect();
    const answer = await agent.request({ op: 'getCallHistory', pageNumber: 0, pageRows: 5 });
    if (answer.op === 'callHistory') {
      expect(Number.isInteger(answer.total)).toBe(true);
      expect(answer.entries.length).toBeLessThanOrEqual(5);
    } else expect(isProtocolError(answer)).toBe(true);
  });

  test('commands that cannot succeed are answered with a protocol error code', async () => {
    const agent = await connect();
    const unknownCall = await agent.request({
      op: 'sessionAction',
      sessionId: `no-such-call-${Date.now()}`,
      action: 'hangup',
    });
    expect(isProtocolError(unknownCall)).toBe(true);
    expect(['NOT_FOUND', 'FORBIDDEN']).toContain(unknownCall.error.code);
    const notANumber = await agent.request({ op: 'createCall', number: 'not a number' });
    expect(isProtocolError(notANumber)).toBe(true);
  });

  test('unknown ops and fields are ignored; bad and oversize frames do not cost the connection', async () => {
    const agent = await connect();
    agent.send({ op: 'noSuchOpInVersion1', with: { unknown: 'fields' } });
    agent.send('this is not JSON');
    agent.send('[1,2,3]');
    agent.send(JSON.stringify({ op: 'ping', t: 1, pad: 'x'.repeat(LIMITS.frameBytes + 10) }));
    agent.send({ op: 'ping', t: 2, unknownField: true });
    await agent.waitFor((f) => f.op === 'pong' && f.t === 2);
    expect(agent.closed).toBeUndefined();
  });

  const calls = external ? test.skip : test;
  calls('call events: created, changed and closed with a strictly growing seq; a reconnect reconciles', async () => {
    const sim = pbx as Pbx;
    const agent = await connect();
    const call = sim.ring({ from: '+4930123', to: '1001', name: 'Conformance' });
    sim.answer(call.sessionId);
    const left = sim.ring({ from: '+4930456', to: '1001' });
    sim.hangup(call.sessionId);
    await agent.waitFor((f) => f.op === 'sessionClosed' && f.sessionId === call.sessionId);
    const seqs = agent.frames.filter((f) => typeof f.seq === 'number').map((f) => f.seq as number);
    expect(seqs.every((seq, i) => i === 0 || seq > (seqs[i - 1] as number))).toBe(true);
    expect(agent.of('sessionStateChanged').map((f) => f.session.sessionId)).toContain(call.sessionId);
    // Away, a call ends: the next snapshot no longer has it.
    agent.close();
    sim.miss(left.sessionId);
    const again = await connect();
    expect(again.of('sessionsSnapshot')[0]?.sessions.map((s: Frame) => s.sessionId)).not.toContain(left.sessionId);
  });

  const slow = process.env.POPLINE_CTI_SLOW ? test : test.skip;
  slow(
    'a connection silent for three heartbeats is closed',
    async () => {
      const agent = await connect();
      const heartbeat = (agent.frames[0]?.heartbeat as number | undefined) ?? LIMITS.defaultHeartbeat;
      await agent.waitClosed((heartbeat * 3 + 5) * 1000);
      expect(agent.closed).toBeDefined();
    },
    120_000,
  );
});
