/** What the background does for each message. */

import { byRelevance, cardView } from '../../shared/calls/views';
import { withLookup } from '../../shared/crm/cardLookup';
import type { ActionResult, StatusView } from '../../shared/messages';
import { dialFromPopup, siteFeatures } from '../dial';
import { dialHandlers, featuresOnly } from '../dial/handlers';
import { historyHandlers } from '../history/handlers';
import { lookupHandlers } from '../lookup/handlers';
import { optionsView, saveOptions, testConnection } from '../options';
import { connect, currentConnector } from '../pbx/connection';
import { getSettings } from '../settings';
import { mutate, readState } from '../storage/state';
import { contentState, dismiss, isCrmUrl, markUsed, pushToTabs, registerTab } from '../tabs';
import { savePosition } from '../tabs/positions';
import type { Handlers } from './router';

const notConnected: ActionResult = { ok: false, code: 'NOT_CONNECTED', message: 'not connected to the phone system' };

export const handlers: Handlers = {
  ...historyHandlers,
  ...dialHandlers,
  ...lookupHandlers,

  async contentHello({ visible }, { tabId, url }) {
    const settings = await getSettings();
    const features = siteFeatures(url, settings);
    if (tabId === undefined) return null;
    if (!isCrmUrl(url, settings)) return features.detect || features.links ? featuresOnly(features) : null;
    return mutate(async (state) => {
      registerTab(state, tabId, visible, url ?? '');
      // Other tabs may lose their cards to this one (it may now be the tab used last).
      await pushToTabs(state);
      const view = await contentState(tabId, state, settings, Date.now());
      return { ...view, features };
    });
  },

  async savePosition(position, { tabId, url }) {
    if (tabId === undefined || !url || !URL.canParse(url)) return null;
    await savePosition(new URL(url).origin, position);
    await mutate((state) => pushToTabs(state));
    return null;
  },

  async tabActive(_body, { tabId }) {
    if (tabId === undefined) return null;
    await mutate(async (state) => {
      if (markUsed(state, tabId)) await pushToTabs(state);
    });
    return null;
  },

  async dismissCard({ sessionId }, { tabId }) {
    if (tabId === undefined) return null;
    await mutate(async (state) => {
      dismiss(state, tabId, sessionId);
      await pushToTabs(state);
    });
    return null;
  },

  async callAction({ sessionId, action, target }) {
    const connector = currentConnector();
    if (!connector) return notConnected;
    const state = await readState();
    if (!state.connection.permissions?.control) {
      return { ok: false, code: 'FORBIDDEN', message: 'this token may not control calls' };
    }
    if (!state.book.calls[sessionId]) return { ok: false, code: 'NOT_FOUND', message: 'no such call' };
    return connector.sessionAction(sessionId, action, target);
  },

  async getStatus(): Promise<StatusView> {
    const [state, settings] = await Promise.all([readState(), getSettings()]);
    const calls = Object.values(state.book.calls)
      .filter((call) => call.endedAt === undefined)
      .sort(byRelevance)
      .map((call) => withLookup(cardView(call, settings.phone.defaultCountry), state.lookups[call.sessionId]));
    const { connection } = state;
    const view: StatusView = {
      state: connection.state,
      extension: settings.connection.extension,
      serverUrl: settings.connection.connector === 'ozeki' ? settings.ozeki.apiUrl : settings.connection.serverUrl,
      calls,
      canDial: connection.state === 'ACCESS_GRANTED' && connection.permissions?.dial !== false,
      canControl: connection.state === 'ACCESS_GRANTED' && !!connection.permissions?.control,
    };
    if (connection.detail) view.detail = connection.detail;
    if (connection.userName) view.userName = connection.userName;
    return view;
  },

  async dial({ number, confirmed }) {
    return dialFromPopup(number, confirmed === true);
  },

  async reconnect() {
    await connect({ force: true });
    return null;
  },

  getOptions: () => optionsView(),
  saveOptions: ({ settings, credentials }) => saveOptions(settings, credentials),
  testConnection: ({ settings, credentials }) => testConnection(settings, credentials),
};

export const resyncTabs = () =>
  mutate(async (state) => {
    await pushToTabs(state, { force: true });
  });
