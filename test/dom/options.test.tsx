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
import { $, freshRootPerTest, root, trustedClick, until } from '../support/dom';

jest.mock('webextension-polyfill', () => require('../support/browserMock').browserModule);

/** The defaults with the demo CRM site these tests edit (a store build has no site by default). */
const withDemoSite = (): Settings => {
  const settings = structuredClone(defaultSettings);
  settings.crm.sites = [{ pattern: 'http://127.0.0.1/*', card: true, detect: true, links: true }];
  return settings;
};

const view = (patch: Partial<OptionsView> = {}): OptionsView => ({
  settings: withDemoSite(),
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

test('every test outcome is said in its own words', () => {
  const words: Record<(typeof TEST_OUTCOMES)[number], string> = {
    connected: 'Connected. These settings work.',
    denied: 'Access denied: why',
    unreachable: 'Unreachable: why',
    tls: 'The server is there, but its TLS certificate is not trusted by this browser.',
    timeout: 'Timed out: the server did not answer in time.',
    notPopline: 'Something answers at this address, but it is not a PopLine server.',
    badAddress: 'This address cannot be used: why',
    noToken: 'Enter the security token first.',
    failed: 'The test could not run: why',
  };
  for (const outcome of TEST_OUTCOMES) {
    expect(testResultText({ outcome, detail: 'why' }, defaultSettings)).toContain(words[outcome]);
  }
  expect(testResultText({ outcome: 'denied' }, defaultSettings)).toBe(
    'Access denied: the phone system refused the token or the user name and password.',
  );
  expect(testResultText({ outcome: 'unreachable' }, defaultSettings)).toContain('nothing answers at this address');
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

describe('enrolment with a PopLine bridge', () => {
  test('the code goes to the background with the address on the page; the page hears who it now is', async () => {
    await mount();
    await fire(named('connection.serverUrl'), 'input', 'wss://bridge.example.com/cti');
    await fire(named('enrolCode'), 'input', 'ABCD-EFGH-JKLM-NPQR');
    let reloads = 0;
    mock.handlers.getOptions = () => {
      reloads += 1;
      return view();
    };
    mock.handlers.enrol = () => ({
      ok: true,
      extension: '1001',
      name: 'Jane Doe',
      permissions: { dial: true, control: true, history: true, monitorAll: false },
    });
    await trustedClick(named('enrol'));
    await until(() => $('.enrol-result').getAttribute('data-outcome'));
    expect(mock.sent.find((m) => m.type === 'enrol')?.body).toEqual({
      serverUrl: 'wss://bridge.example.com/cti',
      allowInsecure: false,
      code: 'ABCD-EFGH-JKLM-NPQR',
    });
    expect($('.enrol-result').textContent).toBe(
      'Enrolled as Jane Doe: PopLine now follows extension 1001 and has saved its token.',
    );
    // Saved by the background: the page shows what is stored now.
    expect(reloads).toBe(1);
    expect(named<HTMLInputElement>('enrolCode').value).toBe('');
  });

  test.each([
    ['unknownCode', 'The bridge does not know this code.'],
    ['usedCode', 'This code was already used or has expired.'],
    ['unreachable', 'No bridge answers at this address.'],
    ['notBridge', 'it is not a PopLine bridge'],
    ['badAddress', 'server address (wss://…) first'],
  ])('a refusal (%s) is said in words', async (problem, words) => {
    await mount();
    await fire(named('enrolCode'), 'input', 'ABCD');
    mock.handlers.enrol = () => ({ ok: false, problem });
    await trustedClick(named('enrol'));
    await until(() => $('.enrol-result').getAttribute('data-outcome'));
    expect($('.enrol-result').getAttribute('data-outcome')).toBe(problem);
    expect($('.enrol-result').textContent).toContain(words);
  });

  test('a scripted click enrols nothing (positive control: the trusted click does)', async () => {
    await mount();
    await fire(named('enrolCode'), 'input', 'ABCD');
    mock.handlers.enrol = () => ({ ok: false, problem: 'unknownCode' });
    await click(named('enrol'));
    await trustedClick(named('enrol'));
    await until(() => $('.enrol-result').getAttribute('data-outcome'));
    expect(mock.sent.filter((m) => m.type === 'enrol')).toHaveLength(1);
  });

  test('not offered when a policy sets the token, nor for the Ozeki connector', async () => {
    await mount(view({ credentialsSaved: ['token'], credentialsLocked: ['token'] }));
    expect(named('enrolCode')).toBeNull();
    render(null, root);
    await mount();
    expect(named('enrolCode')).not.toBeNull();
    await fire(named('connection.connector'), 'change', 'ozeki');
    expect(named('enrolCode')).toBeNull();
  });
});

test('"Test connection" names the server and what the token may do', async () => {
  await mount();
  mock.handlers.testConnection = () => ({
    outcome: 'connected',
    userName: 'Jane Doe',
    server: { name: 'PopLine bridge', version: '0.1.0' },
    permissions: { dial: true, control: false, history: true, monitorAll: false },
  });
  await click(named('testConnection'));
  await until(() => $('.test-result').getAttribute('data-outcome'));
  expect([...root.querySelectorAll('.test-result p')].map((p) => p.textContent)).toEqual([
    'Connected as Jane Doe. These settings work.',
    'Server: PopLine bridge 0.1.0.',
    'This token may: place calls, read the call history.',
  ]);
});
