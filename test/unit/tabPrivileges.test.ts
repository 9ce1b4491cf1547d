/**
 * Least privilege for a tab (issue 18, gap 9): a tab's dismissal hides a card in that tab only,
 * so a compromised CRM tab cannot hide the agent's calls from the others.
 */

import { initialRuntime } from '../../src/background/storage';
import { cardsForTab } from '../../src/background/tabs';
import type { Call } from '../../src/shared/calls';
import { defaultSettings } from '../../src/shared/settings';

jest.mock('webextension-polyfill', () => ({ __esModule: true, default: {} }));

const call = (sessionId: string): Call => ({
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
});

test.each(['lastCrmTab', 'allCrmTabs'] as const)('%s: a dismissal in one tab hides nothing in another', (target) => {
  const state = initialRuntime();
  state.book.calls = { s1: call('s1'), s2: call('s2') };
  state.tabs = {
    7: { origin: 'https://crm.example', lastUsed: 1, dismissed: ['s1', 's2'], shown: [] },
    8: { origin: 'https://crm.example', lastUsed: 2, dismissed: [], shown: [] },
  };
  const settings = { ...defaultSettings, cards: { ...defaultSettings.cards, target } };
  const ids = (tabId: number) => cardsForTab(tabId, state, settings, 10).map((c) => c.sessionId);
  expect(ids(8)).toEqual(['s1', 's2']);
  // Positive control: the tab that dismissed them does not show them (when it shows cards at all).
  state.tabs[7] = { ...state.tabs[7], lastUsed: 3 } as (typeof state.tabs)[number];
  expect(ids(7)).toEqual([]);
});
