/**
 * The one entry for messages from content scripts and extension pages. A message is handled
 * only if it is ours (envelope marker and known name), its sender may use it, and its body
 * passes the message's validator. Anything else is dropped with a warning.
 */
import browser, { type Runtime } from 'webextension-polyfill';
import { check } from '../../shared/guard';
import { log } from '../../shared/log';
import { type Context, envelopeGuard, type Handlers, MESSAGES, type MessageName } from '../../shared/messages';

/** Classifies the sender, or returns null for anything that is not our own code. */
export function senderKind(sender: Runtime.MessageSender, ownId: string, ownOrigin: string): Context | null {
  if (sender.id !== ownId) return null;
  const url = sender.url ?? '';
  if (url.startsWith(ownOrigin)) return { kind: 'page', url };
  if (sender.tab?.id === undefined || sender.frameId !== 0) return null;
  return { kind: 'content', tabId: sender.tab.id, url };
}

export function createRouter(handlers: Handlers) {
  const ownOrigin = browser.runtime.getURL('');
  return (message: unknown, sender: Runtime.MessageSender): Promise<unknown> | undefined => {
    const envelope = check(envelopeGuard, message);
    if (!envelope.ok) return undefined;
    const name = envelope.value.type as MessageName;
    const spec = Object.hasOwn(MESSAGES, name) ? MESSAGES[name] : undefined;
    const context = senderKind(sender, browser.runtime.id, ownOrigin);
    if (!spec || !context || !spec.from.includes(context.kind)) {
      log.warn(`refused message ${name.slice(0, 64)} from ${context?.kind ?? 'an unknown sender'}`);
      return undefined;
    }
    const body = check(spec.req as (v: unknown) => unknown, envelope.value.body);
    if (!body.ok) {
      log.warn(`refused malformed ${name}: ${body.error}`);
      return Promise.reject(new Error(`invalid ${name}: ${body.error}`));
    }
    const handler = handlers[name] as (body: unknown, context: Context) => Promise<unknown>;
    return handler(body.value, context);
  };
}
