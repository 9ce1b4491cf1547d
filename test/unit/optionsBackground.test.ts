/**
 * The options page's background side with a stand-in browser: "Test connection" with unsaved
 * values for both connectors (against the simulators), the saved token used when none is
 * typed, and saving that keeps the policy's values out of the user's own settings.
 */
import { WebSocket } from 'ws';
import { type Simulator, startSimulator } from '../../sim/server';
import { optionsView, saveOptions, testConnection } from '../../src/background/options';
import { defaultSettings } from '../../src/shared/settings';
import { setPath } from '../../src/shared/settings/paths';

const local: Record<string, unknown> = {};
let managed: Record<string, unknown> = {};
jest.mock('webextension-polyfill', () => ({
  __esModule: true,
  default: {
    storage: {
      local: {
        get: async (keys: string | string[]) =>
          Object.fromEntries([keys].flat().map((key) => [key, local[key]] as const)),
        set: async (values: Record<string, unknown>) => Object.assign(local, values),
        // As in Chrome: storage.local can be kept from content scripts (background/storage/config.ts).
        setAccessLevel: async () => undefined,
      },
      managed: { get: async () => managed },
    },
    permissions: { contains: async () => true },
    runtime: { getManifest: () => ({ version: '0.0.0' }), getPlatformInfo: async () => ({}) },
    i18n: { getUILanguage: () => 'de-DE', getMessage: () => '' },
  },
}));
// i18n reads the browser's own `chrome` (src/webext), not the polyfill: the same stand-in.
(globalThis as { chrome?: unknown }).chrome = (
  jest.requireMock('webextension-polyfill') as { default: unknown }
).default;

let sim: Simulator;
beforeAll(async () => {
  // Node 20 has no WebSocket of its own; the background uses the browser's.
  globalThis.WebSocket ??= WebSocket as unknown as typeof globalThis.WebSocket;
  sim = await startSimulator({ port: 0, ozeki: { auth: { username: 'office', password: 'secret' } } });
});
afterAll(() => sim.close());
beforeEach(() => {
  for (const key of Object.keys(local)) delete local[key];
  managed = {};
});

const cti = () => setPath(defaultSettings, 'connection.serverUrl', sim.ctiUrl);
const ozeki = () =>
  setPath(setPath(defaultSettings, 'connection.connector', 'ozeki'), 'ozeki.apiUrl', sim.ozeki?.apiUrl ?? '');

test('CTI: the typed token, else the saved one', async () => {
  expect(await testConnection(cti(), { token: 'popline-demo' })).toMatchObject({ outcome: 'connected' });
  expect(await testConnection(cti(), {})).toEqual({ outcome: 'noToken' });
  local.credentials = { token: 'popline-demo' };
  // A saved token is bound to the address it was saved with (docs/security.md): none yet, so not sent.
  expect(await testConnection(cti(), {})).toEqual({ outcome: 'noToken' });
  for (const key of Object.keys(local)) delete local[key];
  local.settings = cti();
  local.credentials = { token: 'popline-demo' };
  expect(await testConnection(cti(), {})).toMatchObject({ outcome: 'connected' });
  // ... and a typed other address does not get it.
  const elsewhere = setPath(defaultSettings, 'connection.serverUrl', 'ws://127.0.0.1:9/cti');
  expect(await testConnection(elsewhere, {})).toEqual({ outcome: 'noToken' });
  expect(await testConnection(cti(), { token: 'wrong' })).toMatchObject({ outcome: 'denied' });
  expect(local.settings).toEqual(cti()); // testing saved nothing
});

test('an address the settings refuse is reported, not replaced by the default', async () => {
  const bad = setPath(defaultSettings, 'connection.serverUrl', 'http://pbx.example.com/');
  expect(await testConnection(bad, { token: 'x' })).toMatchObject({ outcome: 'badAddress' });
});

test('Ozeki: the office user is checked', async () => {
  expect(await testConnection(ozeki(), { ozekiUsername: 'office', ozekiPassword: 'secret' })).toMatchObject({
    outcome: 'connected',
  });
  const refused = await testConnection(ozeki(), { ozekiUsername: 'office', ozekiPassword: 'nope' });
  expect(refused.outcome).toBe('denied');
  expect(refused.detail).toBeTruthy();
});

test('saving: credentials merged, the policy value stays out of the user settings, view shows locks', async () => {
  local.settings = setPath(defaultSettings, 'connection.serverUrl', 'ws://127.0.0.1:1/mine');
  local.credentials = { token: 'old', ozekiUsername: 'office' };
  managed = { settings: { connection: { serverUrl: 'wss://policy.example/cti' } } };
  const next = setPath(
    setPath(defaultSettings, 'connection.serverUrl', 'wss://policy.example/cti'),
    'cards.target',
    'none',
  );
  expect(await saveOptions(next, { token: 'new', ozekiUsername: '' })).toEqual({ ok: true });
  expect(local.credentials).toEqual({ token: 'new' });
  expect(local.settings).toMatchObject({
    connection: { serverUrl: 'ws://127.0.0.1:1/mine' },
    cards: { target: 'none' },
  });
  const view = await optionsView();
  expect(view.settings.connection.serverUrl).toBe('wss://policy.example/cti');
  expect(view.locked).toEqual(['connection.serverUrl']);
  expect(view.credentialsSaved).toEqual(['token']);
  expect(JSON.stringify(view)).not.toContain('new');
});

test('a bad settings object is refused with the reasons, and nothing is written', async () => {
  expect(await saveOptions({ version: 1, cards: { target: 'everywhere' } })).toEqual({
    ok: false,
    problems: ['cards.target: invalid value, using the default'],
  });
  expect(local.settings).toBeUndefined();
});

test('a first run guesses the country from the browser language', async () => {
  expect((await optionsView()).settings.phone.defaultCountry).toBe('DE');
});
