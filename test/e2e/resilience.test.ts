/**
 * Never misses a call: a stopped worker, a killed and restarted server, a dropped socket, bad
 * frames, refused tokens. Each in real Chromium against the simulator over a real WebSocket.
 */
import type { Page } from 'puppeteer-core';
import { startSimulator } from '../../sim/server';
import { readCards, waitFor } from '../support/browsers';
import { connectionState } from '../support/extension';
import { cardOf, type E2E, sleep, startE2E, waitForCard } from '../support/session';
import { countUpgrades } from '../support/upgrades';

jest.setTimeout(120_000);

let e2e: E2E;
let page: Page;

beforeAll(async () => {
  e2e = await startE2E();
  await e2e.setup({ cards: { fadeAfterSeconds: 600 } });
  page = await e2e.openCrm();
});
afterAll(() => e2e?.close());

const badge = async () => {
  const worker = await e2e.worker();
  return worker.evaluate(async () => ({
    text: await chrome.action.getBadgeText({}),
    title: await chrome.action.getTitle({}),
  }));
};

test('the badge says connected', async () => {
  await waitFor(async () => (await badge()).title.startsWith('PopLine: connected'), { what: 'the badge' });
  expect((await badge()).text).toBe('');
});

test('a worker stopped during a ringing call: the card survives and keeps updating', async () => {
  const call = e2e.sim.pbx.ring({ from: '+49 30 1234567', name: 'Anna Schmidt', to: '1001' });
  await waitForCard(page, call.sessionId, (c) => c.phase === 'ringing');
  await e2e.chromium.stopWorker();
  expect(await cardOf(page, call.sessionId)).toMatchObject({ phase: 'ringing' });
  e2e.sim.pbx.answer(call.sessionId);
  await waitForCard(page, call.sessionId, (c) => c.phase === 'connected', 'talking after the restart');
  e2e.sim.pbx.hangup(call.sessionId);
  await waitForCard(page, call.sessionId, (c) => c.outcome === 'answered', 'the end');
  const cards = await readCards(page);
  expect(cards.filter((c) => c.sessionId === call.sessionId)).toHaveLength(1);
});

test('a call that rings while the worker is stopped still pops', async () => {
  await e2e.chromium.stopWorker();
  const call = e2e.sim.pbx.ring({ from: '+33 1 42 68 53 00', name: 'Claire Dubois', to: '1001' });
  await waitForCard(page, call.sessionId, (c) => c.phase === 'ringing');
  e2e.sim.pbx.miss(call.sessionId);
  await waitForCard(page, call.sessionId, (c) => c.outcome === 'missed');
});

test('the server is killed and restarted: calls that began and ended meanwhile are reconciled', async () => {
  const { port } = e2e.sim;
  const ringing = e2e.sim.pbx.ring({ from: '+44 20 7946 0958', name: 'Oliver Brown', to: '1001' });
  const talking = e2e.sim.pbx.ring({ from: '+1 415 555 0132', name: 'Maria Garcia', to: '1001' });
  e2e.sim.pbx.answer(talking.sessionId);
  await waitForCard(page, talking.sessionId, (c) => c.phase === 'connected');
  await waitForCard(page, ringing.sessionId);

  await e2e.sim.close();
  await waitFor(async () => (await connectionState(await e2e.worker())) !== 'ACCESS_GRANTED', { what: 'the loss' });
  // While it was down: Oliver gave up, Maria is still talking, Péter began calling.
  e2e.sim = await startSimulator({ port });
  e2e.sim.pbx.ring({ id: talking.sessionId, from: '+1 415 555 0132', name: 'Maria Garcia', to: '1001' });
  e2e.sim.pbx.answer(talking.sessionId);
  const newcomer = e2e.sim.pbx.ring({ from: '+36 1 234 5678', name: 'Kovács Péter', to: '1001' });

  await waitForCard(page, newcomer.sessionId, (c) => c.phase === 'ringing', 'the call that began meanwhile');
  await waitForCard(page, ringing.sessionId, (c) => c.outcome === 'missed', 'the call that ended meanwhile');
  expect(await cardOf(page, talking.sessionId)).toMatchObject({ phase: 'connected' });
  // The restarted server's seq starts again from 1: its events still apply.
  e2e.sim.pbx.hangup(talking.sessionId);
  await waitForCard(page, talking.sessionId, (c) => c.outcome === 'answered');
  e2e.sim.pbx.hangup(newcomer.sessionId);
});

test('a dropped socket reconnects and reconciles', async () => {
  const call = e2e.sim.pbx.ring({ from: '+49 89 636 48018', name: 'Lukas Müller', to: '1001' });
  await waitForCard(page, call.sessionId);
  e2e.sim.cti.dropAll();
  e2e.sim.pbx.answer(call.sessionId);
  await waitForCard(page, call.sessionId, (c) => c.phase === 'connected', 'talking after the drop');
  e2e.sim.pbx.hangup(call.sessionId);
});

