/**
 * Owns the connector: opens it with the current settings and token, reports its state,
 * reconnects with exponential backoff and full jitter (first retry within 1 s, cap 30 s),
 * at once when the browser is back online, and not at all after ACCESS_DENIED.
 */
import browser from 'webextension-polyfill';
import { log } from '../shared/log';
import type { ActionResult } from '../shared/messages';
import { serverUrlProblem } from '../shared/protocol';
import { updateBadge } from './badge';
import { onCallEvent } from './calls';
import { getSettings } from './config';
import { CtiConnector } from './connectors/cti';
import type { Connector, ConnectorStatus } from './connectors/types';
import { mutate } from './state';
import { type ConnectionInfo, credentialsStore } from './storage';
import { pushToTabs } from './tabs';

const BACKOFF_FIRST_MS = 1000;
const BACKOFF_CAP_MS = 30_000;

let connector: Connector | undefined;
let retryTimer: ReturnType<typeof setTimeout> | undefined;
let attempt = 0;
/** Why we are not retrying (access denied, no token, bad address), until settings change. */
let parked = false;

/** Full jitter: a random delay between 0 and the exponential bound. */
export const backoffDelay = (n: number, random = Math.random) =>
  Math.floor(random() * Math.min(BACKOFF_CAP_MS, BACKOFF_FIRST_MS * 2 ** n));

function setConnection(info: Omit<ConnectionInfo, 'since'>): Promise<void> {
  return mutate(async (state) => {
    const previous = state.connection;
    const controlChanged = previous.permissions?.control !== info.permissions?.control;
    if (previous.state !== info.state || previous.detail !== info.detail) {
      log.info(`connection: ${info.state}${info.detail ? ` (${info.detail})` : ''}`);
    }
    state.connection = { ...info, since: previous.state === info.state ? previous.since : Date.now() };
    updateBadge(state);
    if (controlChanged || previous.state !== info.state) await pushToTabs(state);
  });
}

export const currentConnector = () => connector;

/** (Re)connects with the stored settings; `force` also retries after access was denied. */
export async function connect({ force = false } = {}): Promise<void> {
  if (parked && !force) return;
  disconnect();
  parked = false;
  const settings = await getSettings();
  const { token } = await credentialsStore.load();
  const { serverUrl, extension, allowInsecure } = settings.connection;
  if (!token) {
    parked = true;
    return setConnection({ state: 'DISCONNECTED', detail: 'no token is set: open the PopLine options' });
  }
  const problem = serverUrlProblem(serverUrl, allowInsecure);
  if (problem) {
    parked = true;
    return setConnection({ state: 'CONNECTION_FAILED', detail: `server address: ${problem}` });
  }
  let granted = false;
  const instance: Connector = new CtiConnector(
    { url: serverUrl, token, extension, clientVersion: browser.runtime.getManifest().version },
    {
      status: (status: ConnectorStatus) => {
        if (connector !== instance) return;
        if (status.state === 'ACCESS_GRANTED') {
          granted = true;
          attempt = 0;
        }
        void setConnection(status);
      },
      call: (event) => {
        if (connector === instance) void onCallEvent(event).catch((error) => log.error('call event', error));
      },
      closed: ({ retry, detail }) => {
        if (connector !== instance) return;
        connector = undefined;
        if (!retry) {
          parked = true;
          void setConnection({ state: 'ACCESS_DENIED', detail });
          return;
        }
        void setConnection({ state: granted ? 'CONNECTION_CLOSED' : 'CONNECTION_FAILED', detail });
        scheduleRetry();
      },
    },
  );
  connector = instance;
  instance.open();
}

function scheduleRetry(): void {
  clearTimeout(retryTimer);
  const delay = backoffDelay(attempt);
  attempt += 1;
  retryTimer = setTimeout(() => {
    retryTimer = undefined;
    void connect();
  }, delay);
}

export function disconnect(): void {
  clearTimeout(retryTimer);
  retryTimer = undefined;
  const old = connector;
  connector = undefined;
  old?.close();
}

/** Called by the watchdog alarm and on start-up: connects unless connected, trying or parked. */
export function ensureConnected(): Promise<void> {
  if (connector || retryTimer || parked) return Promise.resolve();
  return connect();
}

/** The browser is back online: skip the backoff wait. */
export function onOnline(): void {
  if (retryTimer) {
    attempt = 0;
    void connect();
  }
}

export async function dial(number: string): Promise<ActionResult> {
  if (!connector) return { ok: false, code: 'NOT_CONNECTED', message: 'not connected to the phone system' };
  return connector.createCall(number);
}
