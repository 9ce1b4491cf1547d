/**
 * The team's pure logic (shared/team): presence on two axes and its words, expiry choices, the
 * directory search (2,000 colleagues), message text rules and links; and the background's
 * directory store (snapshot pages, presence deltas for the popup) and message store
 * (IndexedDB in Node with fake-indexeddb).
 */
import 'fake-indexeddb/auto';
import { performance } from 'node:perf_hooks';
import { callFor } from '../../src/background/shortcuts';
import { MessageStore } from '../../src/background/team/db';
import {
  addDirectoryPage,
  type Directory,
  loadDirectory,
  presenceSince,
  resetDirectoryForTests,
  setPresence,
} from '../../src/background/team/store';
import type { Call } from '../../src/shared/calls';
import type { ClientState, DirectoryUser } from '../../src/shared/protocol';
import { availabilityRequest, expiryTime } from '../../src/shared/team/availability';
import { buildIndex, memberOf, searchTeam } from '../../src/shared/team/directory';
import { advance, matchesMessage, messageProblem, safeLink, splitLinks } from '../../src/shared/team/messages';
import { effectiveAvailability, isFree, presenceKeys, presenceTone } from '../../src/shared/team/presence';

const session = new Map<string, unknown>();
jest.mock('webextension-polyfill', () => ({
  __esModule: true,
  default: {
    storage: {
      session: {
        get: async (keys: string[]) =>
          Object.fromEntries(keys.filter((k) => session.has(k)).map((k) => [k, session.get(k)])),
        set: async (values: Record<string, unknown>) => {
          for (const [k, v] of Object.entries(values)) session.set(k, v);
        },
      },
    },
    i18n: { getMessage: (key: string) => key, getUILanguage: () => 'en' },
  },
}));
// i18n reads the browser's own `chrome` (src/webext), not the polyfill: the same stand-in.
(globalThis as { chrome?: unknown }).chrome = (
  jest.requireMock('webextension-polyfill') as { default: unknown }
).default;

const state = (over: Partial<ClientState> = {}): ClientState => ({
  phoneNumber: '1002',
  status: 'ONLINE',
  phone: 'idle',
  availability: 'available',
  ...over,
});
const NOW = Date.parse('2026-12-02T10:00:00Z');

describe('presence', () => {
  test('two axes: the phone decides busy and ringing, the person decides away and dnd; offline wins', () => {
    expect(presenceTone(state(), NOW)).toBe('free');
    expect(presenceTone(state({ phone: 'inCall' }), NOW)).toBe('busy');
    expect(presenceTone(state({ phone: 'onHold' }), NOW)).toBe('busy');
    expect(presenceTone(state({ phone: 'ringing' }), NOW)).toBe('ringing');
    expect(presenceTone(state({ availability: 'away' }), NOW)).toBe('away');
    expect(presenceTone(state({ availability: 'dnd', phone: 'inCall' }), NOW)).toBe('dnd');
    expect(presenceTone(state({ status: 'OFFLINE', phone: 'offline' }), NOW)).toBe('offline');
    // The desk phone is the PBX's: on a call with the client offline is busy, idle with it offline is not free.
    expect(presenceTone(state({ status: 'OFFLINE', phone: 'inCall' }), NOW)).toBe('busy');
    expect(presenceTone(state({ status: 'OFFLINE' }), NOW)).toBe('offline');
    expect(isFree(state({ status: 'OFFLINE' }), NOW)).toBe(false);
    expect(presenceTone(undefined, NOW)).toBe('offline');
    expect(isFree(state(), NOW)).toBe(true);
    expect(isFree(state({ phone: 'inCall' }), NOW)).toBe(false);
  });

  test('words name both axes; an expiry that has passed counts as available', () => {
    expect(presenceKeys(state({ phone: 'inCall', availability: 'away' }), NOW)).toEqual({
      phone: 'phoneInCall',
      availability: 'availabilityAway',
    });
    expect(presenceKeys(state({ status: 'OFFLINE', phone: 'offline' }), NOW)).toEqual({ phone: 'phoneOffline' });
    expect(presenceKeys(state({ status: 'OFFLINE', phone: 'inCall' }), NOW)).toEqual({ phone: 'phoneInCall' });
    expect(presenceKeys(state({ status: 'OFFLINE', phone: 'offline', availability: 'dnd' }), NOW)).toEqual({
      phone: 'phoneOffline',
      availability: 'availabilityDnd',
    });
    const past = state({ availability: 'dnd', until: new Date(NOW - 1000).toISOString() });
    const future = state({ availability: 'dnd', until: new Date(NOW + 1000).toISOString() });
    expect(effectiveAvailability(past, NOW)).toBe('available');
    expect(effectiveAvailability(future, NOW)).toBe('dnd');
    expect(presenceTone(past, NOW)).toBe('free');
  });
});