test('malformed frames: nothing crashes, the connection survives, the next good call pops', async () => {
  const before = e2e.sim.cti.clients.size;
  const call = e2e.sim.pbx.ring({ from: '+49 30 1234567', name: 'Before', to: '1001' });
  e2e.sim.pbx.answer(call.sessionId);
  await waitForCard(page, call.sessionId, (c) => c.phase === 'connected');
  const frames = [
    'not json',
    '[1,2,3]',
    '{"seq":1}',
    '{"op":42}',
    '{"op":"sessionCreated","seq":"7","session":{}}',
    '{"op":"sessionCreated","seq":99999,"session":{"sessionId":123}}',
    JSON.stringify({
      op: 'sessionStateChanged',
      seq: 1,
      session: { sessionId: call.sessionId, state: 'Ringing', caller: '+4930', callee: '1001', startTime: 'x' },
    }),
    JSON.stringify({ op: 'mysteryOp', seq: 1 }),
    JSON.stringify({ op: 'pong', t: 1, pad: 'x'.repeat(70_000) }),
    JSON.stringify({ op: 'sessionClosed' }),
  ];
  for (const frame of frames) e2e.sim.cti.sendRaw(frame);
  const next = e2e.sim.pbx.ring({ from: '+44 20 7946 0958', name: 'After', to: '1001' });
  await waitForCard(page, next.sessionId, (c) => c.name === 'After');
  // The backwards-seq frame did not turn the call back to ringing.
  expect(await cardOf(page, call.sessionId)).toMatchObject({ phase: 'connected' });
  expect(e2e.sim.cti.clients.size).toBe(before);
  expect(await connectionState(await e2e.worker())).toBe('ACCESS_GRANTED');
  e2e.sim.pbx.hangup(call.sessionId);
  e2e.sim.pbx.hangup(next.sessionId);
});

test('a refused token stops retrying and tells the user what to do', async () => {
  await e2e.setup({}, 'wrong-token');
  await waitFor(async () => (await connectionState(await e2e.worker())) === 'ACCESS_DENIED', { what: 'denied' });
  const { text, title } = await badge();
  expect(text).toBe('!');
  expect(title).toContain('access denied');
  expect(title).toContain('enter a valid token');
  // Count connection attempts where they land: every WebSocket upgrade the server is asked for.
  const attempts = countUpgrades(e2e.sim.cti);
  try {
    // Longer than the backoff's first two steps (within 1 s, then 2 s: shared/pbx/backoff.ts), so a retry would have come.
    await sleep(3000);
    expect(attempts.count).toBe(0);
    const notifications = await (await e2e.worker()).evaluate(() => chrome.notifications.getAll());
    expect(Object.keys(notifications)).toContain('popline-access');
    // Positive control: the counter sees attempts. A good token connects, at once, through it.
    await e2e.setup();
    expect(attempts.count).toBeGreaterThanOrEqual(1);
  } finally {
    attempts.stop();
  }
});

test('an expiring token is announced before it expires', async () => {
  e2e.sim.cti.options.tokens.short = {
    permissions: { dial: true, control: true, history: true },
    expiresAt: new Date(Date.now() + 5 * 60_000).toISOString(),
  };
  const worker = await e2e.worker();
  await worker.evaluate(() => chrome.notifications.clear('popline-access'));
  await e2e.setup({}, 'short');
  await waitFor(async () => (await connectionState(await e2e.worker())) === 'ACCESS_GRANTED', { what: 'connected' });
  await waitFor(
    async () =>
      Object.keys(await (await e2e.worker()).evaluate(() => chrome.notifications.getAll())).includes('popline-access'),
    { what: 'the expiry warning', timeout: 15_000 },
  );
  const detail = await (await e2e.worker()).evaluate(async () => {
    const { connection } = await chrome.storage.session.get('connection');
    return (connection as { detail?: string }).detail;
  });
  expect(detail).toMatch(/expires at/);
  await e2e.setup();
});

test('calls that began and ended while the socket was down are shown from the PBX history', async () => {
  e2e.sim.cti.dropAll();
  const missed = e2e.sim.pbx.ring({ from: '+44 20 7946 0001', name: 'Gap Missed', to: '1001' });
  e2e.sim.pbx.miss(missed.sessionId);
  const answered = e2e.sim.pbx.ring({ from: '+44 20 7946 0002', name: 'Gap Answered', to: '1001' });
  e2e.sim.pbx.answer(answered.sessionId);
  await sleep(20);
  e2e.sim.pbx.hangup(answered.sessionId);
  await waitForCard(page, missed.sessionId, (c) => c.outcome === 'missed', 'the missed call from the gap');
  await waitForCard(page, answered.sessionId, (c) => c.outcome === 'answered', 'the answered call from the gap');
});
