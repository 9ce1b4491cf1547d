/**
 * Background → content messages (shared/pushes.ts, content/pushes.ts): one listener, which
 * answers only our own background, validates each push on arrival and hands it to its receiver.
 */
import type { ContentState } from '../../src/shared/cards';
import { PUSHES } from '../../src/shared/pushes';

const listeners: ((message: unknown, sender: unknown) => unknown)[] = [];
jest.mock('webextension-polyfill', () => ({
  __esModule: true,
  default: {
    runtime: {
      id: 'popline-test-id',
      onMessage: {
        addListener: (listener: (message: unknown, sender: unknown) => unknown) => listeners.push(listener),
        removeListener: () => undefined,
      },
    },
  },
}));
// After the mock: the listener registers with the stand-in.
const { receivePushes } = require('../../src/content/pushes') as typeof import('../../src/content/pushes');

const state: ContentState = {
  rev: 42,
  cards: [
    {
      sessionId: 's1',
      phase: 'ringing',
      rawState: 'Ringing',
      stateKnown: true,
      direction: 'inbound',
      number: '+4930123456',
      numberDisplay: '030 123456',
      name: '<img src=x onerror=alert(1)>',
      startedAt: 1_700_000_000_000,
      lookup: { state: 'found', matches: [{ name: 'Anna', hasRecord: true }], total: 1 },
    },
  ],
  canControl: true,
  fadeAfterMs: 8000,
};
const background = { id: 'popline-test-id' };

function listen() {
  listeners.length = 0;
  const got: unknown[] = [];
  receivePushes({
    cards: (body) => {
      got.push(body);
      return Promise.resolve(null);
    },
    dialOutcome: () => Promise.resolve(true),
    lookupFetch: () => undefined,
    crmLogFetch: () => undefined,
  });
  const listener = listeners[0];
  if (!listener) throw new Error('no listener registered');
  return { listener, got };
}

test('a valid push from our background reaches its receiver, and is answered', async () => {
  const { listener, got } = listen();
  await expect(listener({ popline: 1, push: 'cards', body: state }, background)).resolves.toBeNull();
  expect(got).toEqual([state]);
});

test.each([
  ['another extension', { id: 'someone-else' }],
  ['a content script (a tab)', { id: 'popline-test-id', tab: { id: 3 } }],
])('a push from %s is ignored', async (_what, sender) => {
  const { listener, got } = listen();
  // Positive control first: the same push from our background is taken.
  await listener({ popline: 1, push: 'cards', body: state }, background);
  expect(listener({ popline: 1, push: 'cards', body: state }, sender)).toBeUndefined();
  expect(got).toHaveLength(1);
});

test.each([
  ['an unknown push', { popline: 1, push: 'eval', body: {} }],
  ['a card list of the wrong shape', { popline: 1, push: 'cards', body: { ...state, cards: [{ sessionId: 1 }] } }],
  [
    'a dial outcome with a code outside the vocabulary',
    {
      popline: 1,
      push: 'dialOutcome',
      body: { outcome: { status: 'failed', code: 'HACKED' }, near: 'menu' },
    },
  ],
  ['no marker', { push: 'cards', body: state }],
])('%s is refused', (_what, message) => {
  const { listener, got } = listen();
  const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  expect(listener(message, background)).toBeUndefined();
  warn.mockRestore();
  expect(got).toEqual([]);
});

test('the answers are validated too: a lookup answer of the wrong shape is refused', () => {
  expect(() => PUSHES.lookupFetch.res({ ok: 'yes' })).toThrow();
  expect(PUSHES.lookupFetch.res({ ok: true, json: { a: 1 } })).toEqual({ ok: true, json: { a: 1 } });
  expect(PUSHES.dialOutcome.res(true)).toBe(true);
  expect(() => PUSHES.dialOutcome.res('true')).toThrow();
});

test("a card's call log (the wrap-up's countdown, the state) reaches the card whole; a wrong one is refused", () => {
  const card = state.cards[0] as ContentState['cards'][number];
  const wrapUp = { state: 'wrapUp' as const, since: 1_700_000_000_000, dueAt: 1_700_000_042_000 };
  const failed = { state: 'failed' as const, since: 1_700_000_000_000, reason: '<b>no</b>' };
  for (const crmLog of [wrapUp, failed, { state: 'waiting' as const, since: 1, paused: true }]) {
    const pushed = { ...state, cards: [{ ...card, crmLog }] };
    expect(PUSHES.cards.req(pushed)).toEqual(pushed);
  }
  expect(() => PUSHES.cards.req({ ...state, cards: [{ ...card, crmLog: { state: 'sending', since: 1 } }] })).toThrow();
  expect(() => PUSHES.cards.req({ ...state, cards: [{ ...card, crmLog: { state: 'logged' } }] })).toThrow();
});
