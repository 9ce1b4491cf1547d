/**
 * The one listener for messages from the background (shared/pushes.ts): only our own background
 * may send them (not a page, not another extension, not another tab's content script), each is
 * validated on arrival and handed to its receiver. A receiver that returns undefined leaves the
 * message unanswered, as when this tab is not (or no longer) a CRM tab.
 */
import { check } from '../shared/guard';
import { PUSHES, type PushName, type PushReq, type PushRes, pushEnvelopeGuard } from '../shared/pushes';
import { type MessageListener, webext } from '../webext';

export type Receivers = { [K in PushName]: (body: PushReq<K>) => Promise<PushRes<K>> | undefined };

/**
 * What a receiver that failed answers: the form webextension-polyfill, which the background uses,
 * turns into a rejected sendMessage in Chrome (in Firefox the background finds an answer of the
 * wrong shape, and sendToTab throws all the same).
 */
export const failedAnswer = (error: unknown) => ({
  __mozWebExtensionPolyfillReject__: true,
  message: String((error as Error)?.message ?? error),
});

export function receivePushes(receivers: Receivers, signal?: AbortSignal): void {
  const api = webext();
  const onMessage: MessageListener = (message, sender, sendResponse) => {
    if (sender.id !== api.runtime.id || sender.tab) return undefined;
    const envelope = check(pushEnvelopeGuard, message);
    if (!envelope.ok) return undefined;
    const name = envelope.value.push;
    const body = check(PUSHES[name].req as (value: unknown) => PushReq<typeof name>, envelope.value.body);
    if (!body.ok) {
      console.warn(`PopLine: refused a malformed ${name} from the background: ${body.error}`);
      return undefined;
    }
    const answer = (receivers[name] as (body: unknown) => Promise<unknown> | undefined)(body.value);
    if (!answer) return undefined;
    // Chrome takes no promise from a listener: answer through sendResponse, and say one is coming.
    answer.then(sendResponse, (error: unknown) => sendResponse(failedAnswer(error)));
    return true;
  };
  api.runtime.onMessage.addListener(onMessage);
  signal?.addEventListener('abort', () => api.runtime.onMessage.removeListener(onMessage), { once: true });
}
