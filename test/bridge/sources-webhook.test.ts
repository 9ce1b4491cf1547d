/**
 * The generic webhook source through the whole bridge: signed events become calls at the agents;
 * unsigned, badly signed, replayed, stale, malformed, oversized and wrongly typed requests are
 * refused with a status and a JSON reason and logged; out-of-order events are resolved by the
 * per-call seq (or time), never arrival order; ended calls land in the bridge's own history.
 */

import { WebhookSource } from '../../bridge/src/sources/webhook';
import { SIGNATURE_HEADER, signBody, TIMESTAMP_HEADER } from '../../bridge/src/webhook/signature';
import { Agent, type Frame } from '../conformance/agent';
import { startTestBridge, type TestBridge } from './fixture';

const SECRET = 'webhook-test-secret-0123456789';
let b: TestBridge;
let agent: Agent;

beforeEach(async () => {
  b = await startTestBridge({ sources: [new WebhookSource({ id: 'hooks', secret: SECRET })] });
  agent = await Agent.connect(b.url, 'all', '1009');
});
afterEach(async () => {
  agent.close();
  await b.stop();
});

interface Sent {
  status: number;
  body: Frame;
}

async function post(
  body: unknown,
  {
    sign = true,
    timestamp = Math.floor(Date.now() / 1000),
    headers = {} as Record<string, string>,
    signature = '',
  } = {},
): Promise<Sent> {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const response = await fetch(`${b.running.origin}/sources/hooks/events`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(sign
        ? { [TIMESTAMP_HEADER]: String(timestamp), [SIGNATURE_HEADER]: signature || signBody(SECRET, text, timestamp) }
        : {}),
      ...headers,
    },
    body: text,
  });
  return { status: response.status, body: (await response.json()) as Frame };
}

const event = (callId: string, kind: string, seq: number, extra: Record<string, unknown> = {}) => ({
  callId,
  event: kind,
  seq,
  caller: '+4930123456',
  callee: '1001',
  ...extra,
});

test('a signed event becomes a call at the agent, with its fields', async () => {
  const sent = await post(event('c1', 'ringing', 1, { callerName: 'Anna Schmidt', customData: { queue: 'sales' } }));
  expect(sent).toEqual({ status: 200, body: { ok: true, applied: 1, ignored: 0 } });
  const created = await agent.waitFor((f) => f.op === 'sessionCreated');
  expect(created.session).toMatchObject({
    sessionId: 'c1',
    state: 'Ringing',
    caller: '+4930123456',
    callee: '1001',
    callerDisplayName: 'Anna Schmidt',
    customData: { queue: 'sales' },
  });
  await post({ events: [event('c1', 'connected', 2), event('c1', 'ended', 3, { outcome: 'hungup' })] });
  const closed = await agent.waitFor((f) => f.op === 'sessionClosed');
  expect(closed).toMatchObject({ sessionId: 'c1', state: 'CallerHungUp' });
});

