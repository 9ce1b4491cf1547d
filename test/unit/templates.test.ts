/** URL templates, the number's shapes, and what a lookup asks (docs/crm.md). */

import type { Call } from '../../src/shared/calls';
import { callFacts, createUrlFor, crmOrigins, planLookup, templateRecordUrl } from '../../src/shared/crm/lookupPlan';
import { CRM_PRESETS, isPartlyUnverified } from '../../src/shared/crm/presets';
import { lookupVariants, templateValues } from '../../src/shared/phone/forms';
import { defaultSettings, loadSettings, type Settings } from '../../src/shared/settings';
import { fillTemplate, safeHttpUrl, templateOrigin, templateProblem } from '../../src/shared/templates';

const facts = {
  number: '+49 30 1234567',
  name: 'Anna Schmidt & Söhne',
  sessionId: 's/1?x',
  extension: '1001',
  direction: 'inbound',
};
const values = templateValues(facts, 'US');

describe('templateValues', () => {
  test('gives every placeholder its shape of the number', () => {
    expect(values).toEqual({
      number: '+49 30 1234567',
      e164: '+49301234567',
      e164digits: '49301234567',
      national: '030 1234567',
      digits: '49301234567',
      name: 'Anna Schmidt & Söhne',
      sessionId: 's/1?x',
      extension: '1001',
      direction: 'inbound',
    });
  });
  test('a number from a SIP URI, and one that is no phone number', () => {
    expect(templateValues({ ...facts, number: 'sip:+14155550132@pbx;user=phone' }, 'US')).toMatchObject({
      e164: '+14155550132',
      national: '(415) 555-0132',
      digits: '14155550132',
    });
    expect(templateValues({ ...facts, number: '1002' }, 'US')).toMatchObject({
      e164: '',
      national: '1002',
      digits: '1002',
    });
  });
});

describe('fillTemplate', () => {
  test('URL-encodes every value, quotes and brackets included', () => {
    expect(fillTemplate('https://crm.example.com/find?q={name}&n={number}&s={sessionId}', values)).toBe(
      'https://crm.example.com/find?q=Anna%20Schmidt%20%26%20S%C3%B6hne&n=%2B49%2030%201234567&s=s%2F1%3Fx',
    );
    expect(fillTemplate('https://crm.example.com/?q={name}', { ...values, name: "O'Neil (x)*!" })).toBe(
      'https://crm.example.com/?q=O%27Neil%20%28x%29%2A%21',
    );
  });
  test('a value can never change the site an address goes to', () => {
    const hostile = { ...values, number: '@evil.example/', name: '//evil.example' };
    expect(fillTemplate('https://crm.example.com/{number}', hostile)).toBe(
      'https://crm.example.com/%40evil.example%2F',
    );
    expect(fillTemplate('https://crm.example.com/{name}', hostile)?.startsWith('https://crm.example.com/')).toBe(true);
    expect(templateOrigin('https://crm.example.com{number}')).toBeNull();
    expect(fillTemplate('https://crm.example.com{number}', hostile)).toBeNull();
    expect(fillTemplate('https://{name}/x', hostile)).toBeNull();
  });
  test('only http(s), and no unknown or missing placeholder', () => {
    expect(fillTemplate('javascript:alert({number})', values)).toBeNull();
    expect(fillTemplate('ftp://crm.example.com/{number}', values)).toBeNull();
    expect(fillTemplate('https://crm.example.com/{id}', values)).toBeNull();
    expect(fillTemplate('https://crm.example.com/{id}', { ...values, id: 'c 1' })).toBe(
      'https://crm.example.com/c%201',
    );
    expect(fillTemplate('https://crm.example.com/{nope}', values)).toBeNull();
  });
});

