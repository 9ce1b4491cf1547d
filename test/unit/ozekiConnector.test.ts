/**
 * The Ozeki HTTP API connector against the simulator's Ozeki mode over real HTTP (Node's
 * fetch): both answer shapes, office-user authentication, the status codes and the broken
 * answers in words, click-to-dial through the API extension and the OzML URL, call control,
 * and history pages.
 */
import { createServer } from 'node:net';
import type { OzekiFault, OzekiSimOptions } from '../../sim/ozeki';
import { type Simulator, startSimulator } from '../../sim/server';
import { OzekiConnector, type OzekiOptions } from '../../src/background/pbx/connectors/ozeki';
import type { ConnectorStatus } from '../../src/background/pbx/connectors/types';
import { applyEvent, type CallBook, type CallEvent, emptyBook, isFollowed } from '../../src/shared/calls';
import { waitFor } from '../support/browsers';

const rules = { extension: '1001', extraNumbers: [], monitorAll: false };
let sim: Simulator;
const open: OzekiConnector[] = [];

async function start(ozeki: OzekiSimOptions = {}) {
  sim = await startSimulator({ port: 0, ozeki: { dialAgentMs: 200, dialCustomerMs: 300, keepEndedMs: 0, ...ozeki } });
  return sim;
}

afterEach(async () => {
  for (const connector of open.splice(0)) connector.close();
  await sim?.close();
});

function connect(options: Partial<OzekiOptions> = {}) {
  const statuses: ConnectorStatus[] = [];
  const events: CallEvent[] = [];
  const closed: { retry: boolean; detail: string }[] = [];
  let book: CallBook = emptyBook();
  const ozeki = sim.ozeki;
  if (!ozeki) throw new Error('no Ozeki mode');
  const connector = new OzekiConnector(
    {
      apiUrl: ozeki.apiUrl,
      extension: '1001',
      apiExtension: '9994',
      ozmlUrl: ozeki.ozmlTemplate,
      username: '',
      password: '',
      pollIdleMs: 100,
      pollRingingMs: 50,
      follows: (session) => isFollowed(session, rules),
      requestTimeoutMs: 2000,
      ...options,
    },
    {
      status: (s) => statuses.push(s),
      call: (e) => {
        events.push(e);
        book = applyEvent(book, e, rules, Date.now()).book;
      },
      closed: (c) => closed.push(c),
    },
  );
  open.push(connector);
  connector.open();
  return { connector, statuses, events, closed, book: () => book };
}

const granted = (c: ReturnType<typeof connect>) =>
  waitFor(() => c.statuses.some((s) => s.state === 'ACCESS_GRANTED'), { what: 'access granted' });
const closedWith = async (c: ReturnType<typeof connect>) => {
  await waitFor(() => c.closed.length > 0, { what: 'the connector to close' });
  return c.closed[0];
};

describe.each(['xe', 'ozeki10'] as const)('%s answers', (shape) => {
  test('granted, a fresh snapshot, then a call ringing, talking, held and ended', async () => {
    // XE keeps an ended call on the list for a while with its final state; the other one drops it.
    await start({ shape, keepEndedMs: shape === 'xe' ? 1000 : 0 });
    const existing = sim.pbx.ring({ from: '+4930111', to: '1001' });
    const c = connect();
    await granted(c);
    expect(c.statuses[1]).toEqual({
      state: 'ACCESS_GRANTED',
      permissions: { dial: true, control: true, history: true, monitorAll: true },
    });
    await waitFor(() => c.events.length > 0);
    expect(c.events[0]).toMatchObject({ type: 'snapshot', fresh: true, sessions: [{ sessionId: existing.sessionId }] });
    const call = sim.pbx.ring({ from: '+49 30 1234567', name: 'Anna Schmidt', to: '1001' });
    await waitFor(() => c.book().calls[call.sessionId]?.phase === 'ringing', { what: 'ringing' });
    expect(c.book().calls[call.sessionId]).toMatchObject({ remoteName: 'Anna Schmidt', direction: 'inbound' });
    sim.pbx.answer(call.sessionId);
    await waitFor(() => c.book().calls[call.sessionId]?.phase === 'connected', { what: 'talking' });
    sim.pbx.hold(call.sessionId);
    await waitFor(() => c.book().calls[call.sessionId]?.phase === 'held', { what: 'held' });
    sim.pbx.hangup(call.sessionId);
    await waitFor(() => c.book().calls[call.sessionId]?.phase === 'ended', { what: 'ended' });
    expect(c.book().calls[call.sessionId]?.endReason).toBe('answered');
    expect(c.closed).toEqual([]);
  });

  test('history, paged, with the total', async () => {
    await start({ shape });
    for (let i = 0; i < 5; i++) sim.pbx.hangup(sim.pbx.ring({ from: `+4930100${i}`, to: '1001' }).sessionId);
    const c = connect();
    const first = await c.connector.getCallHistory(0, 2);
    const last = await c.connector.getCallHistory(2, 2);
    expect(first.total).toBe(5);
    expect(first.entries.map((e) => e.caller)).toEqual(['+49301004', '+49301003']);
    expect(last.entries).toEqual([
      expect.objectContaining({ caller: '+49301000', callee: '1001', direction: 'Inbound', state: 'CalleeHungUp' }),
    ]);
    expect(Number.isFinite(Date.parse(last.entries[0]?.startTime ?? ''))).toBe(true);
  });
});

