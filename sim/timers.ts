/** Delayed steps of the simulated PBX, all cancelled when the simulator closes. */
export class Timers {
  private readonly pending = new Set<ReturnType<typeof setTimeout>>();

  /** Runs `run` after `ms`; a step whose call has ended meanwhile is dropped quietly. */
  later(ms: number, run: () => void): void {
    const timer = setTimeout(() => {
      this.pending.delete(timer);
      try {
        run();
      } catch {
        // The call may have ended meanwhile.
      }
    }, ms);
    this.pending.add(timer);
  }

  clear(): void {
    for (const timer of this.pending) clearTimeout(timer);
    this.pending.clear();
  }
}