describe('own availability', () => {
  test('30 min, 1 h, and until tomorrow (the coming local midnight); never has no expiry', () => {
    expect(expiryTime('30m', NOW)).toBe(NOW + 30 * 60_000);
    expect(expiryTime('1h', NOW)).toBe(NOW + 3_600_000);
    const tomorrow = new Date(expiryTime('tomorrow', NOW) as number);
    expect(tomorrow.getHours()).toBe(0);
    expect(tomorrow.getMinutes()).toBe(0);
    expect(tomorrow.getTime()).toBeGreaterThan(NOW);
    expect(tomorrow.getTime() - NOW).toBeLessThanOrEqual(24 * 3_600_000);
    expect(expiryTime('never', NOW)).toBeUndefined();
  });

  test('the frame: an expiry and note only when not available; the note is trimmed to 140', () => {
    expect(availabilityRequest('dnd', '1h', '  writing up  ', NOW)).toEqual({
      availability: 'dnd',
      note: 'writing up',
      until: new Date(NOW + 3_600_000).toISOString(),
    });
    expect(availabilityRequest('available', '1h', 'x', NOW)).toEqual({ availability: 'available' });
    expect(availabilityRequest('away', 'never', 'n'.repeat(300), NOW).note).toHaveLength(140);
  });
});

describe('the team list', () => {
  const users: DirectoryUser[] = Array.from({ length: 2000 }, (_, i) => ({
    extension: String(1000 + i),
    fullName: `${['Anna', 'Béla', 'Chloé', 'Dmitri', 'Eva'][i % 5]} Person${i}`,
    ...(i % 7 === 0 ? { nickname: `nick${i}` } : {}),
  }));
  const index = buildIndex(users.map((user) => memberOf(user, undefined)));
  const search = (query: string, favourites: string[] = [], me?: string) =>
    searchTeam(index, { query, favourites: new Set(favourites), limit: 100, now: NOW, ...(me ? { me } : {}) });

  test('finds by name (accents folded), nickname and extension; every word must match', () => {
    expect(search('bela person1').members.map((m) => m.extension)).toContain('1001');
    expect(search('chloe').total).toBe(400);
    expect(search('nick7').members.map((m) => m.extension)).toContain('1007');
    expect(search('1999').members.map((m) => m.extension)).toContain('1999');
    expect(search('anna eva').total).toBe(0);
  });

  test('favourites first, the agent left out, at most the limit with the total', () => {
    const found = search('', ['1500', '1003'], '1000');
    expect(
      found.members
        .slice(0, 2)
        .map((m) => m.extension)
        .sort(),
    ).toEqual(['1003', '1500']);
    expect(found.members.some((m) => m.extension === '1000')).toBe(false);
    expect(found.members).toHaveLength(100);
    expect(found.total).toBe(1999);
  });

  test('names are display text: control and bidi characters go, an empty name falls back to the extension', () => {
    const member = memberOf({ extension: '42', fullName: 'Eve\u202E\u0000 Evil' }, undefined);
    expect(member.name).toBe('Eve Evil');
    expect(memberOf({ extension: '43' }, undefined).name).toBe('43');
  });

  test('figure: a keystroke over 2,000 colleagues (logged, not asserted)', () => {
    const queries = ['a', 'an', 'ann', 'anna', 'anna p', 'anna pe', 'anna per', '12', '123'];
    const times: number[] = [];
    for (let round = 0; round < 20; round++)
      for (const query of queries) {
        const start = performance.now();
        search(query);
        times.push(performance.now() - start);
      }
    times.sort((a, b) => a - b);
    console.info(`team search over 2,000: p95 ${times[Math.floor(times.length * 0.95)]?.toFixed(3)} ms`);
  });
});

