/**
 * The background's router (background/messaging/router.ts): each message is handled only when it
 * is ours, from a sender kind it allows, with a body that passes its validator. Every message is
 * tried from every sender kind: refused where MESSAGES does not allow it, handled where it does.
 */
import type { Runtime } from 'webextension-polyfill';
import { createRouter, senderKind } from '../../src/background/messaging/router';
import { type Handlers, MESSAGES, type MessageName, type Req, type SenderKind } from '../../src/shared/messages';

const OWN_ID = 'popline-test-id';
const OWN_ORIGIN = `chrome-extension://${OWN_ID}/`;
jest.mock('webextension-polyfill', () => ({
  __esModule: true,
  default: {
    runtime: { id: 'popline-test-id', getURL: (path: string) => `chrome-extension://popline-test-id/${path}` },
  },
}));

const gesture = { at: 1_700_000_000_000, kind: 'pointer' as const };
/** A valid body for every message (the typecheck keeps this list complete). */
const BODIES: { [K in MessageName]: Req<K> } = {
  contentHello: { visible: true },
  tabActive: { visible: true },
  dismissCard: { sessionId: 's1' },
  callAction: { sessionId: 's1', action: 'hangup' },
  savePosition: { right: 10, bottom: 20 },
  getStatus: {},
  dial: { number: '+4930123456' },
  reconnect: {},
  getOptions: {},
  saveOptions: { settings: {} },
  testConnection: { settings: {} },
  enrol: { serverUrl: 'wss://bridge.example/cti', allowInsecure: false, code: 'ABCD-EFGH' },
  historyQuery: { kind: 'recent' },
  historyPrevious: { sessionId: 's1' },
  historySetNote: { sessionId: 's1', note: 'called back' },
  entryOpen: { sessionId: 's1' },
  entryDraft: { sessionId: 's1', note: 'half a thought', disposition: '' },
  historyExport: {},
  historyClear: {},
  historyImport: {},
  dialRequest: { input: 'tel:+4930123456', source: 'link', gesture },
  dialQuestion: { ticket: 'ticket-12345678' },
  dialConfirm: { ticket: 'ticket-12345678', yes: true },
  loadDetector: {},
  loadCards: {},
  findNumbers: { texts: ['030 1234567'] },
  openRecord: { sessionId: 's1', match: 0 },
  crmLogStates: { sessionIds: ['s1'] },
  crmLogRetry: { sessionId: 's1' },
  crmLogOpen: { sessionId: 's1' },
  crmLogNow: { sessionId: 's1', gesture },
  teamView: {},
  teamSetAvailability: { availability: 'dnd', expiry: '30m' },
  teamFavourite: { extension: '1002', on: true },
  chatConversations: {},
  chatConversation: { peer: '1002' },
  chatSend: { to: '1002', content: 'hello' },
  chatSearch: { query: 'hello' },
  openLink: { url: 'https://example.com/' },
};

const SENDERS: Record<
  SenderKind | 'other extension' | 'subframe' | 'no tab' | 'own page in a frame',
  Runtime.MessageSender
> = {
  content: {
    id: OWN_ID,
    url: 'https://crm.example/contacts',
    tab: { id: 7 } as Runtime.MessageSender['tab'],
    frameId: 0,
  },
  page: { id: OWN_ID, url: `${OWN_ORIGIN}popup.html` },
  // The entry frame, loaded from Chrome's per-session dynamic URL inside a CRM tab.
  frame: {
    id: OWN_ID,
    url: 'chrome-extension://0f5c9d3e-6b1a-4c1e-9d7e-2a6f1b3c4d5e/entry.html#k=note&s=s1',
    tab: { id: 7 } as Runtime.MessageSender['tab'],
    frameId: 4,
  },
  // Any other page of ours put into a tab's frame (a page can embed nothing else, but a bug could).
  'own page in a frame': {
    id: OWN_ID,
    url: `${OWN_ORIGIN}options.html`,
    tab: { id: 7 } as Runtime.MessageSender['tab'],
    frameId: 4,
  },
  'other extension': { id: 'someone-else', url: 'chrome-extension://someone-else/x.html' },
  subframe: {
    id: OWN_ID,
    url: 'https://crm.example/frame',
    tab: { id: 7 } as Runtime.MessageSender['tab'],
    frameId: 3,
  },
  'no tab': { id: OWN_ID, url: 'https://crm.example/' },
};

function router() {
  const called: { name: string; body: unknown; context: unknown }[] = [];
  const handlers = new Proxy({} as Handlers, {
    get: (_target, name: string) => async (body: unknown, context: unknown) => {
      called.push({ name, body, context });
      return `handled ${name}`;
    },
  });
  return { route: createRouter(handlers), called };
}

