/**
 * Background → content messages (shared/pushes.ts, content/pushes.ts): one listener, which
 * answers only our own background, validates each push on arrival and hands it to its receiver.
 */
import { failedAnswer, receivePushes } from '../../src/content/pushes';
import type { ContentState } from '../../src/shared/cards';
import { PUSHES } from '../../src/shared/pushes';

type Listener = (message: unknown, sender: unknown, sendResponse: (answer: unknown) => void) => true | undefined;
const listeners: Listener[] = [];
// The browser's own API as src/webext finds it in Chrome (no webextension-polyfill in the content
// script); looked up when receivePushes runs, so after this.
(globalThis as { chrome?: unknown }).chrome = {
  runtime: {
    id: 'popline-test-id',
    onMessage: {
      addListener: (listener: Listener) => listeners.push(listener),
      removeListener: () => undefined,
    },
  },
};
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

function listen(cardsAnswer: (body: ContentState) => Promise<null> | undefined = () => Promise.resolve(null)) {
  listeners.length = 0;
  const got: unknown[] = [];
  receivePushes({
    cards: (body) => {
      got.push(body);
      return cardsAnswer(body);
    },
    dialOutcome: () => Promise.resolve(true),
    lookupFetch: () => undefined,
    crmLogFetch: () => undefined,
  });
  const registered = listeners[0];
  if (!registered) throw new Error('no listener registered');
  const listener = (message: unknown, sender: unknown) => registered(message, sender, () => undefined);
  /** As Chrome calls it: the listener's return value, and the answer it gives through sendResponse. */
  const answered = (message: unknown, sender: unknown) => {
    let respond: (answer: unknown) => void = () => undefined;
    const answer = new Promise((resolve) => {
      respond = resolve;
    });
    return { returned: registered(message, sender, respond), answer };
  };
  return { listener, answered, got };
}

test('a valid push from our background reaches its receiver, and is answered through sendResponse', async () => {
  const { answered, got } = listen();
  const { returned, answer } = answered({ popline: 1, push: 'cards', body: state }, background);
  // true keeps Chrome's channel open for the answer (Chrome ignores a promise a listener returns).
  expect(returned).toBe(true);
  await expect(answer).resolves.toBeNull();
  expect(got).toEqual([state]);
});

test('a receiver that leaves the push unanswered (not a CRM tab) keeps the channel closed', () => {
  const { answered, got } = listen(() => undefined);
  expect(answered({ popline: 1, push: 'cards', body: state }, background).returned).toBeUndefined();
  expect(got).toEqual([state]);
});

test("a receiver that fails answers with the polyfill's rejection, which the background's sendMessage throws", async () => {
  const { answered } = listen(() => Promise.reject(new Error('no card host')));
  const { returned, answer } = answered({ popline: 1, push: 'cards', body: state }, background);
  expect(returned).toBe(true);
  await expect(answer).resolves.toEqual({ __mozWebExtensionPolyfillReject__: true, message: 'no card host' });
  expect(failedAnswer('plain')).toEqual({ __mozWebExtensionPolyfillReject__: true, message: 'plain' });
});

test.each([
  ['another extension', { id: 'someone-else' }],
  ['a content script (a tab)', { id: 'popline-test-id', tab: { id: 3 } }],
])('a push from %s is ignored', async (_what, sender) => {
  const { listener, got } = listen();
  // Positive control first: the same push from our background is taken.
  expect(listener({ popline: 1, push: 'cards', body: state }, background)).toBe(true);
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
