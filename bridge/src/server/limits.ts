/** Per-connection budgets: a token bucket for commands and one for protocol strikes. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = burst;
    this.last = now();
  }

  /** Takes one token; false when the bucket is empty. */
  take(): boolean {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

export interface HubLimits {
  frameBytes: number;
  /** A connection whose unsent data passes this is a slow consumer and is cut. */
  maxBufferedBytes: number;
  commandsPerSecond: number;
  commandBurst: number;
}

export const DEFAULT_HUB_LIMITS: HubLimits = {
  frameBytes: 65_536,
  maxBufferedBytes: 4 * 1024 * 1024,
  commandsPerSecond: 20,
  commandBurst: 40,
};

/** Bad frames (or frames over a budget) tolerated in a burst, and how fast that is forgiven, before 4400. */
export const STRIKES = { burst: 20, perSecond: 0.2 } as const;
/** Ops that are not commands (ping, unknown ones) a connection may send per second, in a burst. */
export const OTHER_FRAMES = { burst: 60, perSecond: 10 } as const;
