/**
 * Connection attempts counted where they land: every WebSocket upgrade a CTI hub is asked for
 * (before any handshake, accepted or refused). A "does not retry" check counts these, not the
 * sockets that happen to be open at two instants.
 */
import type { CtiHub } from '../../bridge/src/server/hub';

export interface UpgradeCounter {
  readonly count: number;
  /** Puts the hub's own handler back. */
  stop(): void;
}

export function countUpgrades(hub: CtiHub): UpgradeCounter {
  const original = hub.handleUpgrade;
  let count = 0;
  hub.handleUpgrade = function (this: CtiHub, ...args: Parameters<CtiHub['handleUpgrade']>) {
    count += 1;
    return original.apply(this, args);
  };
  return {
    get count() {
      return count;
    },
    stop() {
      hub.handleUpgrade = original;
    },
  };
}
