/**
 * Background traffic: calls between other extensions, so tests prove the extension shows
 * only the agent's own calls, and benchmarks measure with a busy PBX.
 */
import type { Pbx } from './pbx';

export interface TrafficOptions {
  /** How many calls to keep active at once. */
  calls: number;
  /** Extensions the traffic uses (never the agent's). */
  extensions?: string[];
  /** How long each call lasts before it is replaced. */
  holdMs?: number;
}

export class Traffic {
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly active: string[] = [];
  private counter = 0;

  constructor(private readonly pbx: Pbx) {}

  start({ calls, extensions, holdMs = 20_000 }: TrafficOptions): void {
    this.stop();
    const pool = extensions ?? Array.from({ length: 50 }, (_, i) => String(2000 + i));
    const add = () => {
      this.counter += 1;
      const from = pool[this.counter % pool.length] as string;
      const to = `+1555${String(1_000_000 + ((this.counter * 7919) % 9_000_000)).slice(0, 7)}`;
      const call = this.pbx.ring({ from, to, direction: 'Outbound', calleeName: `Customer ${this.counter}` });
      this.pbx.answer(call.sessionId);
      this.active.push(call.sessionId);
    };
    for (let i = 0; i < calls; i++) add();
    const perTick = Math.max(1, Math.round(calls / (holdMs / 1000)));
    this.timer = setInterval(() => {
      for (let i = 0; i < perTick && this.active.length; i++) {
        const id = this.active.shift() as string;
        if (this.pbx.calls.has(id)) this.pbx.hangup(id);
        add();
      }
    }, 1000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    for (const id of this.active.splice(0)) if (this.pbx.calls.has(id)) this.pbx.hangup(id);
  }

  get count(): number {
    return this.active.length;
  }
}
