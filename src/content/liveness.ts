/**
 * Keeps a port open to the background. A stopped service worker breaks it; reconnecting wakes
 * the worker at once, which reconnects to the PBX and re-syncs this tab. A port the background
 * never accepted (no "ok") means something refuses us: then back off, so we never spin.
 */
import { isContextInvalidated } from '../shared/messenger';
import { LIVENESS_PORT } from '../shared/ports';
import { type Port, webext } from '../webext';

/** A moment for a stopping worker to finish going, so we wake a new one rather than it. */
const RECONNECT_MS = 30;

export function keepWorkerAwake(signal: AbortSignal, onReconnect: () => void): void {
  let refusals = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let first = true;
  const open = () => {
    if (signal.aborted) return;
    let port: Port;
    try {
      port = webext().runtime.connect({ name: LIVENESS_PORT });
    } catch (error) {
      if (!isContextInvalidated(error)) schedule();
      return;
    }
    let accepted = false;
    port.onMessage.addListener(() => {
      accepted = true;
      refusals = 0;
    });
    port.onDisconnect.addListener(() => {
      if (signal.aborted) return;
      if (!accepted) refusals += 1;
      schedule();
    });
    signal.addEventListener('abort', () => port.disconnect(), { once: true });
    if (!first) onReconnect();
    first = false;
  };
  const schedule = () => {
    clearTimeout(timer);
    timer = setTimeout(open, refusals ? Math.min(30_000, 100 * 2 ** refusals) : RECONNECT_MS);
  };
  signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
  open();
}
