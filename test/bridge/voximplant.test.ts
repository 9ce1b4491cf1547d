/**
 * The shipped VoxEngine scenario, unmodified, in the emulator (test/support/voxengine.ts) against the
 * bridge's Voximplant source: real call sequences become PopLine calls at the agents, with the right
 * states and end reasons; agents' commands reach the scenario signed and come back with its answer;
 * the bridge being down never drops the customer's call.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VoximplantSource } from '../../bridge/src/sources/voximplant';
import { Agent, type Frame } from '../conformance/agent';
import { type EmuCall, VoxCloud, type VoxSession } from '../support/voxengine';
import { startTestBridge, type TestBridge } from './fixture';

const SECRET = 'voximplant-test-secret-0123456789';
let b: TestBridge;
let cloud: VoxCloud;
let agent: Agent;

const source = () =>
  new VoximplantSource({
    id: 'vox',
    secret: SECRET,
    agents: { '1001': 'user:anna', '1002': 'sip:1002@desk.example.com' },
    routes: { '+4930555000': '1001' },
    record: true,
    controlUrl: '^http://127\\.0\\.0\\.1:\\d+/',
    controlTimeoutMs: 400,
  });

beforeEach(async () => {
  b = await startTestBridge({ sources: [source()] });
  cloud = await VoxCloud.start({
    storage: { popline_bridge_url: `${b.running.origin}/sources/vox/events`, popline_secret: SECRET },
  });
  agent = await Agent.connect(b.url, 'a1001');
});
afterEach(async () => {
  agent.close();
  await cloud.stop();
  await b.stop();
});

const ALERT = {
  callerid: '+4930123456',
  displayName: 'Anna Schmidt',
  destination: '+4930555000',
  headers: { 'X-Ticket': 'T-42' },
  customData: 'queue=sales',
};

async function closed(a: Agent, sessionId: string): Promise<Frame> {
  return a.waitFor((f) => f.op === 'sessionClosed' && f.sessionId === sessionId, { what: `the end of ${sessionId}` });
}

/** An inbound call up to the agent's leg being placed. */
async function inbound(): Promise<{ session: VoxSession; leg: EmuCall; id: string }> {
  const session = cloud.incoming(ALERT);
  const leg = await session.nextCall();
  return { session, leg, id: `vx-${session.id}-1` };
}

test('answered: the card pops with the call’s fields, follows it, and ends hung up by the caller', async () => {
  const { session, leg, id } = await inbound();
  expect(leg.kind).toBe('user');
  expect(leg.target).toBe('anna');
  expect(leg.params).toMatchObject({ callerid: '+4930123456', displayName: 'Anna Schmidt' });
  const created = await agent.waitFor((f) => f.op === 'sessionCreated' && f.session.sessionId === id);
  expect(created.session).toMatchObject({
    caller: '+4930123456',
    callee: '1001',
    callerDisplayName: 'Anna Schmidt',
    direction: 'Inbound',
    dialedNumber: '+4930555000',
    state: 'Ringing',
    customData: { 'X-Ticket': 'T-42', customData: 'queue=sales' },
  });
  leg.remote.ringing();
  leg.remote.answer();
  await agent.waitFor((f) => f.op === 'sessionStateChanged' && f.session.state === 'InCall');
  expect(session.inbound?.actions).toContain('answer');
  expect(session.inbound?.mediaTo.has(leg)).toBe(true);
  session.inbound?.remote.recordStarted('https://storage.voximplant.com/records/abc.mp3');
  await agent.waitFor((f) => f.op === 'sessionStateChanged' && f.session.customData?.recording);
  session.inbound?.remote.hangup(42);
  expect(await closed(agent, id)).toMatchObject({ state: 'CallerHungUp' });
  await session.ended();
  expect(leg.actions).toContain('hangup');
  expect(session.requests.map((r) => r.event)).toEqual([
    'alerting',
    'ringing',
    'connected',
    'record',
    'disconnected',
    'terminating',
  ]);
  expect(session.requests.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6]);
  expect(session.requests.every((r) => r.code === 200)).toBe(true);
  expect(session.errors).toEqual([]);
  const history = await agent.request({ op: 'getCallHistory', pageNumber: 0, pageRows: 10 });
  expect(history.entries[0]).toMatchObject({ sessionId: id, state: 'CallerHungUp', talkDuration: 42 });
});

