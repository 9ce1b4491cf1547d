/** The options page in jsdom, with the background mocked. */
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { testResultText } from '../../src/options/ConnectionTest';
import { toPattern } from '../../src/options/CrmSites';
import { appliesTo, settingPaths } from '../../src/options/fields';
import { Options } from '../../src/options/Options';
import { TEST_OUTCOMES } from '../../src/shared/pbx/connectionTest';
import { defaultSettings, type Settings } from '../../src/shared/settings';
import type { OptionsView } from '../../src/shared/settings/options';
import { browser, mock } from '../support/browserMock';
import { $, freshRootPerTest, root, until } from '../support/dom';

jest.mock('webextension-polyfill', () => require('../support/browserMock').browserModule);

const view = (patch: Partial<OptionsView> = {}): OptionsView => ({
  settings: structuredClone(defaultSettings),
  warnings: [],
  locked: [],
  credentialsSaved: [],
  credentialsLocked: [],
  ...patch,
});

freshRootPerTest();

async function mount(initial: OptionsView = view()) {
  mock.handlers.getOptions = () => structuredClone(initial);
  render(<Options />, root);
  await until(() => $('form'));
}
async function fire(element: Element, type: 'input' | 'change', value?: string | boolean) {
  await act(async () => {
    if (typeof value === 'boolean') (element as HTMLInputElement).checked = value;
    else if (value !== undefined) (element as HTMLInputElement).value = value;
    element.dispatchEvent(new Event(type, { bubbles: true }));
  });
}
const named = <T extends Element = HTMLInputElement>(name: string) => $<T>(`[name="${name}"]`);
async function click(element: Element) {
  await act(async () => (element as HTMLElement).click());
}
async function submit() {
  await act(async () => {
    $('form').dispatchEvent(new Event('submit', { bubbles: true, cancelable: true }));
  });
}

test('every setting has a control (for the connector that uses it)', async () => {
  await mount();
  const missing = (settings: Settings) =>
    settingPaths()
      .filter((path) => appliesTo(path, settings))
      .filter((path) => !root.querySelector(`[name="${path}"], [data-path="${path}"]`));
  expect(missing(defaultSettings)).toEqual([]);
  expect(named('ozeki.apiUrl')).toBeNull();
  expect(named('credential.token')).not.toBeNull();

  await fire(named('connection.connector'), 'change', 'ozeki');
  const ozeki = { ...defaultSettings, connection: { ...defaultSettings.connection, connector: 'ozeki' as const } };
  expect(missing(ozeki)).toEqual([]);
  expect(named('connection.serverUrl')).toBeNull();
  expect(named('credential.ozekiPassword')?.getAttribute('type')).toBe('password');
  // No label is shown as a raw key.
  expect(root.textContent).not.toMatch(/\b(setting|section)_\w+/);
});

test('settings set by policy are shown locked, with why', async () => {
  await mount(view({ locked: ['connection.serverUrl', 'crm.sites'], credentialsLocked: ['token'] }));
  expect($('[data-banner="policy"]').textContent).toContain('set by your administrator');
  expect(named('connection.serverUrl').disabled).toBe(true);
  expect($('[data-path="connection.serverUrl"] .lock-note').textContent).toContain('Set by your administrator');
  expect(named('connection.extension').disabled).toBe(false);
  expect(named('credential.token').disabled).toBe(true);
  expect(named('crm.sites.0.card').disabled).toBe(true);
  expect($('#add-site')).toBeNull();
});

test('stored settings that could not be read: a banner says PopLine uses the defaults', async () => {
  await mount(view({ warnings: ['settings are not an object: using the defaults'] }));
  expect($('[data-banner="settings-defaults"]').textContent).toContain('PopLine is using the defaults');
  expect($('[data-banner="settings-defaults"]').textContent).toContain('settings are not an object');
});

test('"Test connection" sends the values on the page, and the typed token, and says the result', async () => {
  await mount(view({ credentialsSaved: ['token'] }));
  expect(named('credential.token').getAttribute('placeholder')).toBe('Saved: type here to replace it');
  expect(named<HTMLInputElement>('credential.token').value).toBe('');
  await fire(named('connection.serverUrl'), 'input', 'wss://pbx.example.com/cti');
  await fire(named('credential.token'), 'input', 'secret');
  mock.handlers.testConnection = () => ({ outcome: 'denied', detail: 'token expired' });
  await click(named('testConnection'));
  await until(() => $('.test-result').getAttribute('data-outcome'));
  const sent = mock.sent.find((m) => m.type === 'testConnection')?.body as { settings: Settings; credentials: unknown };
  expect(sent.settings.connection.serverUrl).toBe('wss://pbx.example.com/cti');
  expect(sent.credentials).toEqual({ token: 'secret' });
  expect($('.test-result').textContent).toBe('Access denied: token expired');
  // Nothing was saved by the test.
  expect(mock.sent.some((m) => m.type === 'saveOptions')).toBe(false);
});

test('every test outcome is said in words', () => {
  for (const outcome of TEST_OUTCOMES) {
    const text = testResultText({ outcome, detail: 'why' }, defaultSettings);
    expect(text).not.toMatch(/^test_/);
    expect(text.length).toBeGreaterThan(10);
  }
  const secure = { ...defaultSettings, connection: { ...defaultSettings.connection, serverUrl: 'wss://pbx:8443/cti' } };
  expect(testResultText({ outcome: 'tls' }, secure)).toContain('https://pbx:8443/');
  expect(testResultText({ outcome: 'unreachable' }, secure)).toContain('TLS certificate');
});

