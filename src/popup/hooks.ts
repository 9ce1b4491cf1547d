/** The popup's data: the live status (polled while open) and the settings it needs. */
import { useEffect, useState } from 'preact/hooks';
import type { StatusView } from '../shared/messages';
import type { OptionsView } from '../shared/settings/options';
import { send } from '../ui/messenger';

const STATUS_POLL_MS = 1000;

/** The connection and the active calls; `null` until the background answers. */
export function useStatus(): StatusView | null {
  const [status, setStatus] = useState<StatusView | null>(null);
  useEffect(() => {
    let live = true;
    const refresh = () =>
      send('getStatus', {}).then(
        (value) => live && setStatus(value),
        () => undefined,
      );
    void refresh();
    const timer = setInterval(refresh, STATUS_POLL_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, []);
  return status;
}

export function useOptions(): OptionsView | null {
  const [options, setOptions] = useState<OptionsView | null>(null);
  useEffect(() => {
    send('getOptions', {}).then(setOptions, () => undefined);
  }, []);
  return options;
}