describe('message text', () => {
  test('empty and too long are refused in words; 1000 characters are fine', () => {
    expect(messageProblem('  ')).toBe('empty');
    expect(messageProblem('x'.repeat(1000))).toBeNull();
    expect(messageProblem('x'.repeat(1001))).toBe('tooLong');
  });

  test('links: http(s) only, trailing punctuation left out, everything else stays text', () => {
    const parts = splitLinks('see https://crm.example/c/1, or javascript:alert(1) <b>x</b> http://a.example.');
    expect(parts).toEqual([
      { kind: 'text', text: 'see ' },
      { kind: 'link', text: 'https://crm.example/c/1', href: 'https://crm.example/c/1' },
      { kind: 'text', text: ', or javascript:alert(1) <b>x</b> ' },
      { kind: 'link', text: 'http://a.example', href: 'http://a.example/' },
      { kind: 'text', text: '.' },
    ]);
    expect(safeLink('javascript:alert(1)')).toBeNull();
    expect(safeLink('data:text/html,x')).toBeNull();
    expect(safeLink('https://user:pw@example.com/')).toBeNull();
    expect(safeLink('chrome-extension://abc/options.html')).toBeNull();
    expect(splitLinks('no links here')).toEqual([{ kind: 'text', text: 'no links here' }]);
  });

  test('the link pattern stays linear on hostile input (time as a ratio to a plain input of the same size)', () => {
    const hostile = `http://${'a'.repeat(50_000)}`.repeat(4);
    const plain = 'b'.repeat(hostile.length);
    const time = (text: string) => {
      const start = performance.now();
      for (let i = 0; i < 5; i++) splitLinks(text);
      return performance.now() - start;
    };
    time(plain);
    expect(time(hostile) / Math.max(time(plain), 0.5)).toBeLessThan(50);
  });

  test('delivery only moves forward; a failure after "sent" is ignored', () => {
    expect(advance('sending', 'sent')).toBe('sent');
    expect(advance('read', 'delivered')).toBe('read');
    expect(advance('sent', 'failed')).toBe('sent');
    expect(advance('sending', 'failed')).toBe('failed');
    expect(advance(undefined, 'delivered')).toBe('delivered');
  });

  test('search: every word, accents folded', () => {
    expect(matchesMessage({ content: 'Rückruf bei Müller', peer: '1002' }, 'muller ruckruf')).toBe(true);
    expect(matchesMessage({ content: 'Rückruf', peer: '1002' }, 'rückruf 1003')).toBe(false);
  });
});

describe('the directory store', () => {
  beforeEach(() => {
    session.clear();
    resetDirectoryForTests();
  });
  const user = (extension: string, over: Partial<DirectoryUser> = {}): DirectoryUser => ({ extension, ...over });

  test('a snapshot replaces the directory only once its last page is in; a page out of order is dropped', async () => {
    const directory = await loadDirectory();
    expect(addDirectoryPage(directory, { page: 1, pages: 2, users: [user('1'), user('2')] })).toBe(false);
    expect(directory.users.size).toBe(0);
    expect(
      addDirectoryPage(directory, { page: 2, pages: 2, users: [user('3', { state: state({ phoneNumber: '3' }) })] }),
    ).toBe(true);
    expect([...directory.users.keys()]).toEqual(['1', '2', '3']);
    expect(directory.presence.get('3')?.phone).toBe('idle');
    // A second snapshot whose page 2 comes first: ignored until a page 1.
    expect(addDirectoryPage(directory, { page: 2, pages: 2, users: [user('9')] })).toBe(false);
    expect(directory.users.has('9')).toBe(false);
  });

  test('outside ids are Map keys: __proto__ is a colleague like any other', async () => {
    const directory = await loadDirectory();
    addDirectoryPage(directory, { page: 1, pages: 1, users: [user('__proto__'), user('constructor')] });
    expect(directory.users.get('__proto__')?.extension).toBe('__proto__');
    expect(({} as Record<string, unknown>).extension).toBeUndefined();
  });

  test('a popup gets only what changed since its revision, or everything when it is too far behind', async () => {
    const directory: Directory = await loadDirectory();
    addDirectoryPage(directory, { page: 1, pages: 1, users: [user('1'), user('2'), user('3')] });
    const seen = directory.presRev;
    expect(presenceSince(directory, seen)).toEqual({ full: false, states: [] });
    setPresence(directory, state({ phoneNumber: '2', phone: 'inCall' }));
    const delta = presenceSince(directory, seen);
    expect(delta.full).toBe(false);
    expect(delta.states.map((s) => [s.phoneNumber, s.phone])).toEqual([['2', 'inCall']]);
    expect(presenceSince(directory, -1).full).toBe(true);
    for (let i = 0; i < 1200; i++)
      setPresence(directory, state({ phoneNumber: '3', phone: i % 2 ? 'idle' : 'ringing' }));
    expect(presenceSince(directory, seen).full).toBe(true);
  });

  test('kept in storage.session (after the coalesced write), so a restarted worker has it', async () => {
    jest.useFakeTimers();
    try {
      const directory = await loadDirectory();
      addDirectoryPage(directory, { page: 1, pages: 1, users: [user('7', { fullName: 'Seven' })] });
      setPresence(directory, state({ phoneNumber: '7', availability: 'dnd' }));
      jest.advanceTimersByTime(1000);
    } finally {
      jest.useRealTimers();
    }
    await Promise.resolve();
    resetDirectoryForTests();
    const again = await loadDirectory();
    expect(again.users.get('7')?.fullName).toBe('Seven');
    expect(again.presence.get('7')?.availability).toBe('dnd');
  });
});