test('refusals: unsigned, bad signature, old timestamp, replay, malformed, oversized, wrong type', async () => {
  const good = JSON.stringify(event('ok', 'ringing', 1));
  const timestamp = Math.floor(Date.now() / 1000);
  const signature = signBody(SECRET, good, timestamp);
  expect((await post(good, { timestamp, signature })).status).toBe(200); // positive control
  const refusals: [string, Sent][] = [
    ['unsigned', await post(event('u', 'ringing', 1), { sign: false })],
    ['bad signature', await post(event('s', 'ringing', 1), { signature: `v1=${'0'.repeat(64)}` })],
    ['old timestamp', await post(event('o', 'ringing', 1), { timestamp: timestamp - 3600 })],
    ['replay', await post(good, { timestamp, signature })],
    ['not JSON', await post('{"callId":')],
    ['missing field', await post({ callId: 'm', event: 'ringing', seq: 1, caller: '+4930' })],
    ['unknown event', await post(event('e', 'exploded', 1))],
    ['no order', await post({ callId: 'n', event: 'ringing', caller: '+4930', callee: '1001' })],
    [
      'oversized',
      await post(event('big', 'ringing', 1, { customData: { pad: 'x'.repeat(1000) }, pad: 'y'.repeat(70_000) })),
    ],
    ['wrong type', await post(event('t', 'ringing', 1), { headers: { 'content-type': 'text/plain' } })],
  ];
  expect(Object.fromEntries(refusals.map(([what, sent]) => [what, sent.status]))).toEqual({
    unsigned: 401,
    'bad signature': 401,
    'old timestamp': 401,
    replay: 401,
    'not JSON': 400,
    'missing field': 400,
    'unknown event': 400,
    'no order': 400,
    oversized: 413,
    'wrong type': 415,
  });
  for (const [, sent] of refusals)
    expect(sent.body).toEqual({ error: expect.any(String), message: expect.any(String) });
  expect(refusals[0]?.[1].body.message).toBe('missing signature');
  expect(refusals[5]?.[1].body.message).toMatch(/callee/);
  const logged = b.logs().filter((l) => l.msg === 'webhook refused');
  expect(logged).toHaveLength(refusals.length);
  expect(JSON.stringify(b.logs())).not.toContain(SECRET);
  // Only the signed, valid event made a call.
  const list = await agent.request({ op: 'listSessions' });
  expect(list.sessions.map((s: Frame) => s.sessionId)).toEqual(['ok']);
});

test('out of order by seq: ringing after connected does not turn the call back, but fills in the name', async () => {
  await post(event('c2', 'connected', 2));
  expect(await post(event('c2', 'ringing', 1, { callerName: 'Late Name' }))).toMatchObject({
    status: 200,
    body: { applied: 0, ignored: 1 },
  });
  const list = await agent.request({ op: 'listSessions' });
  expect(list.sessions).toEqual([
    expect.objectContaining({ sessionId: 'c2', state: 'InCall', callerDisplayName: 'Late Name' }),
  ]);
  // An ended call stays ended whatever arrives late.
  await post(event('c2', 'ended', 4));
  await post(event('c2', 'held', 3));
  expect((await agent.request({ op: 'listSessions' })).sessions).toEqual([]);
  const states = agent.frames.filter((f) => f.session?.sessionId === 'c2').map((f) => f.session.state);
  expect(states).not.toContain('Ringing');
  expect(states).not.toContain('CallerOnHold');
});

test('out of order by time, when there is no seq', async () => {
  const t0 = Date.now() - 10_000;
  const at = (ms: number) => new Date(t0 + ms).toISOString();
  const timed = (kind: string, ms: number) => ({
    callId: 'c3',
    event: kind,
    time: at(ms),
    caller: '+4930',
    callee: '1001',
  });
  await post(timed('connected', 2000));
  await post(timed('ringing', 0));
  const [call] = (await agent.request({ op: 'listSessions' })).sessions;
  expect(call).toMatchObject({ sessionId: 'c3', state: 'InCall', startTime: at(0) });
  await post(timed('ended', 5000));
  const history = await agent.request({ op: 'getCallHistory', pageNumber: 0, pageRows: 10 });
  expect(history.entries).toEqual([
    expect.objectContaining({ sessionId: 'c3', state: 'CallerHungUp', talkDuration: 3 }),
  ]);
});

test('a call that ended unanswered is in the history as such; draining refuses webhooks with 503', async () => {
  await post({ events: [event('c4', 'ringing', 1), event('c4', 'ended', 2)] });
  const history = await agent.request({ op: 'getCallHistory', pageNumber: 0, pageRows: 10 });
  expect(history.entries).toEqual([expect.objectContaining({ sessionId: 'c4', state: 'Cancelled', talkDuration: 0 })]);
  await b.running.bridge.drain();
  expect((await post(event('c5', 'ringing', 1))).status).toBe(503);
});
