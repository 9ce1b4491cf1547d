/**
 * Slows down repeated failed handshakes (or enrolment attempts) from one address: each failure
 * within the window doubles the wait before the next attempt is even looked at, up to a cap. The
 * first failure costs nothing (a typo), a success forgets the address. Memory is bounded: old
 * entries expire, and past MAX_ADDRESSES the least recently failed are forgotten first.
 */
const MAX_ADDRESSES = 10_000;

interface Entry {
  failures: number;
  last: number;
}

export class FailureThrottle {
  private readonly baseMs: number;
  private readonly maxMs: number;
  private readonly windowMs: number;
  private readonly now: () => number;
  private readonly entries = new Map<string, Entry>();

  constructor(o: { baseMs?: number; maxMs?: number; windowMs?: number; now?: () => number } = {}) {
    this.baseMs = o.baseMs ?? 250;
    this.maxMs = o.maxMs ?? 10_000;
    this.windowMs = o.windowMs ?? 60_000;
    this.now = o.now ?? Date.now;
  }

  /** How long to wait before handling the next attempt from this address. */
  delayMs(address: string): number {
    const entry = this.current(address);
    if (!entry || entry.failures < 2) return 0;
    return Math.min(this.maxMs, this.baseMs * 2 ** (entry.failures - 2));
  }

  failed(address: string): void {
    const entry = this.current(address) ?? { failures: 0, last: 0 };
    entry.failures += 1;
    entry.last = this.now();
    // Re-insert so that Map order is least recently failed first.
    this.entries.delete(address);
    this.entries.set(address, entry);
    this.trim();
  }

  succeeded(address: string): void {
    this.entries.delete(address);
  }

  /** Number of addresses remembered (for tests and metrics). */
  get size(): number {
    return this.entries.size;
  }

  private current(address: string): Entry | undefined {
    const entry = this.entries.get(address);
    if (entry && this.now() - entry.last > this.windowMs) {
      this.entries.delete(address);
      return undefined;
    }
    return entry;
  }

  private trim(): void {
    const cutoff = this.now() - this.windowMs;
    for (const [address, entry] of this.entries) {
      if (this.entries.size <= MAX_ADDRESSES && entry.last >= cutoff) break;
      this.entries.delete(address);
    }
  }
}
