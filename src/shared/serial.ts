/**
 * Runs tasks one at a time, in the order given: the read-change-write of a stored value must not
 * interleave with another. A failed task rejects its own caller only; the next still runs.
 */
export type Serial = <T>(task: () => T | Promise<T>) => Promise<T>;

export function serialQueue(onError?: (error: unknown) => void): Serial {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(task: () => T | Promise<T>) => {
    const run = tail.then(task);
    tail = run.catch((error) => onError?.(error));
    return run;
  };
}
