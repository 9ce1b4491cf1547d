/**
 * Owns the connector: opens it with the current settings and token, reports its state,
 * reconnects with exponential backoff and full jitter (first retry within 1 s, cap 30 s),
 * at once when the browser is back online, and not at all after ACCESS_DENIED.
 */
import browser from 'webextension-polyfill';
import { t } from '../../i18n';
import type { CallEvent } from '../../shared/calls';
import { log } from '../../shared/log';
import { type ActionResult, notConnected } from '../../shared/outcome';
import { backoffDelay, GRANTED_MAX_ATTEMPT } from '../../shared/pbx/backoff';
import { parseParked, refusalFingerprint, STABLE_AFTER_MS } from '../../shared/pbx/parked';
import { serverUrlProblem } from '../../shared/protocol';
import { notifyAccess } from '../notify';
import { getSettings } from '../settings';
import { type ConnectionInfo, credentialsStore, sessionValue } from '../storage';
import { mutate, readState } from '../storage/state';
import { pushToTabs } from '../tabs';
import { updateBadge } from './badge';
import { CtiConnector } from './connectors/cti';
import type { Connector, ConnectorEvents, ConnectorStatus, TeamFrame } from './connectors/types';
import { createOzekiConnector, ozekiRefusal } from './ozeki';

/** Where the connector's call events go; index.ts wires it to the calls at start-up, before any connect. */
let onCallEvent: (event: CallEvent) => Promise<void> = async () => {
  throw new Error('no call event handler: index.ts must wire the connection to the calls');
};
export const handleCallEvents = (handler: typeof onCallEvent): void => {
  onCallEvent = handler;
};

/** Where presence and chat frames go; index.ts wires it to background/team. */
let onTeamFrame: (frame: TeamFrame) => Promise<void> = async () => undefined;
export const handleTeamFrames = (handler: typeof onTeamFrame): void => {
  onTeamFrame = handler;
};

let connector: Connector | undefined;
let retryTimer: ReturnType<typeof setTimeout> | undefined;
let attempt = 0;
/** Why we are not retrying (access denied, no token, bad address), until settings change. */
let parked = false;
/** Counts connect() calls: when two overlap (a settings change during start-up), the last one wins. */
let generation = 0;
/** Resets the backoff once a connection has stayed up STABLE_AFTER_MS (not at every grant). */
let stableTimer: ReturnType<typeof setTimeout> | undefined;
/** A connection closed sooner than this after its grant counts as failing, not as dropped. */
const BRIEF_GRANT_MS = 2000;

/**
 * The refusal, in storage.session, so a stopped worker does not try the same refused
 * credentials again (an account lock-out on the PBX). Only a fingerprint, never the secret.
 */