describe('templateProblem', () => {
  test.each([
    ['', null],
    ['https://crm.example.com/contacts?phone={e164}', null],
    ['http://127.0.0.1:8765/crm/contacts?phone={digits}', null],
    ['javascript:alert(1)', 'notHttp'],
    ['data:text/html,{number}', 'notHttp'],
    ['https://crm.example.com/{foo}', 'unknownPlaceholder'],
    ['https://{number}.example.com/', 'originNotFixed'],
    ['https://user@crm.example.com/{number}', 'originNotFixed'],
    [`https://crm.example.com/${'x'.repeat(2048)}`, 'tooLong'],
  ])('case %#', (template, problem) => {
    expect(templateProblem(template)).toBe(problem);
  });
  test('{id} belongs to the record template only', () => {
    expect(templateProblem('https://crm.example.com/{id}')).toBe('unknownPlaceholder');
    expect(templateProblem('https://crm.example.com/{id}', { allowRecordId: true })).toBeNull();
  });
  test('the settings refuse a bad template and keep the default', () => {
    const { settings, warnings } = loadSettings({
      version: 1,
      record: { urlTemplate: 'javascript:alert(1)', createTemplate: 'https://crm.example.com/new?p={e164}' },
      lookup: { urlTemplate: 'https://crm.example.com/{id}', keyHeader: 'Bad Header', namePath: 'a b.c' },
    });
    expect(settings.record.urlTemplate).toBe('');
    expect(settings.record.createTemplate).toBe('https://crm.example.com/new?p={e164}');
    expect(settings.lookup.urlTemplate).toBe('');
    expect(settings.lookup.keyHeader).toBe('Authorization');
    expect(settings.lookup.namePath).toBe('a b.c');
    expect(warnings.sort()).toEqual([
      'lookup.keyHeader: invalid value, using the default',
      'lookup.urlTemplate: invalid value, using the default',
      'record.urlTemplate: invalid value, using the default',
    ]);
  });
});

test('safeHttpUrl resolves relative addresses and refuses other schemes', () => {
  expect(safeHttpUrl('/crm/contacts/c-1', 'http://127.0.0.1:8765/crm/api/contacts?phone=1')).toBe(
    'http://127.0.0.1:8765/crm/contacts/c-1',
  );
  expect(safeHttpUrl('javascript:alert(1)', 'https://crm.example.com/')).toBeNull();
  expect(safeHttpUrl('  JavaScript:alert(1)')).toBeNull();
  expect(safeHttpUrl('data:text/html,x')).toBeNull();
  expect(safeHttpUrl('not a url')).toBeNull();
});

describe('lookupVariants', () => {
  test('E.164, national (with and without trunk prefix), digits: each once, as received first', () => {
    expect(lookupVariants('+49 30 1234567', 'US')).toEqual([
      '+49 30 1234567',
      '+49301234567',
      '030 1234567',
      '0301234567',
      '301234567',
      '49301234567',
    ]);
    expect(lookupVariants('(415) 555-0132', 'US')).toEqual([
      '(415) 555-0132',
      '+14155550132',
      '4155550132',
      '+1 415 555 0132',
      '14155550132',
    ]);
    expect(lookupVariants('06 30 123 4567', 'HU')).toContain('+36301234567');
    expect(lookupVariants('06 30 123 4567', 'HU')).toContain('301234567');
  });
  test('extensions, anonymous callers and junk are not looked up; other characters are dropped', () => {
    expect(lookupVariants('1002', 'US')).toEqual([]);
    expect(lookupVariants('anonymous', 'US')).toEqual([]);
    expect(lookupVariants('', 'US')).toEqual([]);
    expect(lookupVariants("+49 30 1234567'<script>", 'US')[0]).toBe('+49 30 1234567');
    expect(lookupVariants('sip:+49301234567@pbx', 'US')[0]).toBe('+49301234567');
  });
  test('a number libphonenumber cannot read is still tried as written and as digits', () => {
    expect(lookupVariants('+999 123 456 789', 'US')).toEqual(['+999 123 456 789', '+999123456789', '999123456789']);
  });
});

const settingsWith = (patch: { record?: Partial<Settings['record']>; lookup?: Partial<Settings['lookup']> }) => {
  const settings = structuredClone(defaultSettings);
  Object.assign(settings.record, patch.record);
  Object.assign(settings.lookup, patch.lookup);
  return settings;
};

const call = (patch: Partial<Call> = {}): Call => ({
  sessionId: 's-1',
  phase: 'ringing',
  rawState: 'Ringing',
  stateKnown: true,
  direction: 'inbound',
  remoteNumber: '+49 30 1234567',
  localNumber: '1001',
  startedAt: 1,
  wasConnected: false,
  seq: 1,
  ...patch,
});