test('saving asks for the permissions from the click first, then saves; credentials only when typed', async () => {
  const order: string[] = [];
  await mount();
  mock.handlers.saveOptions = () => {
    order.push('save');
    return { ok: true };
  };
  const request = jest.requireMock('webextension-polyfill').default.permissions.request as jest.Mock;
  request.mockImplementationOnce(async ({ origins }: { origins: string[] }) => {
    order.push(`request ${origins.join(' ')}`);
    return true;
  });
  await fire(named('cards.fadeAfterSeconds'), 'input', '30');
  await submit();
  await until(() => $('.notice').getAttribute('data-notice') === 'ok');
  expect(order).toEqual(['request http://127.0.0.1/*', 'save']);
  const body = mock.sent.find((m) => m.type === 'saveOptions')?.body as { settings: Settings; credentials: object };
  expect(body.settings.cards.fadeAfterSeconds).toBe(30);
  expect(body.credentials).toEqual({});
  expect($('.notice').textContent).toBe('Saved. The changes apply now.');
});

test('a refused permission still saves, and says what is missing', async () => {
  await mount();
  mock.grantOnRequest = false;
  mock.handlers.saveOptions = () => ({ ok: true });
  await submit();
  await until(() => $('.notice').getAttribute('data-notice') === 'ok');
  expect($('.notice').textContent).toContain('did not allow access');
});

test('a value that cannot be used is marked, and nothing is saved', async () => {
  await mount();
  await fire(named('cards.fadeAfterSeconds'), 'input', '99999');
  expect($('[data-path="cards.fadeAfterSeconds"] .field-error').textContent).toContain('cannot be used');
  await submit();
  expect($('.notice').textContent).toContain('Correct the ones marked');
  expect(mock.sent.some((m) => m.type === 'saveOptions')).toBe(false);
});

test('CRM sites: an address becomes its site pattern, is asked for at once, and can be switched', async () => {
  await mount();
  await fire($('#add-site'), 'input', 'https://crm.example.com/contacts/42?tab=calls');
  await click($('.add-site button'));
  expect(mock.requested.at(-1)).toEqual(['https://crm.example.com/*']);
  await until(() => $('tr[data-pattern="https://crm.example.com/*"] .access')?.textContent === 'Allowed');
  await fire(named('crm.sites.1.detect'), 'change', false);
  mock.handlers.saveOptions = () => ({ ok: true });
  await submit();
  await until(() => mock.sent.some((m) => m.type === 'saveOptions'));
  const body = mock.sent.find((m) => m.type === 'saveOptions')?.body as { settings: Settings };
  expect(body.settings.crm.sites[1]).toEqual({
    pattern: 'https://crm.example.com/*',
    card: true,
    detect: false,
    links: true,
  });
  expect(toPattern('not a site at all')).toBeNull();
  expect(toPattern('http://localhost:8080/crm/')).toBe('http://localhost/*');
  expect(toPattern('https://*.example.com/*')).toBe('https://*.example.com/*');
});

test('import: a bad file changes nothing and says why; a good one fills the form', async () => {
  await mount();
  const input = named<HTMLInputElement>('importFile');
  const choose = async (name: string, text: string) => {
    const before = $('.notice').textContent;
    Object.defineProperty(input, 'files', { configurable: true, value: [new File([text], name)] });
    await fire(input, 'change');
    await until(() => $('.notice').textContent !== before);
  };
  await choose('broken.json', '{"version": 1, "cards": ');
  expect($('.notice').textContent).toContain('broken.json was not imported: nothing was changed.');
  expect($('.notice li').textContent).toContain('not JSON');

  await choose('token.json', JSON.stringify({ ...defaultSettings, token: 'x' }));
  expect($('.notice li').textContent).toContain('"token" does not belong');

  const good = structuredClone(defaultSettings);
  good.cards.target = 'none';
  good.phone.defaultCountry = 'HU';
  await choose('good.json', JSON.stringify(good));
  expect($('.notice').textContent).toContain('Imported');
  expect(named<HTMLSelectElement>('cards.target').value).toBe('none');
  expect(named<HTMLSelectElement>('phone.defaultCountry').value).toBe('HU');
  expect($('.dirty').textContent).toBe('Unsaved changes');
});

test('settings changed elsewhere show at once; unsaved edits here are kept, with a word', async () => {
  await mount();
  const emit = (changes: Record<string, unknown>, area: string) =>
    act(async () => browser.storage.onChanged.emit(changes, area));
  const elsewhere = view();
  elsewhere.settings.connection.extension = '2002';
  mock.handlers.getOptions = () => structuredClone(elsewhere);
  await emit({ lastSeen: {} }, 'local'); // Not a setting: nothing happens.
  expect(named('connection.extension').value).toBe('1001');
  await emit({ settings: {} }, 'local');
  await until(() => named('connection.extension').value === '2002');

  await fire(named('connection.extension'), 'input', '3003');
  elsewhere.settings.connection.extension = '4004';
  await emit({}, 'managed');
  await until(() => root.textContent?.includes('changed elsewhere'));
  expect(named('connection.extension').value).toBe('3003');
});