test.each([
  [408, 'NotAnswered'],
  [603, 'Rejected'],
  [486, 'Busy'],
])('Failed %i ends the call as %s, and the customer is hung up', async (code, state) => {
  const { session, leg, id } = await inbound();
  leg.remote.ringing();
  leg.remote.fail(code, 'from the test');
  expect(await closed(agent, id)).toMatchObject({ state });
  await session.ended();
  expect(session.inbound?.actions).toContain('hangup');
  expect(session.inbound?.actions).not.toContain('answer');
  expect(session.requests.find((r) => r.event === 'failed')?.body).toMatchObject({ code });
});

test('the caller hangs up while it rings: a missed (cancelled) call, and the agent’s leg is dropped', async () => {
  const { session, leg, id } = await inbound();
  leg.remote.ringing();
  await agent.waitFor((f) => f.session?.sessionId === id);
  session.inbound?.remote.hangup();
  expect(await closed(agent, id)).toMatchObject({ state: 'Cancelled' });
  expect(leg.actions).toContain('hangup');
});

test('SIP desk phone: callSIP per the mapping', async () => {
  const session = cloud.incoming({ ...ALERT, destination: '1002' });
  const leg = await session.nextCall();
  expect([leg.kind, leg.target]).toEqual(['sip', 'sip:1002@desk.example.com']);
});

test('hold and resume, from the agent and from the card; hang up from the card', async () => {
  const { session, leg, id } = await inbound();
  leg.remote.answer();
  await agent.waitFor((f) => f.op === 'sessionStateChanged' && f.session.state === 'InCall');
  leg.remote.hold();
  await agent.waitFor((f) => f.session?.sessionId === id && f.session.state === 'CallerOnHold');
  leg.remote.unhold();
  await agent.waitFor(
    (f) => f.session?.sessionId === id && f.session.state === 'InCall' && agent.frames.indexOf(f) > 3,
  );
  const held = await agent.request({ op: 'sessionAction', sessionId: id, action: 'hold' });
  expect(held).toMatchObject({ op: 'result', ok: true });
  expect(session.inbound?.mediaTo.has(leg)).toBe(false);
  const holds = () => agent.frames.filter((f) => f.session?.sessionId === id && f.session.state === 'CallerOnHold');
  await agent.waitFor(() => holds().length >= 2);
  expect(await agent.request({ op: 'sessionAction', sessionId: id, action: 'unhold' })).toMatchObject({ ok: true });
  expect(session.inbound?.mediaTo.has(leg)).toBe(true);
  expect(await agent.request({ op: 'sessionAction', sessionId: id, action: 'hangup' })).toMatchObject({ ok: true });
  expect(await closed(agent, id)).toMatchObject({ state: 'CalleeHungUp' });
  expect(session.inbound?.actions).toContain('hangup');
  expect(session.errors).toEqual([]);
});

test('transfer to another agent: a new call linked to the first, which ends as transferred', async () => {
  const other = await Agent.connect(b.url, 'a1002');
  const { session, leg, id } = await inbound();
  leg.remote.answer();
  await agent.waitFor((f) => f.op === 'sessionStateChanged' && f.session.state === 'InCall');
  const moved = await agent.request({ op: 'sessionAction', sessionId: id, action: 'blindTransfer', target: '1002' });
  expect(moved).toMatchObject({ ok: true });
  const second = await session.nextCall();
  expect([second.kind, second.target]).toEqual(['sip', 'sip:1002@desk.example.com']);
  const id2 = `vx-${session.id}-2`;
  const popped = await other.waitFor((f) => f.op === 'sessionCreated' && f.session.sessionId === id2);
  expect(popped.session).toMatchObject({ masterSessionId: id, callee: '1002', caller: '+4930123456' });
  second.remote.answer();
  expect(await closed(agent, id)).toMatchObject({ state: 'TransferCompleted' });
  await other.waitFor((f) => f.session?.sessionId === id2 && f.session.state === 'InCall');
  expect(session.inbound?.mediaTo.has(second)).toBe(true);
  expect(leg.actions).toContain('hangup');
  session.inbound?.remote.hangup();
  expect(await closed(other, id2)).toMatchObject({ state: 'CallerHungUp' });
  other.close();
  expect(session.errors).toEqual([]);
});