describe('planLookup', () => {
  const settings = settingsWith({
    lookup: { mode: 'content', urlTemplate: 'https://crm.example.com/api?phone={number}&cc={e164}' },
    record: { urlTemplate: 'https://app.example.com/r/{id}', createTemplate: 'https://crm.example.com/new?p={e164}' },
  });
  test('one address per format of {number}, other placeholders fixed', () => {
    const plan = planLookup(callFacts(call(), settings), settings);
    expect(plan?.origin).toBe('https://crm.example.com');
    expect(plan?.urls).toHaveLength(6);
    expect(plan?.urls[0]).toBe('https://crm.example.com/api?phone=%2B49%2030%201234567&cc=%2B49301234567');
    expect(plan?.urls.every((url) => url.endsWith('&cc=%2B49301234567'))).toBe(true);
    expect(plan?.context.allowedOrigins).toEqual(['https://crm.example.com', 'https://app.example.com']);
    expect(plan?.context.recordUrlFromId?.('0031x')).toBe('https://app.example.com/r/0031x');
  });
  test('a template without {number} asks once', () => {
    const once = settingsWith({ lookup: { mode: 'background', urlTemplate: 'https://crm.example.com/api?p={e164}' } });
    expect(planLookup(callFacts(call(), once), once)?.urls).toEqual(['https://crm.example.com/api?p=%2B49301234567']);
  });
  test('no lookup when off, for internal calls, or for extensions', () => {
    expect(planLookup(callFacts(call(), defaultSettings), defaultSettings)).toBeNull();
    expect(planLookup(callFacts(call({ direction: 'internal' }), settings), settings)).toBeNull();
    expect(planLookup(callFacts(call({ remoteNumber: '1002' }), settings), settings)).toBeNull();
    expect(planLookup(callFacts(call({ direction: 'outbound' }), settings), settings)).not.toBeNull();
  });
  test('the create and record addresses', () => {
    expect(createUrlFor(callFacts(call(), settings), settings)).toBe('https://crm.example.com/new?p=%2B49301234567');
    expect(templateRecordUrl(callFacts(call(), settings), settings)).toBeNull(); // needs an id
    const search = settingsWith({ record: { urlTemplate: 'https://crm.example.com/search?q={national}' } });
    expect(templateRecordUrl(callFacts(call(), search), search)).toBe('https://crm.example.com/search?q=030%201234567');
    expect(crmOrigins(defaultSettings)).toEqual([]);
  });
});

describe('the ready-made CRM templates', () => {
  test('every template is valid, and each part says whether it is documented', () => {
    for (const preset of CRM_PRESETS) {
      expect([preset.id, templateProblem(preset.record?.template ?? '', { allowRecordId: true })]).toEqual([
        preset.id,
        null,
      ]);
      expect([preset.id, templateProblem(preset.create?.template ?? '')]).toEqual([preset.id, null]);
      expect([preset.id, templateProblem(preset.lookup?.template ?? '')]).toEqual([preset.id, null]);
      for (const part of [preset.record, preset.create, preset.lookup]) {
        if (part?.status === 'documented') expect(part.source).toBeTruthy();
      }
    }
  });
  test('all ten CRMs of the issue are there; the unverified ones are marked', () => {
    expect(CRM_PRESETS.map((preset) => preset.name)).toEqual(
      expect.arrayContaining([
        'Salesforce',
        'HubSpot',
        'Zoho CRM',
        'Pipedrive',
        'Microsoft Dynamics 365',
        'Zendesk',
        'Freshsales',
        'SuiteCRM 7',
        'vtiger CRM',
        'Odoo',
      ]),
    );
    expect(CRM_PRESETS.filter(isPartlyUnverified).map((preset) => preset.id)).toEqual(
      expect.arrayContaining(['hubspot', 'odoo', 'vtiger']),
    );
  });
  test('a preset applied gives settings that load without warnings', () => {
    for (const preset of CRM_PRESETS) {
      const raw = settingsWith({
        record: { urlTemplate: preset.record?.template ?? '', createTemplate: preset.create?.template ?? '' },
        lookup: preset.lookup
          ? {
              mode: preset.lookup.mode,
              urlTemplate: preset.lookup.template,
              keyHeader: preset.lookup.keyHeader,
              ...preset.lookup.map,
            }
          : {},
      });
      expect([preset.id, loadSettings(raw).warnings]).toEqual([preset.id, []]);
    }
  });
});
