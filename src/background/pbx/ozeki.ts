/**
 * What the connection manager needs to run the Ozeki HTTP API connector: why it cannot start
 * (a bad address, no host permission for the PBX), and the connector built from the settings
 * and the stored office user.
 */
import browser from 'webextension-polyfill';
import { isFollowed } from '../../shared/calls';
import { apiOriginPattern, apiUrlProblem } from '../../shared/ozeki/address';
import type { Settings } from '../../shared/settings';
import type { ConnectionInfo, Credentials } from '../storage';
import { OzekiConnector } from './connectors/ozeki';
import type { ConnectorEvents } from './connectors/types';

/** Why the Ozeki connector cannot start with these settings, or null. */
export async function ozekiRefusal(settings: Settings): Promise<Omit<ConnectionInfo, 'since'> | null> {
  const { apiUrl } = settings.ozeki;
  // No address means "do not connect", never a built-in one (docs/security.md).
  if (!apiUrl) return { state: 'DISCONNECTED', detail: 'no Ozeki API address is set: open the PopLine options' };
  const problem = apiUrlProblem(apiUrl, settings.connection.allowInsecure);
  if (problem) return { state: 'CONNECTION_FAILED', detail: `Ozeki API address: ${problem}` };
  const origin = apiOriginPattern(apiUrl);
  const allowed = origin ? await browser.permissions.contains({ origins: [origin] }).catch(() => false) : false;
  if (!allowed) {
    return {
      state: 'CONNECTION_FAILED',
      detail: `PopLine may not reach ${new URL(apiUrl).origin} yet: allow it in the PopLine options`,
    };
  }
  return null;
}

export function createOzekiConnector(settings: Settings, credentials: Credentials, events: ConnectorEvents) {
  const { extension } = settings.connection;
  const rules = { extension, extraNumbers: settings.follow.extraNumbers, monitorAll: settings.follow.monitorAll };
  return new OzekiConnector(
    {
      ...settings.ozeki,
      extension,
      username: credentials.ozekiUsername,
      password: credentials.ozekiPassword,
      follows: (session) => isFollowed(session, rules),
      // Polling is fetch() on a timer, which is no extension event: an API call now and then
      // tells Chrome the worker is busy, so it is not stopped after 30 s.
      keepAlive: () => void browser.runtime.getPlatformInfo().catch(() => undefined),
    },
    events,
  );
}
