import { defaultSettings, loadSettings, SETTINGS_VERSION } from '../../src/shared/settings';

test('nothing stored: the defaults, no warning', () => {
  expect(loadSettings(undefined)).toEqual({ settings: defaultSettings, warnings: [] });
});

test('valid stored settings survive unchanged', () => {
  const stored = structuredClone(defaultSettings);
  stored.connection.serverUrl = 'wss://pbx.example.com/cti';
  stored.cards.target = 'allCrmTabs';
  expect(loadSettings(stored)).toEqual({ settings: stored, warnings: [] });
});

test('bad fields fall back one by one, with a warning each', () => {
  const { settings, warnings } = loadSettings({
    version: SETTINGS_VERSION,
    connection: { serverUrl: 'javascript:alert(1)', extension: 42 },
    cards: { target: 'everywhere', fadeAfterSeconds: -5 },
    phone: { defaultCountry: 'DE' },
  });
  expect(settings.connection.serverUrl).toBe(defaultSettings.connection.serverUrl);
  expect(settings.connection.extension).toBe(defaultSettings.connection.extension);
  expect(settings.cards.target).toBe('lastCrmTab');
  expect(settings.cards.fadeAfterSeconds).toBe(defaultSettings.cards.fadeAfterSeconds);
  expect(settings.phone.defaultCountry).toBe('DE');
  expect(warnings).toHaveLength(4);
});

test('corrupt or unknown-version settings start with defaults and say so', () => {
  expect(loadSettings('garbage').warnings[0]).toMatch(/not an object/);
  const future = loadSettings({ version: SETTINGS_VERSION + 1, connection: { extension: '9' } });
  expect(future.settings).toEqual(defaultSettings);
  expect(future.warnings[0]).toMatch(/schema version/);
});

test('unversioned (version 0) settings are migrated', () => {
  const { settings } = loadSettings({ serverUrl: 'wss://old.example.com/cti', extension: '2002' });
  expect(settings.connection).toMatchObject({ serverUrl: 'wss://old.example.com/cti', extension: '2002' });
  expect(settings.version).toBe(SETTINGS_VERSION);
});

test('the result never shares objects with the defaults', () => {
  const { settings } = loadSettings(undefined);
  settings.crm.sites.push({ pattern: 'https://x/*', card: true, detect: true, links: true });
  expect(defaultSettings.crm.sites).toHaveLength(0);
});

test('docs/settings.md shows the real defaults and documents every setting', () => {
  const doc = require('node:fs').readFileSync(
    require('node:path').join(__dirname, '../../docs/settings.md'),
    'utf8',
  ) as string;
  const json = /```json\n([\s\S]*?)```/.exec(doc)?.[1] ?? '';
  expect(JSON.parse(json)).toEqual(defaultSettings);
  const leaves = (value: unknown, path: string): string[] =>
    value && typeof value === 'object' && !Array.isArray(value)
      ? Object.entries(value).flatMap(([key, inner]) => leaves(inner, path ? `${path}.${key}` : key))
      : [path];
  // Each setting has its own row in the table: `| \`section.key\` | meaning | values |`.
  const rows = new Map(
    [...doc.matchAll(/^\| `([\w.]+)` \|([^|]+)\|([^|]+)\|/gm)].map((m) => [m[1], { meaning: m[2], values: m[3] }]),
  );
  const undocumented = leaves(defaultSettings, '').filter((path) => {
    const row = rows.get(path);
    return !row || !/\p{L}/u.test(row.meaning ?? '') || !(row.values ?? '').trim();
  });
  expect(undocumented).toEqual([]);
});

test('no default points at an address on this computer, where another local user could listen (issue 18, gap 7)', () => {
  expect(JSON.stringify(defaultSettings)).not.toMatch(/127\.0\.0\.1|localhost|\[::1\]/);
  expect(defaultSettings.ozeki.apiUrl).toBe('');
  // An empty address is a valid setting ("not set"), kept as it is.
  const stored = { ...structuredClone(defaultSettings), ozeki: { ...defaultSettings.ozeki, apiUrl: '' } };
  expect(loadSettings(stored).warnings).toEqual([]);
});
