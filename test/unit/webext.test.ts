/**
 * src/webext: the browser's own API for the content script and i18n. Firefox's `browser` when it
 * is really the API, else `chrome`; a page's element named "browser" (a named property of the
 * window) is never taken for it.
 */
import { webext } from '../../src/webext';

const scope = globalThis as { browser?: unknown; chrome?: unknown };
const chromeApi = { runtime: { id: 'chrome', sendMessage: async () => 'from chrome' } };
const firefoxApi = { runtime: { id: 'firefox', sendMessage: async () => 'from firefox' } };

afterEach(() => {
  delete scope.browser;
  delete scope.chrome;
});

test('Chrome: no `browser`, so `chrome`', () => {
  scope.chrome = chromeApi;
  expect(webext().runtime.id).toBe('chrome');
});

test('Firefox: `browser` when it has runtime.sendMessage, over `chrome`', () => {
  scope.chrome = chromeApi;
  scope.browser = firefoxApi;
  expect(webext().runtime.id).toBe('firefox');
});

test.each([
  ['an element with id="browser"', { id: 'browser', tagName: 'DIV' }],
  // <form id="browser"><input name="runtime" id="x"></form>: browser.runtime.id is "x".
  ['a form with a field named "runtime"', { runtime: { id: 'x', tagName: 'INPUT' } }],
  [
    'a form whose "runtime" field has a "sendMessage" field',
    { runtime: { id: 'x', sendMessage: { tagName: 'INPUT' } } },
  ],
])("a page's %s as `browser` is not taken for the API", (_what, clobbered) => {
  scope.chrome = chromeApi;
  // Positive control: a real `browser` is taken (the check can choose it).
  scope.browser = firefoxApi;
  expect(webext().runtime.id).toBe('firefox');
  scope.browser = clobbered;
  expect(webext().runtime.id).toBe('chrome');
});
