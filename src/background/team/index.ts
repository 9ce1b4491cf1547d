/**
 * The team (issue 16): the directory and presence from the server, the agent's own availability
 * (with its expiry on an alarm, so a stopped worker still ends it), and Do Not Disturb keeping new
 * calls quiet: no card, no notification (the PBX may still ring the phone; the popup says so).
 * Hidden entirely unless the server announced `features.presence`.
 */
import browser from 'webextension-polyfill';
import type { Call } from '../../shared/calls';
import { log } from '../../shared/log';
import { type ActionResult, failure, notConnected } from '../../shared/outcome';
import type { ClientState } from '../../shared/protocol';
import { availabilityRequest, type ExpiryChoice } from '../../shared/team/availability';
import { effectiveAvailability } from '../../shared/team/presence';
import { updateBadge } from '../pbx/badge';
import { currentConnector } from '../pbx/connection';
import type { TeamFrame } from '../pbx/connectors/types';
import type { RuntimeState } from '../storage';
import { mutate, readState } from '../storage/state';
import { onMessageReceived, onMessageStatus } from './chat';
import { inDnd, ownExtension, presenceOn } from './self';
import { addDirectoryPage, loadDirectory, nudgeWatchers, setPresence, setUser, watchTeam } from './store';

export const AVAILABILITY_ALARM = 'popline-availability-expiry';

/** An open popup's port (index.ts checks it is our popup): told when the team changed, so it asks at once. */
export function watchFromPopup(port: {
  postMessage(m: unknown): void;
  onDisconnect: { addListener(f: () => void): void };
}) {
  const stop = watchTeam(() => {
    try {
      port.postMessage('changed');
    } catch {
      stop();
    }
  });
  port.onDisconnect.addListener(() => stop());
}
const MAX_QUIET = 200;

/** Presence and chat frames, as the connector hands them over. */
export async function onTeamFrame(frame: TeamFrame): Promise<void> {
  switch (frame.op) {
    case 'directory': {
      const directory = await loadDirectory();
      if (addDirectoryPage(directory, frame)) {
        const me = await ownExtension();
        const self = directory.presence.get(me);
        if (self) await setSelf(self);
      }
      return;
    }
    case 'userInfoReceived': {
      setUser(await loadDirectory(), frame.user);
      if (frame.user.state && frame.user.extension === (await ownExtension()))
        await setSelf({ ...frame.user.state, phoneNumber: frame.user.extension });
      return;
    }
    case 'clientStateChanged': {
      const { op: _op, ...state } = frame;
      setPresence(await loadDirectory(), state);
      if (state.phoneNumber === (await ownExtension())) await setSelf(state);
      return;
    }
    case 'messageReceived':
      return onMessageReceived(frame);
    case 'messageStatus':
      return onMessageStatus(frame);
  }
}

/** The agent's own presence changed (as the server says): the badge, and the expiry alarm. */
async function setSelf(self: ClientState): Promise<void> {
  await mutate((state) => {
    state.team = { ...state.team, self };
    updateBadge(state);
  });
  nudgeWatchers();
  await browser.alarms.clear(AVAILABILITY_ALARM);
  const until = self.until ? Date.parse(self.until) : Number.NaN;
  if (self.availability !== 'available' && Number.isFinite(until))
    await browser.alarms.create(AVAILABILITY_ALARM, { when: Math.max(Date.now() + 500, until) });
}

/**
 * The expiry alarm: the agent is available again (the server resets it too; saying so here
 * keeps the badge and the cards right even while the connection is down).
 */
export async function onAvailabilityExpired(): Promise<void> {
  const state = await readState();
  const self = state.team.self;
  if (!self || self.availability === 'available') return;
  if (effectiveAvailability(self, Date.now() + 1000) !== 'available') return;
  const { note: _note, until: _until, ...rest } = self;
  await setSelf({ ...rest, availability: 'available' });
  const connector = currentConnector();
  if (connector?.teamCommand && presenceOn(state))
    void connector.teamCommand({ op: 'setAvailability', availability: 'available' }).catch(() => undefined);
}

/** The popup's availability choice. The server answers, then tells everyone (the agent too). */
export async function setAvailability(request: {
  availability: ClientState['availability'];
  expiry: ExpiryChoice;
  note?: string;
}): Promise<ActionResult> {
  const state = await readState();
  const connector = currentConnector();
  if (!connector || state.connection.state !== 'ACCESS_GRANTED') return notConnected();
  if (!presenceOn(state) || !connector.teamCommand) return failure('unsupported', 'the server offers no presence');
  const frame = availabilityRequest(request.availability, request.expiry, request.note ?? '', Date.now());
  const result = await connector.teamCommand({ op: 'setAvailability', ...frame });
  if (!result.ok) return result;
  // Shown at once; the server's clientStateChanged follows with the same.
  const me = await ownExtension(state);
  const base: ClientState = state.team.self ?? {
    phoneNumber: me,
    status: 'ONLINE',
    phone: 'idle',
    availability: 'available',
  };
  const { note: _n, until: _u, ...rest } = base;
  await setSelf({ ...rest, ...frame, phoneNumber: me });
  return { ok: true };
}

/**
 * Called with the calls an event changed, before the tabs are told: inbound calls that are new
 * while the agent is in Do Not Disturb are kept quiet. Must run inside `mutate`.
 */
export function quietNewCalls(state: RuntimeState, known: ReadonlySet<string>, changed: readonly Call[]): void {
  const now = Date.now();
  const fresh = changed.filter((call) => !known.has(call.sessionId) && call.direction !== 'outbound');
  const inBook = (id: string) => Object.hasOwn(state.book.calls, id);
  const kept = state.team.quiet.filter(inBook);
  const added = inDnd(state, now) ? fresh.map((call) => call.sessionId) : [];
  if (!added.length && kept.length === state.team.quiet.length) return;
  if (added.length) log.info(`do not disturb: ${added.length} new call(s) kept quiet`);
  state.team = { ...state.team, quiet: [...kept, ...added].slice(-MAX_QUIET) };
}
