/**
 * The CTI connector against the real simulator over a real WebSocket (Node's `ws`): the
 * handshake, snapshot, events, commands, heartbeat and the close codes of docs/protocol.md.
 */
import { WebSocket } from 'ws';
import { type Simulator, startSimulator } from '../../sim/server';
import { CtiConnector } from '../../src/background/pbx/connectors/cti';
import type { ConnectorStatus } from '../../src/background/pbx/connectors/types';
import type { CallEvent } from '../../src/shared/calls';
import { waitFor } from '../support/browsers';

let sim: Simulator;
beforeEach(async () => {
  sim = await startSimulator({ port: 0, heartbeat: 1 });
});
afterEach(() => sim.close());

function connect(token = 'popline-demo', extension = '1001') {
  const statuses: ConnectorStatus[] = [];
  const events: CallEvent[] = [];
  const closed: { retry: boolean; detail: string }[] = [];
  const connector = new CtiConnector(
    {
      url: sim.ctiUrl,
      token,
      extension,
      clientVersion: 'test',
      WebSocketImpl: WebSocket as unknown as typeof globalThis.WebSocket,
    },
    { status: (s) => statuses.push(s), call: (e) => events.push(e), closed: (c) => closed.push(c) },
  );
  connector.open();
  return { connector, statuses, events, closed };
}

test('handshake, fresh snapshot, then session events', async () => {
  const existing = sim.pbx.ring({ from: '+4930123', to: '1001' });
  const c = connect();
  await waitFor(() => c.statuses.some((s) => s.state === 'ACCESS_GRANTED'));
  expect(c.statuses.find((s) => s.state === 'ACCESS_GRANTED')).toMatchObject({
    userName: 'Demo Agent',
    permissions: { dial: true, control: true, history: true, monitorAll: true },
  });
  await waitFor(() => c.events.length >= 1);
  expect(c.events[0]).toMatchObject({ type: 'snapshot', fresh: true, sessions: [{ sessionId: existing.sessionId }] });
  sim.pbx.answer(existing.sessionId);
  sim.pbx.hangup(existing.sessionId);
  await waitFor(() => c.events.some((e) => e.type === 'close'));
  expect(c.events.map((e) => e.type).filter((type) => type !== 'history')).toEqual([
    'snapshot',
    'upsert',
    'upsert',
    'close',
  ]);
  // With history permission, the connector reads recent history after the snapshot to fill any gap.
  expect(c.events.some((e) => e.type === 'history')).toBe(true);
  c.connector.close();
});

test('a wrong token is ACCESS_DENIED and not retried', async () => {
  const c = connect('wrong');
  await waitFor(() => c.closed.length > 0);
  expect(c.statuses.map((s) => s.state)).toEqual(['CONNECTING', 'ACCESS_DENIED']);
  expect(c.closed[0]).toEqual({ retry: false, detail: 'invalid token' });
});

test('an expired token is refused with the reason', async () => {
  sim.cti.options.tokens.old = { expiresAt: '2020-01-01T00:00:00Z' };
  const c = connect('old');
  await waitFor(() => c.closed.length > 0);
  expect(c.closed[0]).toEqual({ retry: false, detail: 'token expired' });
});

test('an unreachable server is retried', async () => {
  await sim.close();
  const c = connect();
  await waitFor(() => c.closed.length > 0);
  expect(c.closed[0]?.retry).toBe(true);
  sim = await startSimulator({ port: 0 });
});

test('commands are answered by requestId', async () => {
  const c = connect();
  await waitFor(() => c.events.length > 0);
  const dial = await c.connector.createCall('+15551234567');
  expect(dial).toMatchObject({ ok: true });
  const bad = await c.connector.sessionAction('nope', 'hangup');
  expect(bad).toEqual({ ok: false, code: 'notFound', message: 'no such call' });
  // The simulator answers createCall with the new call's id: the hang-up below always runs.
  if (!dial.ok || !dial.sessionId) throw new Error(`createCall gave no sessionId: ${JSON.stringify(dial)}`);
  await waitFor(() => c.events.some((event) => 'session' in event && event.session.sessionId === dial.sessionId));
  expect(await c.connector.sessionAction(dial.sessionId, 'hangup')).toMatchObject({ ok: true });
  const history = await c.connector.getCallHistory(0, 10);
  expect(history.total).toBe(1);
  c.connector.close();
});

test('heartbeat: a server that stops answering is detected as dead', async () => {
  const c = connect();
  await waitFor(() => c.events.length > 0);
  sim.cti.freeze(60_000);
  await waitFor(() => c.closed.length > 0, { timeout: 15_000 });
  expect(c.closed[0]).toEqual({ retry: true, detail: 'the server stopped answering' });
}, 20_000);

test('bad frames are ignored and the connection survives', async () => {
  const c = connect();
  await waitFor(() => c.events.length > 0);
  for (const frame of [
    'not json',
    '[]',
    '{"op":5}',
    '{"op":"sessionCreated","seq":"x"}',
    '{"op":"mystery"}',
    'x'.repeat(70_000),
  ]) {
    sim.cti.sendRaw(frame);
  }
  const call = sim.pbx.ring({ from: '+4930123', to: '1001' });
  await waitFor(() => c.events.some((e) => e.type === 'upsert' && e.session.sessionId === call.sessionId));
  expect(c.closed).toEqual([]);
  c.connector.close();
});

test('a dropped connection is reported for retry', async () => {
  const c = connect();
  await waitFor(() => c.events.length > 0);
  sim.cti.dropAll();
  await waitFor(() => c.closed.length > 0);
  expect(c.closed[0]).toEqual({ retry: true, detail: 'the connection was lost' });
});
