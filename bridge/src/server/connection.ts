/** One agent's WebSocket and what the hub knows about it: who it is, what it may see, its budgets. */
import type { WebSocket } from 'ws';
import type { CtiSession, Permissions } from '../../../src/shared/protocol';
import type { Grant } from '../auth/tokens';
import { numberKey } from '../sources/query';
import { type HubLimits, OTHER_FRAMES, STRIKES, TokenBucket } from './limits';

const NONE: Permissions = { dial: false, control: false, history: false, monitorAll: false };

export class Connection {
  granted = false;
  /** A `connect` is being checked (possibly after a throttle delay). */
  verifying = false;
  /** Counted among its address's unfinished handshakes. */
  pending = false;
  extension = '';
  grant: Grant | undefined;
  /** Kept to re-check revocation and expiry while connected; never logged. */
  token = '';
  permissions: Permissions = NONE;
  /** The numbers whose calls it sees (unless monitorAll), compared by `numberKey`. */
  numbers: string[] = [];
  lastHeard = Date.now();
  handshakeTimer: ReturnType<typeof setTimeout> | undefined;
  readonly commands: TokenBucket;
  readonly otherFrames = new TokenBucket(OTHER_FRAMES.perSecond, OTHER_FRAMES.burst);
  readonly strikes = new TokenBucket(STRIKES.perSecond, STRIKES.burst);

  constructor(
    readonly socket: WebSocket,
    readonly address: string,
    limits: HubLimits,
  ) {
    this.commands = new TokenBucket(limits.commandsPerSecond, limits.commandBurst);
  }

  /** Whether this agent may see (and act on) a call. */
  sees(session: Pick<CtiSession, 'caller' | 'callee'>): boolean {
    if (this.permissions.monitorAll) return true;
    return this.numbers.includes(numberKey(session.caller)) || this.numbers.includes(numberKey(session.callee));
  }
}
