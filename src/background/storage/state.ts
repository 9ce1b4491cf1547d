/**
 * The worker's runtime state: loaded from storage.session once per worker life, changed only
 * through `mutate`, which runs changes one at a time and writes back the keys that changed.
 * A worker stopped between two events loses nothing that was applied.
 */
import { serialQueue } from '../../shared/serial';
import { type RuntimeState, runtimeStore } from '.';

let loaded: Promise<RuntimeState> | undefined;
const serial = serialQueue();

export const readState = (): Promise<RuntimeState> => {
  loaded ??= runtimeStore.load();
  return loaded;
};

export function mutate<T>(change: (state: RuntimeState) => T | Promise<T>): Promise<T> {
  return serial(async () => {
    const state = await readState();
    const before = { ...state };
    const result = await change(state);
    const changed: Partial<RuntimeState> = {};
    for (const key of Object.keys(state) as (keyof RuntimeState)[]) {
      if (state[key] !== before[key]) Object.assign(changed, { [key]: state[key] });
    }
    if (Object.keys(changed).length) await runtimeStore.save(changed);
    return result;
  });
}
