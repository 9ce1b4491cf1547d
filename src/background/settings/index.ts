/** Settings as this worker life sees them: read once, refreshed when storage changes. */
import type { Settings } from '../../shared/settings';
import { settingsStore } from '../storage';

let current: Promise<Settings> | undefined;

export const getSettings = (): Promise<Settings> => {
  current ??= settingsStore.load().then((loaded) => loaded.settings);
  return current;
};

export const forgetSettings = () => {
  current = undefined;
};
