/**
 * Bad input on both sides of the Voximplant source: unsigned, replayed, malformed and unknown-session
 * requests to the bridge; duplicated and reordered ones resolved by the counter; unsigned commands to
 * the scenario; a control URL that never answers. Each gets a clear error, nothing crashes, and the
 * call itself is not lost.
 */
import { VoximplantSource } from '../../bridge/src/sources/voximplant';
import { SIGNATURE_HEADER, signBody, TIMESTAMP_HEADER } from '../../bridge/src/webhook/signature';
import { Agent } from '../conformance/agent';
import { VoxCloud } from '../support/voxengine';
import { startTestBridge, type TestBridge } from './fixture';

const SECRET = 'voximplant-input-secret-0123456789';
let b: TestBridge;
let cloud: VoxCloud;
let agent: Agent;

beforeEach(async () => {
  b = await startTestBridge({
    sources: [
      new VoximplantSource({
        id: 'vox',
        secret: SECRET,
        agents: { '1001': 'user:anna' },
        controlUrl: '^http://127\\.0\\.0\\.1:\\d+/',
        controlTimeoutMs: 300,
      }),
    ],
  });
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

async function post(body: unknown, { sign = true, timestamp = Math.floor(Date.now() / 1000), raw = '' } = {}) {
  const text = raw || JSON.stringify(body);
  const response = await fetch(`${b.running.origin}/sources/vox/events`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(sign ? { [TIMESTAMP_HEADER]: String(timestamp), [SIGNATURE_HEADER]: signBody(SECRET, text, timestamp) } : {}),
    },
    body: text,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const request = (session: string, seq: number, event: string, extra: Record<string, unknown> = {}) => ({
  v: 1,
  session,
  seq,
  event,
  time: new Date(Date.UTC(2026, 0, 1, 10, 0, seq)).toISOString(),
  leg: 1,
  ...extra,
});
const alerting = (session: string, seq = 1) =>
  request(session, seq, 'alerting', { call: { callerid: '+4930111', destination: '1001', displayName: 'Kim' } });

test('unsigned, badly signed and replayed requests are refused with a reason; a signed one passes', async () => {
  expect(await post(alerting('11'), { sign: false })).toEqual({
    status: 401,
    body: { error: 'unauthorized', message: 'missing signature' },
  });
  const text = JSON.stringify(alerting('11'));
  const timestamp = Math.floor(Date.now() / 1000);
  const first = await post(null, { raw: text, timestamp });
  expect(first).toMatchObject({ status: 200, body: { ok: true, applied: 1, forward: 'user:anna', extension: '1001' } });
  expect(await post(null, { raw: text, timestamp })).toMatchObject({
    status: 401,
    body: { message: 'replayed request' },
  });
  expect(await post(alerting('12'), { timestamp: timestamp - 3600 })).toMatchObject({
    status: 401,
    body: { message: 'timestamp too old' },
  });
  const logged = b.logs().filter((line) => line.msg === 'voximplant request refused');
  expect(logged.length).toBe(3);
  expect(JSON.stringify(b.logs())).not.toContain(SECRET);
});

test('malformed bodies get 400 with what is wrong; nothing is applied', async () => {
  expect(await post(null, { raw: '{"v":1,' })).toMatchObject({
    status: 400,
    body: { message: 'the body is not JSON' },
  });
  expect((await post({ ...alerting('21'), seq: -1 })).status).toBe(400);
  expect((await post({ ...alerting('21'), event: 'exploded' })).body.message).toMatch(/^event/);
  expect((await post(request('21', 1, 'alerting'))).body.message).toBe('call: required for alerting');
  expect((await post({ ...request('21', 2, 'ringing'), leg: undefined })).body.message).toBe(
    'leg: required for ringing',
  );
  expect(agent.frames.some((f) => f.op === 'sessionCreated')).toBe(false);
  // Positive control: the same session, well formed, is applied.
  expect((await post(alerting('21'))).status).toBe(200);
  await agent.waitFor((f) => f.op === 'sessionCreated' && f.session.sessionId === 'vx-21-1');
});

test('duplicates and reordered requests: the counter decides, not the arrival', async () => {
  await post(alerting('31'));
  expect((await post(request('31', 3, 'connected'))).body).toMatchObject({ applied: 1 });
  expect((await post(request('31', 2, 'ringing'))).body).toMatchObject({ applied: 0, ignored: 1 });
  // The same counter again (in other bytes, so not a replay) is a duplicate: ignored.
  expect((await post(request('31', 3, 'connected', { reason: 'again' }))).body).toMatchObject({
    applied: 0,
    ignored: 1,
  });
  const states = agent.frames.filter((f) => f.session?.sessionId === 'vx-31-1').map((f) => f.session.state);
  expect(states).toEqual(['Ringing', 'InCall']);
  // A request that overtook the session's first one waits for it, then applies in order.
  expect(await post(request('32', 2, 'connected'))).toMatchObject({ status: 202, body: { queued: true } });
  expect(agent.frames.some((f) => f.session?.sessionId === 'vx-32-1')).toBe(false);
  await post(alerting('32'));
  await agent.waitFor((f) => f.session?.sessionId === 'vx-32-1' && f.session.state === 'InCall');
  // After the end, nothing brings the call back.
  await post(request('32', 4, 'disconnected', { by: 'customer', duration: 3 }));
  await agent.waitFor((f) => f.op === 'sessionClosed' && f.sessionId === 'vx-32-1');
  expect((await post(request('32', 5, 'hold'))).body).toMatchObject({ applied: 0, ignored: 1 });
  expect(agent.frames.filter((f) => f.op === 'sessionCreated' && f.session.sessionId === 'vx-32-1').length).toBe(1);
});

test('commands: an unknown call is NOT_FOUND; a control URL that never answers is a clear FAILED', async () => {
  const unknown = await agent.request({ op: 'sessionAction', sessionId: 'vx-nope-1', action: 'hangup' });
  expect(unknown).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  const session = cloud.incoming({ callerid: '+4930222', destination: '1001' });
  const leg = await session.nextCall();
  leg.remote.answer();
  const id = `vx-${session.id}-1`;
  await agent.waitFor((f) => f.session?.sessionId === id && f.session.state === 'InCall');
  cloud.stallControl = true;
  const stalled = await agent.request({ op: 'sessionAction', sessionId: id, action: 'hold' });
  expect(stalled).toMatchObject({
    ok: false,
    error: { code: 'FAILED', message: 'the Voximplant session did not answer within 300 ms' },
  });
  cloud.stallControl = false;
  // Positive control: the same command, answered, works; the call was never lost.
  expect(await agent.request({ op: 'sessionAction', sessionId: id, action: 'hold' })).toMatchObject({ ok: true });
  expect(session.errors).toEqual([]);
});

test('the scenario refuses unsigned and replayed commands, and answers signed ones', async () => {
  const session = cloud.incoming({ callerid: '+4930333', destination: '1001' });
  const leg = await session.nextCall();
  leg.remote.answer();
  await agent.waitFor((f) => f.session?.state === 'InCall');
  const send = (body: string, headers: Record<string, string>) =>
    fetch(session.accessSecureURL, { method: 'POST', headers, body }).then((r) => r.json());
  const body = JSON.stringify({ command: 'hangup', leg: 1, id: 'x' });
  expect(await send(body, {})).toMatchObject({ ok: false, error: 'unauthorized' });
  const timestamp = Math.floor(Date.now() / 1000);
  const signed = {
    'X-PopLine-Timestamp': String(timestamp),
    'X-PopLine-Signature': signBody('wrong-secret-0123456789', body, timestamp),
  };
  expect(await send(body, signed)).toMatchObject({ ok: false, error: 'unauthorized', message: 'bad signature' });
  expect(leg.actions).not.toContain('hangup');
  const good = { 'X-PopLine-Timestamp': String(timestamp), 'X-PopLine-Signature': signBody(SECRET, body, timestamp) };
  expect(await send(body, good)).toMatchObject({ ok: true });
  expect(await send(body, good)).toMatchObject({ ok: false, message: 'replayed' });
  await session.ended();
  expect(leg.actions).toContain('hangup');
  expect(session.logs.filter((line) => line.startsWith('PopLine: command refused')).length).toBe(3);
});