describe('office user authentication', () => {
  const auth = { username: 'agent1', password: 's3cret&=' };

  test('the right user is granted; the password is in the POST body only', async () => {
    await start({ auth });
    const sent: { url: string; body: string }[] = [];
    const spy: typeof fetch = async (input, init) => {
      sent.push({ url: String(input), body: String(init?.body) });
      return fetch(input, init);
    };
    const c = connect({ username: auth.username, password: auth.password, fetchImpl: spy });
    await granted(c);
    expect(c.statuses[1]?.userName).toBe('agent1');
    expect(sent.every((request) => !request.url.includes('s3cret') && !/password/i.test(request.url))).toBe(true);
    expect(new URLSearchParams(sent[0]?.body).get('Password')).toBe('s3cret&=');
  });

  test.each([
    ['a wrong password', { username: 'agent1', password: 'nope' }, 'wrong user name or password (code 305)'],
    ['no user at all', {}, 'the phone system wants an office user name and password (code 304)'],
  ])('%s is denied with the reason, not retried', async (_, credentials, reason) => {
    await start({ auth });
    const c = connect(credentials);
    const closed = await closedWith(c);
    expect(closed?.retry).toBe(false);
    expect(closed?.detail.startsWith(reason)).toBe(true);
    expect(c.statuses.map((s) => s.state)).toEqual(['CONNECTING']);
  });

  test("307: this computer's address is not allowed", async () => {
    await start({ allowedAddresses: ['10.1.2.3'] });
    const closed = await closedWith(connect());
    expect(closed).toEqual({
      retry: false,
      detail:
        "this computer's address is not allowed by the PBX (code 307): add it to the HTTP API's allowed addresses",
    });
  });
});

describe('broken answers end the connector with the reason, to be retried', () => {
  test.each<[string, OzekiFault, string]>([
    ['an HTML error page', { body: 'html' }, 'the address answered with a web page ("Service Unavailable")'],
    ['truncated XML', { body: 'truncated' }, 'the answer was cut off (truncated XML)'],
    ['broken XML', { body: 'badXml' }, 'the answer is broken XML'],
    ['not XML', { body: 'notXml' }, 'the answer is not XML'],
    ['an empty answer', { body: 'empty' }, 'the phone system sent an empty answer'],
    ['XML from something else', { body: 'notOzeki' }, 'the answer is XML but not from the Ozeki HTTP API'],
    ['HTTP 500', { httpStatus: 500 }, 'the phone system answered HTTP 500'],
    ['a cut connection', { reset: true }, 'cannot be reached'],
    ['an unknown code', { code: 999 }, 'the phone system answered with code 999'],
  ])('%s', async (_, fault, reason) => {
    await start();
    if (sim.ozeki) sim.ozeki.fault = fault;
    const closed = await closedWith(connect());
    expect(closed?.retry).toBe(true);
    expect(closed?.detail).toContain(reason);
  });

  test('a fault after a good start ends the connector with the reason', async () => {
    await start();
    const c = connect();
    await granted(c);
    if (sim.ozeki) sim.ozeki.fault = { body: 'truncated', command: 'ListActiveCalls' };
    expect(await closedWith(c)).toEqual({ retry: true, detail: 'the answer was cut off (truncated XML)' });
  });

  test('a PBX that never answers times out', async () => {
    await start();
    if (sim.ozeki) sim.ozeki.fault = { hang: true };
    const closed = await closedWith(connect({ requestTimeoutMs: 300 }));
    expect(closed).toEqual({ retry: true, detail: 'the phone system did not answer within 0.3 s' });
  });

  test('a slow answer within the time limit is fine', async () => {
    await start();
    if (sim.ozeki) sim.ozeki.fault = { delayMs: 400, times: 2 };
    const c = connect({ requestTimeoutMs: 2000 });
    await granted(c);
    expect(c.closed).toEqual([]);
  });

  test('nothing listening: a refused connection', async () => {
    await start();
    const port = await freePort();
    const closed = await closedWith(connect({ apiUrl: `http://127.0.0.1:${port}/` }));
    expect(closed).toEqual({
      retry: true,
      detail: `the phone system at 127.0.0.1:${port} cannot be reached (connection refused or no network)`,
    });
  });

  test('the wrong path on the PBX (an Ozeki 10 address for XE) is a 404 in words', async () => {
    await start({ shape: 'xe' });
    const closed = await closedWith(connect({ apiUrl: `${sim.ozeki?.origin}/api` }));
    expect(closed?.detail).toContain('HTTP 404 (not found): check the API address');
  });
});

