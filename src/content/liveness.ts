/**
 * Keeps a port open to the background. A stopped service worker breaks it; reconnecting wakes
 * the worker at once, which reconnects to the PBX and re-syncs this tab. Backs off if the
 * worker keeps going away.
 */
import browser from 'webextension-polyfill';
import { LIVENESS_PORT } from '../shared/messages';
import { isContextInvalidated } from '../shared/messenger';

export function keepWorkerAwake(signal: AbortSignal, onReconnect: () => void): void {
  let failures = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const open = () => {
    if (signal.aborted) return;
    let port: ReturnType<typeof browser.runtime.connect>;
    try {
      port = browser.runtime.connect({ name: LIVENESS_PORT });
    } catch (error) {
      if (!isContextInvalidated(error)) schedule();
      return;
    }
    const openedAt = Date.now();
    port.onDisconnect.addListener(() => {
      if (signal.aborted) return;
      failures = Date.now() - openedAt < 5000 ? failures + 1 : 0;
      schedule();
    });
    signal.addEventListener('abort', () => port.disconnect(), { once: true });
    if (failures || openedAt > started) onReconnect();
  };
  const schedule = () => {
    clearTimeout(timer);
    timer = setTimeout(open, Math.min(30_000, failures ? 250 * 2 ** failures : 20));
  };
  const started = Date.now();
  signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
  open();
}
