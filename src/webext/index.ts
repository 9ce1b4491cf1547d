/**
 * The browser's own extension API, typed, for the code that does without webextension-polyfill:
 * the content script (in every CRM tab, so its size counts) and `i18n/`
 * (every context). Firefox's `browser` and MV3 Chrome's `chrome` both return promises from
 * `runtime.sendMessage`; only what these callers use is declared here.
 *
 * A page cannot make us use its own object: `globalThis.browser` may be one of the page's
 * elements (an element with id="browser" is a named property of the window), but no element has
 * a `runtime.sendMessage` function, so then `chrome` (the window's own property, which no named
 * element shadows) is used.
 */

export interface Listeners<F> {
  addListener(listener: F): void;
  removeListener(listener: F): void;
}

export interface Port {
  readonly name: string;
  readonly onMessage: Listeners<(message: unknown) => void>;
  readonly onDisconnect: Listeners<() => void>;
  disconnect(): void;
  postMessage(message: unknown): void;
}

/** A message's sender, as the browser tells it. */
export interface Sender {
  id?: string;
  tab?: unknown;
}

/**
 * A runtime.onMessage listener as both browsers take it: answer with sendResponse and return
 * true to keep the channel open until then; return undefined to leave the message unanswered.
 * (A listener returning a promise is a Firefox and webextension-polyfill feature, not Chrome's.)
 */
export type MessageListener = (
  message: unknown,
  sender: Sender,
  sendResponse: (answer: unknown) => void,
) => true | undefined;

export interface WebExtApi {
  runtime: {
    readonly id: string;
    sendMessage(message: unknown): Promise<unknown>;
    readonly onMessage: Listeners<MessageListener>;
    connect(info: { name: string }): Port;
    getURL(path: string): string;
  };
  i18n: {
    getMessage(key: string, substitutions?: string | string[]): string;
    getUILanguage(): string;
  };
}

type Scope = { browser?: { runtime?: { sendMessage?: unknown } }; chrome?: unknown };

/** Firefox's `browser` when it is really there, else `chrome`; looked up at each use (tests swap it). */
export function webext(): WebExtApi {
  const scope = globalThis as Scope;
  if (typeof scope.browser?.runtime?.sendMessage === 'function') return scope.browser as unknown as WebExtApi;
  return scope.chrome as WebExtApi;
}
