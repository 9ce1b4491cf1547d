/** The messages about the phone system: its state for the popup, and reconnecting (call control: dial/control.ts). */

import { withLookup } from '../../shared/cards/lookup';
import { byRelevance, cardView } from '../../shared/cards/views';
import type { Handlers, StatusView } from '../../shared/messages';
import { getSettings } from '../settings';
import { readState } from '../storage/state';
import { connect } from './connection';

export const pbxHandlers: Pick<Handlers, 'getStatus' | 'reconnect'> = {
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
      canAnswer: connection.state === 'ACCESS_GRANTED' && !!connection.permissions?.accept,
    };
    if (connection.detail) view.detail = connection.detail;
    if (connection.userName) view.userName = connection.userName;
    return view;
  },

  async reconnect() {
    await connect({ force: true });
    return null;
  },
};
