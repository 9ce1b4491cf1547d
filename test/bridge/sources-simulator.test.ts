/**
 * The simulator as a source of the bridge (sim/server.ts): the CTI endpoint the simulator serves is
 * the bridge's, with the simulator's test surface (live tokens, silent ends, drops, raw frames) and
 * the bridge's health routes on the same port.
 */
import { defaultSimulatorSourceOptions, SimulatorSource } from '../../bridge/src/sources/simulator';
import { Pbx } from '../../sim/pbx';
import { type Simulator, startSimulator } from '../../sim/server';
import { Agent } from '../conformance/agent';
import { startTestBridge } from './fixture';

let sim: Simulator;
const agents: Agent[] = [];
const connect = async (token: string, extension?: string) => {
  const agent = await Agent.connect(sim.ctiUrl, token, extension);
  agents.push(agent);
  return agent;
};
beforeEach(async () => {
  sim = await startSimulator({ port: 0 });
});
afterEach(async () => {
  for (const agent of agents.splice(0)) agent.close();
  await sim.close();
});

test('the demo token follows any extension; the server is the bridge', async () => {
  const agent = await connect('popline-demo', '2042');
  expect(agent.frames[0]).toMatchObject({
    state: 'ACCESS_GRANTED',
    extension: '2042',
    server: { name: 'PopLine bridge' },
    permissions: { monitorAll: true },
  });
  expect(sim.cti.grantedCount).toBe(1);
  const state = await (await fetch(`${sim.origin}/control/state`)).json();
  expect(state).toMatchObject({ clients: 1 });
});

test('tokens are read live: added, used, removed', async () => {
  expect((await connect('late', '1001')).frames[0]).toMatchObject({ state: 'ACCESS_DENIED' });
  sim.cti.options.tokens.late = { extension: '1001', permissions: { history: false } };
  const agent = await connect('late', '1001');
  expect(agent.frames[0]).toMatchObject({ state: 'ACCESS_GRANTED', permissions: { history: false, dial: true } });
  delete sim.cti.options.tokens.late;
  expect((await connect('late', '1001')).frames[0]).toMatchObject({ state: 'ACCESS_DENIED' });
});

test('a call the PBX loses silently is gone from the next snapshot', async () => {
  const agent = await connect('popline-demo', '1001');
  const call = sim.pbx.ring({ from: '+4930', to: '1001' });
  const before = await agent.request({ op: 'listSessions' });
  expect(before.sessions.map((s: { sessionId: string }) => s.sessionId)).toEqual([call.sessionId]);
  sim.pbx.setState(call.sessionId, 'hungup', { announce: false });
  const after = await agent.request({ op: 'listSessions' });
  expect(after.sessions).toEqual([]);
  expect(agent.of('sessionClosed')).toEqual([]);
});

test('test hooks: raw frames reach agents, a drop cuts them; health routes answer on the same port', async () => {
  const agent = await connect('popline-demo', '1001');
  expect(sim.cti.sendRaw('{"op":"mystery"}')).toBe(1);
  await agent.waitFor((f) => f.op === 'mystery');
  expect(sim.cti.dropAll()).toBe(1);
  expect((await agent.waitClosed()).code).toBe(1006);
  expect((await fetch(`${sim.origin}/healthz`)).status).toBe(200);
  expect(await (await fetch(`${sim.origin}/readyz`)).json()).toMatchObject({
    ready: true,
    sources: { simulator: true },
  });
});

test('in the bridge, the simulator source rings calls over HTTP only when its control is on', async () => {
  const withControl = new SimulatorSource(new Pbx(), defaultSimulatorSourceOptions(), 'demo', { control: true });
  const without = new SimulatorSource(new Pbx(), defaultSimulatorSourceOptions(), 'quiet');
  const b = await startTestBridge({ sources: [withControl, without] });
  try {
    const agent = await Agent.connect(b.url, 'a1001', '1001');
    const post = (path: string, body: unknown) =>
      fetch(`${b.running.origin}${path}`, { method: 'POST', body: JSON.stringify(body) });
    const rung = await post('/sources/demo/calls', { from: '+4930123', to: '1001', name: 'Demo' });
    const { sessionId } = (await rung.json()) as { sessionId: string };
    await agent.waitFor((f) => f.op === 'sessionCreated' && f.session.sessionId === sessionId);
    expect((await post(`/sources/demo/calls/${sessionId}/answer`, {})).status).toBe(200);
    await agent.waitFor((f) => f.op === 'sessionStateChanged' && f.session.state === 'InCall');
    expect((await post('/sources/quiet/calls', { from: '+4930123', to: '1001' })).status).toBe(404);
    expect(without.pbx.active()).toEqual([]);
    agent.close();
  } finally {
    await b.stop();
  }
});
