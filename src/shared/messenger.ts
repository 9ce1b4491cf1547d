/**
 * The calling side of the message API: a typed `send(name, body)`. The browser's sendMessage
 * is passed in, so this file stays free of browser APIs. While the service worker is waking
 * up, a send can fail with "Receiving end does not exist": it is retried with backoff.
 */
import type { Envelope, MessageName, Req, Res } from './messages';

export type RawSend = (message: unknown) => Promise<unknown>;

const WAKING = /receiving end does not exist|could not establish connection/i;

export function createMessenger(rawSend: RawSend, { attempts = 5, delayMs = 100 } = {}) {
  return async function send<K extends MessageName>(type: K, body: Req<K>): Promise<Res<K>> {
    const envelope: Envelope<K> = { popline: 1, type, body };
    for (let attempt = 1; ; attempt++) {
      try {
        return (await rawSend(envelope)) as Res<K>;
      } catch (error) {
        if (attempt >= attempts || !WAKING.test(String((error as Error)?.message ?? error))) throw error;
        await new Promise((resolve) => setTimeout(resolve, delayMs * 2 ** (attempt - 1)));
      }
    }
  };
}

/** True when the extension was reloaded or removed under a running content script. */
export const isContextInvalidated = (error: unknown) =>
  /extension context invalidated|context invalidated/i.test(String((error as Error)?.message ?? error));
