/**
 * The dialing state that must survive a stopped worker, in storage.session under `dialing`:
 * when recent dials happened (for the burst confirmation), the last gesture used per tab (each
 * gesture dials once), and pending confirmations. Changed one at a time through `updateDialing`.
 */
import type { ConfirmReason } from '../../shared/dial/policy';
import type { DialTarget } from '../../shared/dial/target';
import { isRecord } from '../../shared/guard';
import { sessionValue } from '../storage';

/** A dial waiting for the agent's "yes". Bound to the tab that asked, or to a notification. */
export interface Ticket {
  target: DialTarget;
  /** The tab the dial came from (its outcome is shown there); -1 for none. */
  tabId: number;
  /** Why it asks, for the confirmation window. */
  reasons?: ConfirmReason[];
  expires: number;
}

export interface DialingState {
  /** Times of dials placed, oldest first (only the last minute is kept). */
  log: number[];
  /** Per tab: the time of the last gesture that was accepted. */
  gestures: Record<string, number>;
  tickets: Record<string, Ticket>;
}

const KEY = 'dialing';
const MAX_TICKETS = 20;

const empty = (): DialingState => ({ log: [], gestures: {}, tickets: {} });

function parse(stored: unknown): DialingState {
  if (!isRecord(stored)) return empty();
  return {
    log: Array.isArray(stored.log) ? stored.log.filter((t): t is number => typeof t === 'number') : [],
    gestures: isRecord(stored.gestures) ? (stored.gestures as Record<string, number>) : {},
    tickets: isRecord(stored.tickets) ? (stored.tickets as Record<string, Ticket>) : {},
  };
}

/** Expired tickets go, and only the newest MAX_TICKETS stay. */
function prune(state: DialingState): DialingState {
  const now = Date.now();
  for (const [id, ticket] of Object.entries(state.tickets)) if (ticket.expires <= now) delete state.tickets[id];
  const ids = Object.keys(state.tickets);
  for (const id of ids.slice(0, Math.max(0, ids.length - MAX_TICKETS))) delete state.tickets[id];
  return state;
}

const dialing = sessionValue(KEY, parse);

/** Runs `change` on the current state and saves it; changes run one after another. */
export const updateDialing = <T>(change: (state: DialingState) => T): Promise<T> => dialing.update(change, prune);

/** A tab went away: its gesture record goes with it. */
export const forgetDialTab = (tabId: number) =>
  updateDialing((state) => {
    delete state.gestures[tabId];
  });