const envelope = (type: string, body: unknown) => ({ popline: 1, type, body });
const names = Object.keys(MESSAGES) as MessageName[];

describe.each(names)('%s', (name) => {
  const allowed = MESSAGES[name].from;
  test.each(['content', 'page', 'frame'] as const)('from a %s', async (kind) => {
    const { route, called } = router();
    const answer = route(envelope(name, BODIES[name]), SENDERS[kind]);
    if (allowed.includes(kind)) {
      await expect(answer).resolves.toBe(`handled ${name}`);
      expect(called).toHaveLength(1);
    } else {
      expect(answer).toBeUndefined();
      expect(called).toEqual([]);
    }
  });
});

test('every message is allowed from some sender, and content scripts may not use the page-only ones', () => {
  for (const name of names) expect(MESSAGES[name].from.length).toBeGreaterThan(0);
  const pageOnly = names.filter((name) => !MESSAGES[name].from.includes('content'));
  expect(pageOnly).toEqual(
    expect.arrayContaining([
      'getStatus',
      'dial',
      'saveOptions',
      'testConnection',
      'historyQuery',
      'historyExport',
      // Only PopLine's confirmation window answers a dial question (docs/security.md).
      'dialQuestion',
      'dialConfirm',
      // Unused by the card: a content script has no business reading earlier calls (issue 18).
      'historyPrevious',
    ]),
  );
});

test.each([
  'other extension',
  'subframe',
  'no tab',
  'own page in a frame',
] as const)('a message from %s is refused', async (kind) => {
  const { route, called } = router();
  // Positive control: the same message from our own content script is handled.
  await expect(route(envelope('dismissCard', { sessionId: 's1' }), SENDERS.content)).resolves.toBe(
    'handled dismissCard',
  );
  expect(route(envelope('dismissCard', { sessionId: 's1' }), SENDERS[kind])).toBeUndefined();
  expect(called).toHaveLength(1);
});

test('the context comes from the browser, not from the message', async () => {
  const { route, called } = router();
  await route({ ...envelope('dismissCard', { sessionId: 's1' }), tabId: 99, kind: 'page' }, SENDERS.content);
  expect(called[0]?.context).toEqual({ kind: 'content', tabId: 7, url: 'https://crm.example/contacts' });
});

test('a malformed body is refused with the reason, before any handler', async () => {
  const { route, called } = router();
  await expect(route(envelope('dismissCard', { sessionId: 42 }), SENDERS.content)).rejects.toThrow(
    'invalid dismissCard: sessionId: expected a string',
  );
  await expect(route(envelope('savePosition', { right: -1, bottom: 0 }), SENDERS.content)).rejects.toThrow(
    'invalid savePosition',
  );
  expect(called).toEqual([]);
});

test.each([
  ['not an envelope', { type: 'dismissCard', body: { sessionId: 's1' } }],
  ['an unknown name', envelope('eval', {})],
  ['an inherited name', envelope('__proto__', {})],
  ['a string', 'dismissCard'],
])('%s is ignored', (_what, message) => {
  const { route, called } = router();
  expect(route(message, SENDERS.content)).toBeUndefined();
  expect(called).toEqual([]);
});

test('senderKind tells our pages from our content scripts', () => {
  expect(senderKind(SENDERS.page, OWN_ID, OWN_ORIGIN)).toEqual({ kind: 'page', url: `${OWN_ORIGIN}popup.html` });
  expect(senderKind(SENDERS.content, OWN_ID, OWN_ORIGIN)).toMatchObject({ kind: 'content', tabId: 7 });
  expect(senderKind(SENDERS['other extension'], OWN_ID, OWN_ORIGIN)).toBeNull();
});

test('the entry frame is its own kind, with its tab; no other page of ours counts in a frame', () => {
  expect(senderKind(SENDERS.frame, OWN_ID, OWN_ORIGIN)).toMatchObject({ kind: 'frame', tabId: 7 });
  // The same page as a tab of its own (frame 0) is not the entry frame, nor a page of ours at another path.
  expect(senderKind({ ...SENDERS.frame, frameId: 0 }, OWN_ID, OWN_ORIGIN)).toBeNull();
  const elsewhere = { ...SENDERS.frame, url: 'chrome-extension://0f5c9d3e/options.html' };
  expect(senderKind(elsewhere, OWN_ID, OWN_ORIGIN)).toBeNull();
  expect(senderKind({ ...SENDERS.frame, id: 'someone-else' }, OWN_ID, OWN_ORIGIN)).toBeNull();
  // A web page's frame at a look-alike address is a subframe, not ours.
  const lookAlike = { ...SENDERS.subframe, url: 'https://crm.example/entry.html' };
  expect(senderKind(lookAlike, OWN_ID, OWN_ORIGIN)).toBeNull();
});
