/**
 * The one entry for messages from content scripts and extension pages. A message is handled
 * only if it is ours (envelope marker and known name), its sender may use it, and its body
 * passes the message's validator. Anything else is dropped with a warning.
 */
import browser, { type Runtime } from 'webextension-polyfill';
import { check } from '../../shared/guard';
import { log } from '../../shared/log';
import { type Context, envelopeGuard, type Handlers, MESSAGES, type MessageName } from '../../shared/messages';

/**
 * The card's text entry page inside a CRM tab. Chrome loads it from the session's dynamic
 * extension URL (use_dynamic_url), so its origin is not `runtime.getURL('')`; the browser sets
 * `sender.id` and `sender.url`, which no page can forge.
 */
const ENTRY_FRAME = /^(?:chrome|moz)-extension:\/\/[^/]+\/entry\.html(?:[?#]|$)/;

/** Classifies the sender, or returns null for anything that is not our own code. */
export function senderKind(sender: Runtime.MessageSender, ownId: string, ownOrigin: string): Context | null {
  if (sender.id !== ownId) return null;
  const url = sender.url ?? '';
  const tabId = sender.tab?.id;
  // One of our pages inside a tab's frame: only the entry frame is ever put there, with less trust than a page.
  const inFrame = tabId !== undefined && sender.frameId !== 0;
  if (ENTRY_FRAME.test(url) && inFrame) return { kind: 'frame', tabId, url };
  if (url.startsWith(ownOrigin)) return inFrame ? null : { kind: 'page', url };
  // A content script runs in a web page's top frame: never at one of ours (or any extension's) addresses.
  if (tabId === undefined || sender.frameId !== 0 || /^(?:chrome|moz)-extension:/i.test(url)) return null;
  return { kind: 'content', tabId, url };
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
