/** The card's lookup part and the options page's CRM presets, in jsdom (docs/crm.md). */
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { CallerInfo } from '../../src/content/cards/CallerInfo';
import { Options } from '../../src/options/Options';
import type { CardLookup } from '../../src/shared/crm/lookup';
import { applyPreset, CRM_PRESETS } from '../../src/shared/crm/presets';
import { defaultSettings, type Settings } from '../../src/shared/settings';
import type { OptionsView } from '../../src/shared/settings/options';
import { mock } from '../support/browserMock';
import { $, freshRootPerTest, root, trustedClick, until } from '../support/dom';

jest.mock('webextension-polyfill', () => require('../support/browserMock').browserModule);

freshRootPerTest();

function show(lookup: CardLookup | undefined, open = jest.fn(async () => null as string | null)) {
  const errors: string[] = [];
  render(<CallerInfo lookup={lookup} open={open} onError={(m) => errors.push(m)} />, root);
  return { open, errors };
}

describe('the card', () => {
  test('nothing without a lookup; quiet notes while looking and when it could not', () => {
    show(undefined);
    expect(root.textContent).toBe('');
    show({ state: 'pending' });
    expect(root.textContent).toBe('Looking up in the CRM…');
    show({ state: 'failed', problem: 'timeout' });
    expect(root.textContent).toBe('The CRM did not answer in time');
    show({ state: 'failed', problem: 'noTab' });
    expect(root.textContent).toBe('Open the CRM to look callers up');
    show({ state: 'failed' });
    expect(root.textContent).toBe('The CRM lookup failed');
  });

  test('one match: company, note and "Open record"; untrusted text stays text', async () => {
    const { open } = show({
      state: 'found',
      matches: [{ name: 'Anna', company: '<b>ACME</b>\u202e', note: '<img src=x onerror=alert(1)>', hasRecord: true }],
      total: 1,
    });
    expect($('.company').textContent).toBe('<b>ACME</b>');
    expect($('.crm-note').textContent).toBe('<img src=x onerror=alert(1)>');
    expect(root.querySelector('img, b')).toBeNull();
    const button = [...root.querySelectorAll('button')].find((b) => b.textContent === 'Open record') as HTMLElement;
    button.click(); // Not trusted: a page's synthetic click does nothing.
    expect(open).not.toHaveBeenCalled();
    await trustedClick(button);
    expect(open).toHaveBeenCalledWith(0);
  });

  test('no record address: no "Open record"', () => {
    show({ state: 'found', matches: [{ name: 'Anna', hasRecord: false }], total: 1 });
    expect(root.textContent).not.toContain('Open record');
  });

  test('several matches: a list to choose from, and how many more the CRM has', async () => {
    const { open } = show({
      state: 'found',
      matches: [
        { name: 'Kovács Péter', company: 'Duna', hasRecord: true },
        { name: 'Péter Kovács', hasRecord: true },
      ],
      total: 7,
    });
    expect(root.textContent).toContain('7 contacts match');
    expect(root.textContent).toContain('and 5 more in the CRM');
    const buttons = root.querySelectorAll('button.match');
    expect(buttons).toHaveLength(2);
    await trustedClick(buttons[1] as Element);
    expect(open).toHaveBeenCalledWith(1);
  });

  test('the chosen one of several shows as the match', () => {
    show({
      state: 'found',
      matches: [
        { name: 'A', hasRecord: true },
        { name: 'B', company: 'B Ltd', hasRecord: true },
      ],
      total: 2,
      chosen: 1,
    });
    expect($('.company').textContent).toBe('B Ltd');
    expect(root.querySelectorAll('button.match')).toHaveLength(0);
  });

  test('no match: "Create contact" when set; a refusal is said', async () => {
    const open = jest.fn(async () => 'no address');
    const { errors } = show({ state: 'none', canCreate: true }, open);
    expect(root.textContent).toContain('Not in the CRM');
    await trustedClick([...root.querySelectorAll('button')].find((b) => b.textContent === 'Create contact') as Element);
    expect(open).toHaveBeenCalledWith('create');
    expect(errors).toEqual(['Could not open it: no address']);
    show({ state: 'none' });
    expect(root.textContent).not.toContain('Create contact');
  });
});

describe('the options page', () => {
  const view = (settings: Settings = structuredClone(defaultSettings)): OptionsView => ({
    settings,
    warnings: [],
    locked: [],
    credentialsSaved: [],
    credentialsLocked: [],
  });

  test('applying a preset fills the templates and mapping; parts it lacks are cleared', () => {
    const salesforce = CRM_PRESETS.find((preset) => preset.id === 'salesforce');
    const odoo = CRM_PRESETS.find((preset) => preset.id === 'odoo');
    if (!salesforce || !odoo) throw new Error('presets missing');
    const filled = applyPreset(defaultSettings, salesforce);
    expect(filled.lookup).toMatchObject({
      mode: 'background',
      listPath: 'searchRecords',
      namePath: 'Name',
      idPath: 'Id',
    });
    expect(filled.record.urlTemplate).toContain('/lightning/r/Contact/{id}/view');
    const cleared = applyPreset(filled, odoo);
    expect(cleared.lookup.mode).toBe('off');
    expect(cleared.lookup.urlTemplate).toBe('');
    expect(cleared.record.createTemplate).toBe('https://YOUR-ODOO/odoo/contacts/new');
  });

  test('the preset picker marks unverified parts, fills the fields, and the key field appears for background lookups', async () => {
    mock.handlers.getOptions = () => view();
    render(<Options />, root);
    await until(() => $('form'));
    const select = $<HTMLSelectElement>('[name="crmPreset"]');
    const hubspot = [...select.options].find((option) => option.value === 'hubspot');
    expect(hubspot?.textContent).toBe('HubSpot (partly unverified)');
    expect([...select.options].find((option) => option.value === 'dynamics')?.textContent).toBe(
      'Microsoft Dynamics 365',
    );
    expect($('[name="credential.lookupKey"]')).toBeNull();
    await act(async () => {
      select.value = 'pipedrive';
      select.dispatchEvent(new Event('change', { bubbles: true }));
    });
    expect($('[data-part="record"]').getAttribute('data-status')).toBe('unverified');
    expect($('[data-part="lookup"]').getAttribute('data-status')).toBe('documented');
    expect($('[data-part="create"]').textContent).toContain('not available');
    await act(async () => $<HTMLButtonElement>('[name="applyPreset"]').click());
    expect($<HTMLInputElement>('[name="lookup.urlTemplate"]').value).toContain('pipedrive.com/api/v1/persons/search');
    expect($<HTMLInputElement>('[name="lookup.keyHeader"]').value).toBe('x-api-token');
    expect($<HTMLSelectElement>('[name="lookup.mode"]').value).toBe('background');
    expect($('[name="credential.lookupKey"]')?.getAttribute('type')).toBe('password');
    expect(root.textContent).not.toMatch(/\b(setting|section|preset\w*|recordWhen|lookupMode)_\w+/);
  });
});
