/**
 * The one listener for messages from the background (shared/pushes.ts): only our own background
 * may send them (not a page, not another extension, not another tab's content script), each is
 * validated on arrival and handed to its receiver. A receiver that returns undefined leaves the
 * message unanswered, as when this tab is not (or no longer) a CRM tab.
 */
import browser from 'webextension-polyfill';
import { check } from '../shared/guard';
import { PUSHES, type PushName, type PushReq, type PushRes, pushEnvelopeGuard } from '../shared/pushes';

export type Receivers = { [K in PushName]: (body: PushReq<K>) => Promise<PushRes<K>> | undefined };

export function receivePushes(receivers: Receivers, signal?: AbortSignal): void {
  const onMessage = (message: unknown, sender: { id?: string; tab?: unknown }) => {
    if (sender.id !== browser.runtime.id || sender.tab) return undefined;
    const envelope = check(pushEnvelopeGuard, message);
    if (!envelope.ok) return undefined;
    const name = envelope.value.push;
    const body = check(PUSHES[name].req as (value: unknown) => PushReq<typeof name>, envelope.value.body);
    if (!body.ok) {
      console.warn(`PopLine: refused a malformed ${name} from the background: ${body.error}`);
      return undefined;
    }
    return (receivers[name] as (body: unknown) => Promise<unknown> | undefined)(body.value);
  };
  browser.runtime.onMessage.addListener(onMessage);
  signal?.addEventListener('abort', () => browser.runtime.onMessage.removeListener(onMessage), { once: true });
}
