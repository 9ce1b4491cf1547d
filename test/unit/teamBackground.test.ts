/**
 * Do Not Disturb in the background (background/team): which new calls are kept quiet, that a
 * quiet call has no card (until the agent answers it) and no notification, and what the toolbar
 * badge says about availability and unread messages.
 */

import { popRecords } from '../../src/background/lookup';
import { notifyCalls } from '../../src/background/notify';
import { updateBadge } from '../../src/background/pbx/badge';
import { initialRuntime, type RuntimeState } from '../../src/background/storage';
import { cardsForTab } from '../../src/background/tabs';
import { quietNewCalls } from '../../src/background/team';
import type { Call } from '../../src/shared/calls';
import type { ClientState } from '../../src/shared/protocol';
import { defaultSettings } from '../../src/shared/settings';

const badge = { text: '', color: '', title: '' };
const created: string[] = [];
jest.mock('webextension-polyfill', () => ({
  __esModule: true,
  default: {
    action: {
      setBadgeText: async ({ text }: { text: string }) => {
        badge.text = text;
      },
      setBadgeBackgroundColor: async ({ color }: { color: string }) => {
        badge.color = color;
      },
      setTitle: async ({ title }: { title: string }) => {
        badge.title = title;
      },
    },
    notifications: {
      create: async (id: string) => {
        created.push(id);
        return id;
      },
      clear: async () => true,
    },
    runtime: { getURL: (path: string) => `chrome-extension://x/${path}` },
    i18n: {
      getMessage: (key: string, subs: string[] = []) =>
        ({
          availabilityDnd: 'Do not disturb',
          availabilityAway: 'Away',
          badgeDnd: 'DND',
          badgeAway: 'away',
          badgeConnected: 'connected',
          badgeUnread: '$1 unread messages',
        })[key]?.replace('$1', subs[0] ?? '') ?? key,
      getUILanguage: () => 'en',
    },
  },
}));
// i18n reads the browser's own `chrome` (src/webext), not the polyfill: the same stand-in.
(globalThis as { chrome?: unknown }).chrome = (
  jest.requireMock('webextension-polyfill') as { default: unknown }
).default;

const call = (sessionId: string, over: Partial<Call> = {}): Call => ({
  sessionId,
  phase: 'ringing',
  rawState: 'Ringing',
  stateKnown: true,
  direction: 'inbound',
  remoteNumber: '+4930123456',
  localNumber: '1001',
  startedAt: 1,
  wasConnected: false,
  seq: 1,
  ...over,
});
const self = (over: Partial<ClientState> = {}): ClientState => ({
  phoneNumber: '1001',
  status: 'ONLINE',
  phone: 'idle',
  availability: 'dnd',
  ...over,
});

function granted(features = { presence: true, chat: true }): RuntimeState {
  const state = initialRuntime();
  state.connection = {
    state: 'ACCESS_GRANTED',
    features,
    since: 0,
    permissions: { dial: true, control: true, history: true, monitorAll: true },
  };
  state.tabs = { 7: { origin: 'http://crm.example', lastUsed: 1, dismissed: [], shown: [] } };
  return state;
}

describe('Do Not Disturb', () => {
  test('new inbound calls are kept quiet; calls known before, outbound calls and calls after it ends are not', () => {
    const state = granted();
    state.book.calls = { old: call('old') };
    // Positive control: available, nothing is kept quiet.
    state.book.calls.a = call('a');
    quietNewCalls(state, new Set(['old']), [call('a')]);
    expect(state.team.quiet).toEqual([]);
    state.team = { ...state.team, self: self() };
    state.book.calls.b = call('b');
    state.book.calls.out = call('out', { direction: 'outbound' });
    quietNewCalls(state, new Set(['old', 'a']), [call('old'), call('b'), call('out', { direction: 'outbound' })]);
    expect(state.team.quiet).toEqual(['b']);
    // Expired: available again.
    state.team = { ...state.team, self: self({ until: new Date(Date.now() - 1000).toISOString() }) };
    state.book.calls.c = call('c');
    quietNewCalls(state, new Set(['old', 'a', 'b', 'out']), [call('c')]);
    expect(state.team.quiet).toEqual(['b']);
  });

  test('without features.presence, DND is not applied (the server offers none)', () => {
    const state = granted({ presence: false, chat: false });
    state.team = { ...state.team, self: self() };
    state.book.calls = { b: call('b') };
    quietNewCalls(state, new Set(), [call('b')]);
    expect(state.team.quiet).toEqual([]);
  });

  test('a quiet call shows no card until it is answered, and is not notified', () => {
    const state = granted();
    state.book.calls = { loud: call('loud'), quiet: call('quiet') };
    state.team = { ...state.team, quiet: ['quiet'] };
    const ids = () => cardsForTab(7, state, defaultSettings, 10).map((c) => c.sessionId);
    expect(ids()).toEqual(['loud']);
    state.book.calls.quiet = call('quiet', { phase: 'connected', answeredAt: 5 });
    expect(ids().sort()).toEqual(['loud', 'quiet']);
    // No CRM tab: the loud call is notified (positive control), the quiet one not.
    const noTabs = { ...state, tabs: {} };
    noTabs.book.calls.quiet = call('quiet');
    notifyCalls(noTabs, defaultSettings, [call('loud'), call('quiet')]);
    expect(created).toEqual(['popline-call-loud']);
  });
});

test('a quiet call opens no CRM record until the agent answers it (a loud one does: the positive control)', () => {
  const state = granted();
  state.book.calls = { loud: call('loud'), quiet: call('quiet') };
  state.team = { ...state.team, quiet: ['quiet'] };
  const settings = {
    ...defaultSettings,
    record: {
      ...defaultSettings.record,
      openInbound: 'ringing' as const,
      urlTemplate: 'https://crm.example/find?n={e164}',
    },
  };
  popRecords(state, settings, [call('loud'), call('quiet')]);
  expect(state.lookups.loud?.recordDone).toBe(true);
  expect(state.lookups.quiet?.recordDone).toBeUndefined();
});

describe('the toolbar badge', () => {
  test('DND and away in text and title; unread messages as a count; a ringing (not quiet) call first', () => {
    const state = granted();
    updateBadge(state);
    expect(badge.text).toBe('');
    state.team = { ...state.team, self: self() };
    updateBadge(state);
    expect(badge).toMatchObject({ text: 'DND', title: 'PopLine: connected · Do not disturb' });
    state.team = { ...state.team, self: self({ availability: 'away' }) };
    updateBadge(state);
    expect(badge.text).toBe('away');
    state.team = { ...state.team, unread: { '1002': 2, '1003': 1 } };
    updateBadge(state);
    expect(badge).toMatchObject({ text: '3', title: 'PopLine: connected · Away · 3 unread messages' });
    state.book.calls = { q: call('q'), r: call('r') };
    state.team = { ...state.team, quiet: ['q'] };
    updateBadge(state);
    expect(badge.text).toBe('1');
  });
});
