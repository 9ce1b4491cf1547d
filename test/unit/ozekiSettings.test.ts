import { apiOriginPattern, apiUrlProblem, ozmlUrlFor } from '../../src/shared/ozeki/address';
import { defaultSettings, loadSettings } from '../../src/shared/settings';

describe('Ozeki settings', () => {
  test('the connector can be ozeki; good values are kept', () => {
    const { settings, warnings } = loadSettings({
      version: 1,
      connection: { connector: 'ozeki' },
      ozeki: {
        apiUrl: 'http://pbx.local:9509/api',
        apiExtension: '9994',
        ozmlUrl: 'https://intranet/popline/ozml?dial={number}',
        pollIdleMs: 2000,
        pollRingingMs: 300,
      },
    });
    expect(warnings).toEqual([]);
    expect(settings.connection.connector).toBe('ozeki');
    expect(settings.ozeki).toEqual({
      apiUrl: 'http://pbx.local:9509/api',
      apiExtension: '9994',
      ozmlUrl: 'https://intranet/popline/ozml?dial={number}',
      pollIdleMs: 2000,
      pollRingingMs: 300,
    });
  });

  test.each([
    ['apiUrl', 'ws://pbx:7780/'],
    ['apiUrl', 'javascript:alert(1)'],
    ['apiExtension', '99 94<'],
    ['ozmlUrl', 'http://intranet/ozml'],
    ['ozmlUrl', 'file:///c:/ozml?dial={number}'],
    ['pollIdleMs', 10],
    ['pollIdleMs', 1000.5],
    ['pollRingingMs', 60_000],
  ])('a bad %s (%j) falls back to the default with a warning', (key, value) => {
    const { settings, warnings } = loadSettings({ version: 1, ozeki: { [key]: value } });
    expect(warnings).toEqual([`ozeki.${key}: invalid value, using the default`]);
    expect(settings.ozeki[key as keyof typeof settings.ozeki]).toBe(
      defaultSettings.ozeki[key as keyof typeof defaultSettings.ozeki],
    );
  });

  test('an empty OzML URL or API extension is allowed: click-to-dial is off', () => {
    const { settings, warnings } = loadSettings({ version: 1, ozeki: { ozmlUrl: '', apiExtension: '' } });
    expect(warnings).toEqual([]);
    expect(settings.ozeki).toMatchObject({ ozmlUrl: '', apiExtension: '' });
  });
});

describe('Ozeki addresses', () => {
  test.each([
    ['https://pbx.example:7780/', false, null],
    ['http://127.0.0.1:7780/', false, null],
    ['http://localhost:9509/api', false, null],
    ['http://192.168.1.10:7780/', true, null],
    ['http://192.168.1.10:7780/', false, 'plain http:// to another computer'],
    ['ftp://pbx/', true, 'must start with https:// or http://'],
    ['http://user:pw@pbx:7780/', true, 'not in the address'],
    ['not a url', true, 'not a valid URL'],
  ])('%s (insecure allowed: %s)', (url, insecure, problem) => {
    const found = apiUrlProblem(url, insecure);
    if (problem === null) expect(found).toBeNull();
    else expect(found).toContain(problem);
  });

  test('the host permission pattern covers every port of the host', () => {
    expect(apiOriginPattern('http://pbx.local:7780/')).toBe('http://pbx.local/*');
    expect(apiOriginPattern('nope')).toBeNull();
  });

  test('the OzML URL gets the number as dial digits, URL-encoded, and nothing else', () => {
    const template = 'http://intranet/popline/ozml?dial={number}&x=1';
    expect(ozmlUrlFor(template, '+49 (30) 123-456')).toBe('http://intranet/popline/ozml?dial=%2B4930123456&x=1');
    expect(ozmlUrlFor(template, '0049 30 1&evil=1')).toBe('http://intranet/popline/ozml?dial=%2B493011&x=1');
  });
});