describe('actions', () => {
  test('click-to-dial rings the agent, then the PBX fetches the OzML and connects the customer: one outgoing call', async () => {
    await start();
    const c = connect();
    await granted(c);
    expect(await c.connector.createCall('+49 30 999888')).toEqual({ ok: true });
    const id = await waitFor(() => Object.keys(c.book().calls)[0], { what: 'the dial' });
    expect(c.book().calls[id]).toMatchObject({
      direction: 'outbound',
      remoteNumber: '+49 30 999888',
      phase: 'setup',
    });
    await waitFor(() => c.book().calls[id]?.phase === 'connected', { what: 'the customer answering' });
    const customer = sim.pbx.active().find((call) => call.callee === '+4930999888');
    expect(customer).toMatchObject({ caller: '1001', state: 'incall' });
    expect(Object.keys(c.book().calls)).toEqual([id]);
    expect(await c.connector.sessionAction(id, 'hangup')).toEqual({ ok: true });
    await waitFor(() => c.book().calls[id]?.phase === 'ended', { what: 'hung up' });
    expect(c.book().calls[id]?.endReason).toBe('answered');
  });

  test('hold, resume and blind transfer on the CallId', async () => {
    await start();
    const c = connect();
    await granted(c);
    const call = sim.pbx.ring({ from: '+4930777', to: '1001' });
    sim.pbx.answer(call.sessionId);
    await waitFor(() => c.book().calls[call.sessionId]?.phase === 'connected');
    expect(await c.connector.sessionAction(call.sessionId, 'hold')).toEqual({ ok: true });
    expect(sim.pbx.calls.get(call.sessionId)?.state).toBe('hold');
    await waitFor(() => c.book().calls[call.sessionId]?.phase === 'held');
    expect(await c.connector.sessionAction(call.sessionId, 'unhold')).toEqual({ ok: true });
    expect(sim.pbx.calls.get(call.sessionId)?.state).toBe('incall');
    expect(await c.connector.sessionAction(call.sessionId, 'blindTransfer', '1002')).toEqual({ ok: true });
    expect(sim.pbx.active().some((other) => other.callee === '1002' && other.caller === '+4930777')).toBe(true);
    await waitFor(() => c.book().calls[call.sessionId]?.phase === 'ended');
  });

  test('commands in words: no such call, no API extension, no number, answering', async () => {
    await start();
    const c = connect({ apiExtension: '9000' });
    await granted(c);
    expect(await c.connector.sessionAction('gone', 'hangup')).toEqual({
      ok: false,
      code: 'notFound',
      message: 'the call no longer exists (code 601)',
    });
    const dial = await c.connector.createCall('+4930123');
    expect(dial).toMatchObject({ ok: false, code: 'forbidden' });
    expect(!dial.ok && dial.message).toMatch(/^no API extension installed \(code 401\).*'9000'/);
    expect(await c.connector.createCall('call me')).toMatchObject({ ok: false, code: 'invalid' });
    expect(await c.connector.sessionAction('x', 'accept')).toMatchObject({ ok: false, code: 'unsupported' });
  });

  test('without an API extension, dialing says what to set, and the status says dialing is off', async () => {
    await start();
    const c = connect({ apiExtension: '' });
    await granted(c);
    expect(c.statuses[1]?.permissions?.dial).toBe(false);
    expect(await c.connector.createCall('+4930123')).toMatchObject({ ok: false, code: 'unsupported' });
  });

  test('before the first answer, commands are refused as not connected', async () => {
    await start();
    if (sim.ozeki) sim.ozeki.fault = { delayMs: 500, times: 1 };
    const c = connect();
    expect(await c.connector.createCall('+4930123')).toMatchObject({ ok: false, code: 'notConnected' });
  });
});

describe("the simulator's control API for the Ozeki mode", () => {
  test('faults, options and request counts over HTTP', async () => {
    await start();
    const control = (path: string, body?: unknown, method = 'POST') =>
      fetch(`${sim.origin}/control/ozeki/${path}`, {
        method,
        headers: { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }).then((response) => response.json());
    expect(await control('fault', { code: 305, times: 1 })).toEqual({ fault: { code: 305, times: 1 } });
    expect(sim.ozeki?.fault).toEqual({ code: 305, times: 1 });
    const options = await control('options', { shape: 'ozeki10', auth: { username: 'u', password: 'p' } });
    expect(options).toEqual({ apiUrl: `${sim.ozeki?.origin}/api`, ozmlUrl: sim.ozeki?.ozmlTemplate, shape: 'ozeki10' });
    expect(sim.ozeki?.options.auth).toEqual({ username: 'u', password: 'p' });
    await fetch(`${sim.ozeki?.origin}/api`, {
      method: 'POST',
      body: new URLSearchParams({ command: 'ListActiveCalls' }),
    });
    expect(await control('stats', undefined, 'GET')).toMatchObject({ total: 1, byCommand: { ListActiveCalls: 1 } });
    expect(await control('fault', undefined, 'DELETE')).toEqual({ fault: null });
    const ozml = await fetch(`${sim.ozeki?.origin}/popline/ozml?dial=%2B4930123%3Cx%3E`).then((r) => r.text());
    expect(ozml).toContain('<BlindTransfer>+4930123</BlindTransfer>');
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
