/**
 * A stand-in for webextension-polyfill in DOM tests of extension pages: real English strings
 * from _locales, a message router whose handlers each test sets, and permissions it controls.
 * Use: jest.mock('webextension-polyfill', () => require('../support/browserMock').browserModule);
 * Loading it also makes it the global `chrome` that src/webext reads (i18n, the content script).
 */
import en from '../../extension/_locales/en/messages.json';

type Handler = (body: unknown) => unknown;

// jsdom has no structuredClone; the settings code (plain JSON data) needs it.
globalThis.structuredClone ??= <T>(value: T): T => JSON.parse(JSON.stringify(value));

export const mock = {
  handlers: {} as Record<string, Handler>,
  sent: [] as { type: string; body: unknown }[],
  granted: new Set<string>(),
  requested: [] as string[][],
  grantOnRequest: true,
  reset() {
    this.handlers = {};
    this.sent = [];
    this.granted = new Set();
    this.requested = [];
    this.grantOnRequest = true;
  },
};

const messages = en as Record<string, { message: string }>;
const event = () => ({ addListener: jest.fn(), removeListener: jest.fn(), hasListener: jest.fn() });

export const browser = {
  i18n: {
    getMessage: (key: string, subs: string | string[] = []) => {
      const list = Array.isArray(subs) ? subs : [subs];
      return (messages[key]?.message ?? '').replace(/\$(\d)/g, (_, n: string) => list[Number(n) - 1] ?? '');
    },
    getUILanguage: () => 'en-US',
  },
  runtime: {
    id: 'test',
    openOptionsPage: jest.fn(async () => undefined),
    sendMessage: jest.fn(async (envelope: { type: string; body: unknown }) => {
      mock.sent.push({ type: envelope.type, body: envelope.body });
      const handler = mock.handlers[envelope.type];
      if (!handler) throw new Error(`no handler for ${envelope.type}`);
      return handler(envelope.body);
    }),
  },
  storage: {
    onChanged: {
      listeners: new Set<(changes: Record<string, unknown>, area: string) => void>(),
      addListener(listener: (changes: Record<string, unknown>, area: string) => void) {
        this.listeners.add(listener);
      },
      removeListener(listener: (changes: Record<string, unknown>, area: string) => void) {
        this.listeners.delete(listener);
      },
      /** What the browser does when stored values change (tests call it). */
      emit(changes: Record<string, unknown>, area: string) {
        for (const listener of this.listeners) listener(changes, area);
      },
    },
  },
  permissions: {
    request: jest.fn(async ({ origins = [] }: { origins?: string[] }) => {
      mock.requested.push(origins);
      if (mock.grantOnRequest) for (const origin of origins) mock.granted.add(origin);
      return mock.grantOnRequest;
    }),
    contains: jest.fn(async ({ origins = [] }: { origins?: string[] }) => origins.every((o) => mock.granted.has(o))),
    onAdded: event(),
    onRemoved: event(),
  },
};

export const browserModule = { __esModule: true, default: browser };

// What src/webext (i18n, the content script) reads instead of webextension-polyfill: Chrome's `chrome`.
(globalThis as { chrome?: unknown }).chrome = browser;