describe('the message store', () => {
  let n = 0;
  const store = () => new MessageStore(`messages-test-${++n}`);
  const message = (id: string, peer: string, time: number, over = {}) => ({
    id,
    peer,
    direction: 'in' as const,
    content: `hello ${id}`,
    time,
    read: false,
    ...over,
  });

  test('a conversation, oldest first; unread from a colleague; renaming a local id to the server id', async () => {
    const messages = store();
    await messages.put(message('a', '1002', 1));
    await messages.put(message('b', '1003', 2));
    await messages.put(message('c', '1002', 3, { read: true }));
    await messages.put(message('local:x', '1002', 4, { direction: 'out', delivery: 'sending' }));
    expect((await messages.conversation('1002', 10)).map((m) => m.id)).toEqual(['a', 'c', 'local:x']);
    expect((await messages.unreadFrom('1002')).map((m) => m.id)).toEqual(['a']);
    await messages.rename('local:x', message('m-1', '1002', 4, { direction: 'out', delivery: 'sent' }));
    expect(await messages.get('local:x')).toBeUndefined();
    expect((await messages.get('m-1'))?.delivery).toBe('sent');
    expect((await messages.conversations(10)).map((m) => m.peer)).toEqual(['1002', '1003']);
  });

  test('search and retention (age, then count)', async () => {
    const messages = store();
    const day = 86_400_000;
    await messages.put(message('old', '1002', NOW - 40 * day, { content: 'old news' }));
    await messages.put(message('new1', '1002', NOW - day, { content: 'customer on line 2' }));
    await messages.put(message('new2', '1003', NOW, { content: 'line 3 please' }));
    expect((await messages.search((m) => m.content.includes('line'), 10)).map((m) => m.id)).toEqual(['new2', 'new1']);
    expect(await messages.retain(30, 1, NOW)).toBe(2);
    expect((await messages.search(() => true, 10)).map((m) => m.id)).toEqual(['new2']);
  });
});

describe('the answer and hang-up shortcuts', () => {
  const call = (sessionId: string, phase: Call['phase'], direction: Call['direction'], startedAt: number) =>
    ({ sessionId, phase, direction, startedAt }) as Call;

  test('answer takes the newest ringing inbound call; hang up the call in progress, else declines', () => {
    const calls = [
      call('old', 'ringing', 'inbound', 1),
      call('new', 'ringing', 'inbound', 2),
      call('out', 'ringing', 'outbound', 3),
    ];
    expect(callFor('answer-call', calls)).toEqual({ call: calls[1], action: 'accept' });
    expect(callFor('hang-up-call', calls)).toEqual({ call: calls[1], action: 'reject' });
    const talking = [...calls, call('talk', 'connected', 'inbound', 0)];
    expect(callFor('hang-up-call', talking)?.call.sessionId).toBe('talk');
    expect(callFor('answer-call', [call('talk', 'connected', 'inbound', 0)])).toBeNull();
    expect(callFor('dial-selection', calls)).toBeNull();
  });
});