const parkedStore = sessionValue('parked', parseParked);

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
  const mine = ++generation;
  const settings = await getSettings();
  // Only credentials entered for this settings' servers (docs/security.md): never sent elsewhere.
  const credentials = await credentialsStore.load(settings);
  const { token } = credentials;
  const { serverUrl, extension, allowInsecure } = settings.connection;
  const ozeki = settings.connection.connector === 'ozeki';
  const refusal = ozeki ? await ozekiRefusal(settings) : null;
  // A newer connect() started while this one waited: leave it to that one (no second connector).
  if (mine !== generation) return;
  if (refusal) {
    parked = true;
    return setConnection(refusal);
  }
  // No (or an invalid) address means "do not connect", never a built-in one (docs/security.md).
  if (!ozeki && !serverUrl) {
    parked = true;
    return setConnection({ state: 'DISCONNECTED', detail: 'no server address is set: open the PopLine options' });
  }
  if (!token && !ozeki) {
    parked = true;
    return setConnection({ state: 'DISCONNECTED', detail: 'no token is set: open the PopLine options' });
  }
  const problem = ozeki ? null : serverUrlProblem(serverUrl, allowInsecure);
  if (problem) {
    parked = true;
    return setConnection({ state: 'CONNECTION_FAILED', detail: `server address: ${problem}` });
  }
  const fingerprint = await refusalFingerprint({
    connector: settings.connection.connector,
    serverUrl,
    extension,
    ozekiApiUrl: settings.ozeki.apiUrl,
    ozekiApiExtension: settings.ozeki.apiExtension,
    token,
    ozekiUsername: credentials.ozekiUsername,
    ozekiPassword: credentials.ozekiPassword,
  });
  const refused = await parkedStore.load();
  if (mine !== generation) return;
  if (refused && !force && refused.fingerprint === fingerprint) {
    parked = true;
    log.info('connection: these credentials were refused before; not trying again until they change');
    return setConnection({ state: 'ACCESS_DENIED', detail: refused.detail });
  }
  if (refused)
    await parkedStore.update(
      () => undefined,
      () => null,
    );
  let granted = false;
  let grantedAt = 0;
  const events: ConnectorEvents = {
    status: (status: ConnectorStatus) => {
      if (connector !== instance) return;
      if (status.state === 'ACCESS_GRANTED') {
        granted = true;
        grantedAt = Date.now();
        clearTimeout(stableTimer);
        stableTimer = setTimeout(() => {
          if (connector === instance) attempt = 0;
        }, STABLE_AFTER_MS);
        void watchTokenExpiry(status.tokenExpiresAt);
      }
      void setConnection(status);
    },
    call: (event) => {
      if (connector === instance) void onCallEvent(event).catch((error) => log.error('call event', error));
    },
    team: (frame) => {
      if (connector === instance) void onTeamFrame(frame).catch((error) => log.error('team frame', error));
    },
    closed: ({ retry, detail }) => {
      if (connector !== instance) return;
      connector = undefined;
      clearTimeout(stableTimer);
      // A connection that was granted and then worked for a moment is an ordinary drop: the first
      // retry comes within 1 s again. One closed right after its grant (a server that grants and
      // throws the agent out, or a flapping network) keeps backing off, but only up to a 4 s bound:
      // the agent was let in, and an agent offline for 30 s misses calls. A lock-out is a refusal
      // (parked, below); connections never granted back off up to 30 s.
      if (granted && Date.now() - grantedAt >= BRIEF_GRANT_MS) attempt = 0;
      else if (granted) attempt = Math.min(attempt, GRANTED_MAX_ATTEMPT);
      if (!retry) {
        parked = true;
        const advice = `${detail}: ${t(ozeki ? 'ozekiDeniedAdvice' : 'accessDeniedAdvice')}`;
        void parkedStore.update(
          () => undefined,
          () => ({ fingerprint, detail: advice, at: Date.now() }),
        );
        void setConnection({ state: 'ACCESS_DENIED', detail: advice });
        notifyAccess(settings, advice);
        return;
      }
      void setConnection({ state: granted ? 'CONNECTION_CLOSED' : 'CONNECTION_FAILED', detail });
      scheduleRetry();
    },
  };
  const instance: Connector = ozeki
    ? createOzekiConnector(settings, credentials, events)
    : new CtiConnector(
        { url: serverUrl, token, extension, clientVersion: browser.runtime.getManifest().version },
        events,
      );
  connector = instance;
  instance.open();
}

export const TOKEN_ALARM = 'popline-token-expiry';
/** How long before a token expires the agent is told. */
const TOKEN_WARNING_MS = 15 * 60_000;

/** Schedules the "token expires soon" warning (an alarm, so a stopped worker still fires it). */
async function watchTokenExpiry(expiresAt: string | undefined): Promise<void> {
  await browser.alarms.clear(TOKEN_ALARM);
  const expiry = expiresAt ? Date.parse(expiresAt) : Number.NaN;
  if (!Number.isFinite(expiry)) return;
  await browser.alarms.create(TOKEN_ALARM, { when: Math.max(Date.now() + 1000, expiry - TOKEN_WARNING_MS) });
}

/** The token-expiry alarm fired: tell the agent, in the popup and as a notification. */
export async function announceTokenExpiry(): Promise<void> {
  const [settings, state] = await Promise.all([getSettings(), readState()]);
  const expiry = Date.parse(state.connection.tokenExpiresAt ?? '');
  if (!Number.isFinite(expiry) || state.connection.state !== 'ACCESS_GRANTED') return;
  const time = new Date(expiry).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  const message = t('tokenExpiresSoon', time);
  notifyAccess(settings, message);
  await setConnection({ ...state.connection, detail: message });
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

/** A permission was granted (the PBX's origin, perhaps): an Ozeki connection waiting for it starts. */
export async function onPermissionsAdded(): Promise<void> {
  if (!parked) return;
  const settings = await getSettings();
  if (settings.connection.connector === 'ozeki') await connect({ force: true });
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
  if (!connector) return notConnected();
  return connector.createCall(number);
}
