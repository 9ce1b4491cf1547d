/**
 * A source that holds one connection to its PBX (a polling loop, an ARI WebSocket) must run on one
 * node of the cluster at a time. Every node that has it configured competes for a lease in Redis
 * (SET NX PX); the holder renews it every third of its time and the others try again as often, with
 * jitter. A holder that cannot renew stops its source before the lease can expire, so two nodes
 * never run it together; a holder that dies simply stops renewing, and another node takes the lease
 * once it expires, starts the source and reconciles against the PBX's list of active calls.
 */
import type { Redis } from 'ioredis';
import type { SourceLog } from '../sources/types';
import { RELEASE, RENEW } from './scripts';

export interface LeaseEvents {
  /** This node holds the lease: start the source (and reconcile). */
  acquired(): Promise<void> | void;
  /** It does not any more: stop the source. */
  lost(reason: string): Promise<void> | void;
}

type Scripted = Redis & {
  poplineRenew(key: string, node: string, ms: number): Promise<number>;
  poplineRelease(key: string, node: string): Promise<number>;
};

export function defineLeaseScripts(redis: Redis): void {
  redis.defineCommand('poplineRenew', { numberOfKeys: 1, lua: RENEW });
  redis.defineCommand('poplineRelease', { numberOfKeys: 1, lua: RELEASE });
}

export class Lease {
  held = false;
  private renewedAt = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;
  private busy: Promise<void> = Promise.resolve();
  private readonly redis: Scripted;

  constructor(
    redis: Redis,
    readonly key: string,
    private readonly node: string,
    private readonly ms: number,
    private readonly events: LeaseEvents,
    private readonly log: SourceLog,
  ) {
    this.redis = redis as Scripted;
  }

  start(): void {
    this.stopped = false;
    this.next(0);
  }

  private next(delay = (this.ms / 3) * (0.8 + Math.random() * 0.4)): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.busy = this.tick().finally(() => this.next());
    }, delay);
    this.timer.unref?.();
  }

  private async tick(): Promise<void> {
    const started = Date.now();
    try {
      if (this.held) {
        if ((await this.redis.poplineRenew(this.key, this.node, this.ms)) === 1) this.renewedAt = started;
        else await this.lose('another node holds the lease');
      } else if ((await this.redis.set(this.key, this.node, 'PX', this.ms, 'NX')) === 'OK') {
        this.held = true;
        this.renewedAt = started;
        this.log.info('lease taken: this node runs the source', { lease: this.key, node: this.node });
        await this.events.acquired();
      }
    } catch (error) {
      // Redis unreachable: stop before the lease can expire and another node start the source.
      if (this.held && Date.now() - this.renewedAt > this.ms * 0.7) await this.lose(`cannot renew: ${String(error)}`);
    }
  }

  private async lose(reason: string): Promise<void> {
    if (!this.held) return;
    this.held = false;
    this.log.warn('lease lost: the source stops on this node', { lease: this.key, reason });
    await this.events.lost(reason);
  }

  /** Stops competing; gives the lease up (so another node takes it at once) when this node holds it. */
  async release(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.busy.catch(() => undefined);
    if (!this.held) return;
    await this.lose('released');
    try {
      await this.redis.poplineRelease(this.key, this.node);
    } catch {
      // Unreachable: it expires by itself.
    }
  }

  /** Test hook: this node dies; the lease is neither renewed nor given up. */
  abandon(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }
}
