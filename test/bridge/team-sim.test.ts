/**
 * Presence and chat in the simulator (issue 16), over real WebSockets: several agents at once, the
 * directory on connect, the phone axis from the simulated calls, availability with expiry, messages
 * with delivery and read receipts, messages kept for a colleague who is away, `accept`, and the
 * control API that plays the colleagues. Every frame the server sends passes the shared guards.
 */

import { type Simulator, type SimulatorOptions, startSimulator } from '../../sim/server';
import { DEFAULT_DIRECTORY } from '../../sim/team';
import { parseServerFrame } from '../../src/shared/protocol';
import { Agent, type Frame } from '../conformance/agent';

let sim: Simulator;
const agents: Agent[] = [];
const connect = async (extension: string) => {
  const agent = await Agent.connect(sim.ctiUrl, 'popline-demo', extension);
  agents.push(agent);
  await agent.waitFor((f) => f.op === 'directory' && f.page === f.pages, { what: 'the directory' });
  return agent;
};
const control = async (path: string, body?: unknown) => {
  const response = await fetch(`${sim.origin}/control${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Frame };
};
const start = async (options: SimulatorOptions = {}) => {
  sim = await startSimulator({ port: 0, ...options });
};
/** The state of `ext` that `agent` was last told. */
const stateSeen = (agent: Agent, ext: string) =>
  agent
    .of('clientStateChanged')
    .filter((f) => f.phoneNumber === ext)
    .at(-1) ??
  agent
    .of('directory')
    .flatMap((f) => f.users)
    .find((u: Frame) => u.extension === ext)?.state;
const waitState = (agent: Agent, ext: string, match: Frame) =>
  agent.waitFor(
    (f) =>
      f.op === 'clientStateChanged' && f.phoneNumber === ext && Object.entries(match).every(([k, v]) => f[k] === v),
    { what: `${ext} ${JSON.stringify(match)}` },
  );

afterEach(async () => {
  for (const agent of agents) {
    // Every frame is valid for the extension's guards.
    for (const text of agent.raw) expect(parseServerFrame(text).kind).toBe('frame');
  }
  for (const agent of agents.splice(0)) agent.close();
  await sim.close();
});

test('each agent gets accept, the features, and the directory with states after its snapshot', async () => {
  await start();
  const bob = await connect('1002');
  const agent = await connect('1001');
  expect(agent.frames[0]).toMatchObject({
    op: 'connectionStateChanged',
    state: 'ACCESS_GRANTED',
    permissions: { accept: true },
    features: { presence: true, chat: true },
  });
  const ops = agent.frames.map((f) => f.op);
  expect(ops.indexOf('directory')).toBeGreaterThan(ops.indexOf('sessionsSnapshot'));
  const users = agent.of('directory').flatMap((f) => f.users);
  expect(users.map((u: Frame) => u.extension)).toEqual(DEFAULT_DIRECTORY.map((u) => u.extension));
  expect(users.find((u: Frame) => u.extension === '1003')).toMatchObject({
    fullName: 'Chi Nguyen',
    mobile: '+4915550001003',
    state: { phoneNumber: '1003', status: 'OFFLINE', phone: 'offline', availability: 'available' },
  });
  expect(users.find((u: Frame) => u.extension === '1002').state).toMatchObject({ status: 'ONLINE', phone: 'idle' });
  // Bob, connected first, heard the agent come online.
  await waitState(bob, '1001', { status: 'ONLINE', phone: 'idle' });
  // An agent not in the directory is learned and announced to the others.
  const stranger = await connect('2042');
  expect(
    stranger
      .of('directory')
      .flatMap((f) => f.users)
      .some((u: Frame) => u.extension === '2042'),
  ).toBe(true);
  await agent.waitFor((f) => f.op === 'userInfoReceived' && f.user.extension === '2042');
  stranger.close();
  await waitState(agent, '2042', { status: 'OFFLINE', phone: 'offline' });
});

test('the phone axis follows the calls, apart from availability', async () => {
  await start();
  const agent = await connect('1001');
  const { body: call } = await control('/call', { from: '+4930555777', to: '1003' });
  await waitState(agent, '1003', { phone: 'ringing', status: 'OFFLINE' });
  await control(`/sessions/${call.sessionId}/answer`, {});
  await waitState(agent, '1003', { phone: 'inCall' });
  await control(`/sessions/${call.sessionId}/hold`, {});
  await waitState(agent, '1003', { phone: 'onHold' });
  // A second call ringing while one is held and one answered: busy.
  const { body: second } = await control('/call', { from: '+4930555888', to: '1003' });
  await control(`/sessions/${call.sessionId}/unhold`, {});
  const busy = await waitState(agent, '1003', { phone: 'inCall' });
  expect(busy.availability).toBe('available');
  await control(`/sessions/${second.sessionId}/hangup`, {});
  await control(`/sessions/${call.sessionId}/hangup`, {});
  await waitState(agent, '1003', { phone: 'offline' });
  // Connected and without calls: idle.
  await connect('1003');
  await waitState(agent, '1003', { phone: 'idle', status: 'ONLINE' });
  // The colleagues' states in the control API are the same.
  const { body: team } = await control('/team');
  expect(team.users.find((u: Frame) => u.extension === '1003').state).toMatchObject({ phone: 'idle' });
});

test('availability: set by the agent, seen by all (its own connections too), invalid ones refused, expiry restores', async () => {
  await start();
  const agent = await connect('1001');
  const other = await connect('1001');
  const bob = await connect('1002');
  const until = new Date(Date.now() + 1500).toISOString();
  const answer = await agent.request({ op: 'setAvailability', availability: 'dnd', note: 'writing up', until });
  expect(answer).toMatchObject({ op: 'result', ok: true });
  for (const seer of [agent, other, bob]) {
    await waitState(seer, '1001', { availability: 'dnd', note: 'writing up', until, phone: 'idle' });
  }
  // Expiry: back to available, without the note.
  const back = await waitState(bob, '1001', { availability: 'available' });
  expect(back.note).toBeUndefined();
  expect(back.until).toBeUndefined();
  // Refused: a past expiry, an unknown availability, an oversize note.
  const past = await agent.request({ op: 'setAvailability', availability: 'away', until: '2020-01-01T00:00:00Z' });
  expect(past).toMatchObject({ ok: false, error: { code: 'INVALID' } });
  const wrong = await agent.request({ op: 'setAvailability', availability: 'busy' });
  expect(wrong).toMatchObject({ ok: false, error: { code: 'INVALID' } });
  const long = await agent.request({ op: 'setAvailability', availability: 'away', note: 'n'.repeat(141) });
  expect(long).toMatchObject({ ok: false, error: { code: 'INVALID' } });
  expect(stateSeen(bob, '1001')).toMatchObject({ availability: 'available' });
  // A simulated colleague sets theirs through the control API.
  expect((await control('/team/1004/availability', { availability: 'away', note: 'lunch' })).status).toBe(200);
  await waitState(agent, '1004', { availability: 'away', note: 'lunch', status: 'OFFLINE' });
});

test('messages: delivered to the recipient and the sender’s other connections, receipts, limits', async () => {
  await start();
  const agent = await connect('1001');
  const agentPhone = await connect('1001');
  const bob = await connect('1002');
  const hostile = '<img src=x onerror=alert(1)> "\u202Eevil\u202C" {{7*7}} javascript:alert(1)';
  const sent = await agent.request({ op: 'sendMessage', to: '1002', content: hostile });
  expect(sent).toMatchObject({ op: 'result', ok: true, messageId: expect.any(String) });
  const id = sent.messageId;
  const got = await bob.waitFor((f) => f.op === 'messageReceived' && f.id === id);
  expect(got).toMatchObject({ from: '1001', to: '1002', content: hostile, time: expect.any(String) });
  await agentPhone.waitFor((f) => f.op === 'messageReceived' && f.id === id);
  const delivered = await agent.waitFor((f) => f.op === 'messageStatus' && f.state === 'delivered');
  expect(delivered).toMatchObject({ ids: [id], by: '1002' });
  await agentPhone.waitFor((f) => f.op === 'messageStatus' && f.state === 'delivered');
  // The sending connection does not get its own message back; the one that sent it knows the id.
  expect(agent.of('messageReceived')).toHaveLength(0);
  // Read: only the recipient can mark it read.
  expect(await agentPhone.request({ op: 'markRead', ids: [id] })).toMatchObject({ ok: true });
  expect(await bob.request({ op: 'markRead', ids: [id, 'm-unknown'] })).toMatchObject({ ok: true });
  const read = await agent.waitFor((f) => f.op === 'messageStatus' && f.state === 'read');
  expect(read).toMatchObject({ ids: [id], by: '1002' });
  expect(agent.of('messageStatus').filter((f) => f.state === 'read')).toHaveLength(1);
  // Refused.
  expect(await agent.request({ op: 'sendMessage', to: '9999', content: 'hi' })).toMatchObject({
    ok: false,
    error: { code: 'NOT_FOUND' },
  });
  expect(await agent.request({ op: 'sendMessage', to: '1002', content: '  \n ' })).toMatchObject({
    ok: false,
    error: { code: 'INVALID' },
  });
  expect(await agent.request({ op: 'sendMessage', to: '1002', content: 'x'.repeat(1001) })).toMatchObject({
    ok: false,
    error: { code: 'INVALID' },
  });
  const answers: Frame[] = [];
  for (let i = 0; i < 25; i++) answers.push(await agent.request({ op: 'sendMessage', to: '1002', content: `n${i}` }));
  expect(answers.filter((a) => a.ok).length).toBeGreaterThan(0);
  expect(answers.some((a) => a.error?.code === 'RATE_LIMITED')).toBe(true);
});

test('a message to a colleague who is away is kept (bounded) and delivered on their next connect', async () => {
  await start({ team: { directory: DEFAULT_DIRECTORY, keptPerUser: 3, messageBurst: 50 } });
  const agent = await connect('1001');
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) {
    ids.push((await agent.request({ op: 'sendMessage', to: '1005', content: `kept ${i}` })).messageId);
  }
  const { body: kept } = await control('/team/1005/messages');
  expect(kept.messages.map((m: Frame) => m.content)).toEqual(['kept 2', 'kept 3', 'kept 4']);
  expect(agent.of('messageStatus')).toHaveLength(0);
  const eva = await connect('1005');
  const received = await eva.waitFor((f) => f.op === 'messageReceived' && f.id === ids[4]);
  expect(received.content).toBe('kept 4');
  expect(eva.of('messageReceived').map((f) => f.content)).toEqual(['kept 2', 'kept 3', 'kept 4']);
  const ops = eva.frames.map((f) => f.op);
  expect(ops.indexOf('messageReceived')).toBeGreaterThan(ops.indexOf('directory'));
  await agent.waitFor((f) => f.op === 'messageStatus' && f.ids[0] === ids[4] && f.state === 'delivered');
  expect(agent.of('messageStatus').flatMap((f) => f.ids)).toEqual(ids.slice(2));
  // Taken: a second connection of Eva's gets nothing again.
  const again = await connect('1005');
  expect(again.of('messageReceived')).toHaveLength(0);
  expect((await control('/team/1005/messages')).body.messages).toEqual([]);
});

test('simulated colleagues write and read through the control API', async () => {
  await start();
  const agent = await connect('1001');
  const { body } = await control('/team/1006/message', { to: '1001', content: 'can you take 1003’s customer?' });
  const got = await agent.waitFor((f) => f.op === 'messageReceived' && f.id === body.messageId);
  expect(got).toMatchObject({ from: '1006', to: '1001' });
  const sent = await agent.request({ op: 'sendMessage', to: '1006', content: 'yes' });
  const { body: read } = await control('/team/1006/read', {});
  expect(read.read).toEqual([sent.messageId]);
  await agent.waitFor((f) => f.op === 'messageStatus' && f.state === 'delivered' && f.ids[0] === sent.messageId);
  await agent.waitFor((f) => f.op === 'messageStatus' && f.state === 'read' && f.ids[0] === sent.messageId);
  expect((await control('/team/1006/message', { to: '9999', content: 'x' })).status).toBe(400);
});

test('accept on a ringing call answers it; a scenario drives the colleagues', async () => {
  await start();
  const agent = await connect('1001');
  const { body: call } = await control('/call', { from: '+4930555999', to: '1001' });
  await agent.waitFor((f) => f.op === 'sessionCreated' && f.session.sessionId === call.sessionId);
  const answer = await agent.request({ op: 'sessionAction', sessionId: call.sessionId, action: 'accept' });
  expect(answer).toMatchObject({ ok: true });
  await agent.waitFor(
    (f) => f.op === 'sessionStateChanged' && f.session.sessionId === call.sessionId && f.session.state === 'InCall',
  );
  await waitState(agent, '1001', { phone: 'inCall' });
  await control('/scenario', {
    wait: true,
    steps: [
      { availability: { ext: '1003', availability: 'dnd', forMs: 60_000 } },
      { message: { from: '1002', to: '{agent}', content: 'line 2' } },
    ],
  });
  await waitState(agent, '1003', { availability: 'dnd' });
  await agent.waitFor((f) => f.op === 'messageReceived' && f.content === 'line 2');
});

test('a server without the team: no features, commands UNSUPPORTED', async () => {
  await start({ team: undefined, accept: false });
  const agent = await Agent.connect(sim.ctiUrl, 'popline-demo', '1001');
  agents.push(agent);
  expect(agent.frames[0]?.features).toBeUndefined();
  expect(agent.frames[0]?.permissions.accept).toBeUndefined();
  const answer = await agent.request({ op: 'sendMessage', to: '1002', content: 'hi' });
  expect(answer).toMatchObject({ ok: false, error: { code: 'UNSUPPORTED' } });
  expect(agent.of('directory')).toHaveLength(0);
});