test('transfer to a number: callPSTN with the caller’s number; a failed transfer leaves the call up', async () => {
  const supervisor = await Agent.connect(b.url, 'all', '1009');
  const { session, leg, id } = await inbound();
  leg.remote.answer();
  await agent.waitFor((f) => f.op === 'sessionStateChanged' && f.session.state === 'InCall');
  expect(
    await agent.request({ op: 'sessionAction', sessionId: id, action: 'blindTransfer', target: '+49 30 999 111' }),
  ).toMatchObject({ ok: true });
  const pstn = await session.nextCall();
  expect([pstn.kind, pstn.target]).toEqual(['pstn', '+4930999111']);
  const id2 = `vx-${session.id}-2`;
  const linked = await supervisor.waitFor((f) => f.op === 'sessionCreated' && f.session.sessionId === id2);
  expect(linked.session).toMatchObject({ masterSessionId: id, callee: '+4930999111' });
  pstn.remote.fail(486);
  expect(await closed(supervisor, id2)).toMatchObject({ state: 'Busy' });
  supervisor.close();
  expect(session.inbound?.mediaTo.has(leg)).toBe(true);
  expect(agent.frames.some((f) => f.op === 'sessionClosed' && f.sessionId === id)).toBe(false);
  const refused = await agent.request({ op: 'sessionAction', sessionId: id, action: 'blindTransfer', target: 'evil' });
  expect(refused).toMatchObject({ ok: false, error: { code: 'INVALID' } });
});

test('the bridge down during CallAlerting: the call is still forwarded, and the failure is logged', async () => {
  await b.stop();
  const session = cloud.incoming(ALERT);
  const leg = await session.nextCall();
  // Without the bridge's answer, the scenario forwards to the dialed destination as a Voximplant user.
  expect([leg.kind, leg.target]).toEqual(['user', '+4930555000']);
  leg.remote.answer();
  await session.settled();
  expect(session.inbound?.actions).toContain('answer');
  expect(session.inbound?.mediaTo.has(leg)).toBe(true);
  expect(
    session.logs.some((line) => /could not report "alerting" #1/.test(line) || /refused "alerting"/.test(line)),
  ).toBe(true);
  expect(session.logs.some((line) => /forwarding without the bridge/.test(line))).toBe(true);
  expect(session.errors).toEqual([]);
  // Positive control: with the fallback set, the call goes there instead.
  cloud.storage.popline_fallback = 'user:reception';
  const again = cloud.incoming(ALERT);
  expect((await again.nextCall()).target).toBe('reception');
  b = await startTestBridge({ sources: [source()] }); // afterEach stops it
});

test('the bridge back after CallAlerting: the call comes back with its next request', async () => {
  const port = b.running.port;
  await b.stop();
  const session = cloud.incoming(ALERT);
  const leg = await session.nextCall();
  await session.settled();
  expect(session.requests[0]).toMatchObject({ event: 'alerting', code: -4 });
  b = await startTestBridge({ argv: ['--port', String(port)], sources: [source()] });
  agent.close();
  agent = await Agent.connect(b.url, 'a1001');
  expect(agent.frames.some((f) => f.session?.sessionId === `vx-${session.id}-1`)).toBe(false);
  leg.remote.answer();
  const back = await agent.waitFor((f) => f.op === 'sessionCreated' && f.session.sessionId === `vx-${session.id}-1`);
  expect(back.session).toMatchObject({ state: 'InCall', caller: '+4930123456', callee: '1001' });
  // Once the bridge has taken a request, the introduction is not sent again.
  session.inbound?.remote.hangup();
  await closed(agent, `vx-${session.id}-1`);
  await session.settled();
  const sent = session.requests.map((r) => [r.event, 'call' in r.body]);
  expect(sent).toEqual([
    ['alerting', true],
    ['connected', true],
    ['disconnected', false],
    ['terminating', false],
  ]);
});

test('a bridge restarted on its dataDir still knows the call, and can still control it', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'popline-vox-data-'));
  try {
    const port = b.running.port;
    await b.stop();
    b = await startTestBridge({ argv: ['--port', String(port), '--data-dir', dataDir], sources: [source()] });
    const { session, leg, id } = await inbound();
    leg.remote.answer();
    await session.settled();
    expect(readFileSync(join(dataDir, 'sources', 'voximplant-vox.json'), 'utf8')).toContain(id);
    await b.stop();
    b = await startTestBridge({ argv: ['--port', String(port), '--data-dir', dataDir], sources: [source()] });
    agent.close();
    agent = await Agent.connect(b.url, 'a1001');
    const snapshot = agent.frames.find((f) => f.op === 'sessionsSnapshot');
    expect(snapshot?.sessions).toEqual([expect.objectContaining({ sessionId: id, state: 'InCall' })]);
    expect(await agent.request({ op: 'sessionAction', sessionId: id, action: 'hangup' })).toMatchObject({ ok: true });
    expect(await closed(agent, id)).toMatchObject({ state: 'CalleeHungUp' });
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
