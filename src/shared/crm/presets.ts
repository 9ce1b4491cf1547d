/**
 * Ready-made record, lookup and "create contact" templates for common web CRMs (docs/crm.md).
 * Each part says whether its address form was checked against the vendor's documentation
 * ('documented', with the page) or not ('unverified'): the options page shows which, and an
 * administrator edits them (YOUR-… parts first) before use. A part a CRM cannot do with a
 * plain GET (HubSpot's and Odoo's searches are POST-only) is left out.
 */

import type { Settings } from '../settings';
import type { LookupMap } from './lookupMap';

export type Verification = 'documented' | 'unverified';

export interface PresetPart {
  template: string;
  status: Verification;
  /** Where the address form is documented. */
  source?: string;
}

export interface LookupPresetPart extends PresetPart {
  mode: 'content' | 'background';
  keyHeader: string;
  map: LookupMap;
}

export interface CrmPreset {
  id: string;
  /** A product name: not translated. */
  name: string;
  record?: PresetPart;
  create?: PresetPart;
  lookup?: LookupPresetPart;
}

const map = (patch: Partial<LookupMap>): LookupMap => ({
  listPath: '',
  namePath: '',
  companyPath: '',
  recordUrlPath: '',
  notePath: '',
  idPath: '',
  ...patch,
});

const SALESFORCE_PAGES =
  'https://developer.salesforce.com/docs/atlas.en-us.lightning.meta/lightning/components_navigation_page_definitions.htm';
const DYNAMICS_URLS =
  'https://learn.microsoft.com/en-us/previous-versions/dynamicscrm-2015/developers-guide/gg328483(v=crm.7)';

export const CRM_PRESETS: readonly CrmPreset[] = [
  {
    id: 'demo',
    name: 'PopLine demo CRM (simulator)',
    record: { template: 'http://127.0.0.1:8765/crm/contacts/{id}', status: 'documented', source: 'docs/crm.md' },
    create: {
      template: 'http://127.0.0.1:8765/crm/contacts/new?phone={e164}',
      status: 'documented',
      source: 'docs/crm.md',
    },
    lookup: {
      template: 'http://127.0.0.1:8765/crm/api/contacts?phone={number}',
      status: 'documented',
      source: 'docs/crm.md',
      mode: 'content',
      keyHeader: 'Authorization',
      map: map({
        listPath: 'contacts',
        namePath: 'name',
        companyPath: 'company',
        recordUrlPath: 'url',
        notePath: 'note',
        idPath: 'id',
      }),
    },
  },
  {
    id: 'salesforce',
    name: 'Salesforce',
    record: {
      template: 'https://YOUR-DOMAIN.lightning.force.com/lightning/r/Contact/{id}/view',
      status: 'documented',
      source: SALESFORCE_PAGES,
    },
    create: {
      template: 'https://YOUR-DOMAIN.lightning.force.com/lightning/o/Contact/new',
      status: 'documented',
      source: SALESFORCE_PAGES,
    },
    lookup: {
      template:
        'https://YOUR-DOMAIN.my.salesforce.com/services/data/v60.0/parameterizedSearch/?q={number}&sobject=Contact&Contact.fields=Id,Name,Title',
      status: 'documented',
      source: 'https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_search.htm',
      mode: 'background',
      keyHeader: 'Authorization',
      map: map({ listPath: 'searchRecords', namePath: 'Name', notePath: 'Title', idPath: 'Id' }),
    },
  },
  {
    id: 'hubspot',
    name: 'HubSpot',
    record: {
      template: 'https://app.hubspot.com/contacts/YOUR-HUB-ID/objects/0-1/views/all/list?query={e164}',
      status: 'unverified',
    },
  },
  {
    id: 'zoho',
    name: 'Zoho CRM',
    record: { template: 'https://crm.zoho.com/crm/YOUR-ORG/tab/Contacts/{id}', status: 'unverified' },
    create: { template: 'https://crm.zoho.com/crm/YOUR-ORG/tab/Contacts/create', status: 'unverified' },
    lookup: {
      template: 'https://www.zohoapis.com/crm/v2/Contacts/search?criteria=(Phone:equals:{number})',
      status: 'documented',
      source: 'https://www.zoho.com/de/crm/help/api-diff/searchRecords.html',
      mode: 'background',
      keyHeader: 'Authorization',
      map: map({
        listPath: 'data',
        namePath: 'Full_Name',
        companyPath: 'Account_Name.name',
        notePath: 'Title',
        idPath: 'id',
      }),
    },
  },
  {
    id: 'pipedrive',
    name: 'Pipedrive',
    record: { template: 'https://YOUR-COMPANY.pipedrive.com/person/{id}', status: 'unverified' },
    lookup: {
      template: 'https://YOUR-COMPANY.pipedrive.com/api/v1/persons/search?term={number}&fields=phone',
      status: 'documented',
      source: 'https://developers.pipedrive.com/docs/api/v1/Persons#searchPersons',
      mode: 'background',
      keyHeader: 'x-api-token',
      map: map({
        listPath: 'data.items',
        namePath: 'item.name',
        companyPath: 'item.organization.name',
        idPath: 'item.id',
      }),
    },
  },
  {
    id: 'dynamics',
    name: 'Microsoft Dynamics 365',
    record: {
      template: 'https://YOUR-ORG.crm.dynamics.com/main.aspx?etn=contact&pagetype=entityrecord&id={id}',
      status: 'documented',
      source: DYNAMICS_URLS,
    },
    create: {
      template: 'https://YOUR-ORG.crm.dynamics.com/main.aspx?etn=contact&pagetype=entityrecord',
      status: 'documented',
      source: DYNAMICS_URLS,
    },
    lookup: {
      template:
        "https://YOUR-ORG.crm.dynamics.com/api/data/v9.2/contacts?$select=fullname,jobtitle,contactid&$filter=telephone1%20eq%20'{number}'%20or%20mobilephone%20eq%20'{number}'",
      status: 'documented',
      source: 'https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/web-api-query-data-sample',
      mode: 'content',
      keyHeader: 'Authorization',
      map: map({ listPath: 'value', namePath: 'fullname', notePath: 'jobtitle', idPath: 'contactid' }),
    },
  },
  {
    id: 'zendesk',
    name: 'Zendesk',
    record: { template: 'https://YOUR-SUBDOMAIN.zendesk.com/agent/users/{id}', status: 'unverified' },
    lookup: {
      template: 'https://YOUR-SUBDOMAIN.zendesk.com/api/v2/search.json?query=role%3Aend-user%20phone%3A{e164digits}',
      status: 'documented',
      source:
        'https://developer.zendesk.com/documentation/voice/talk-partner-edition/retrieving-the-zendesk-user-id-of-a-caller/',
      mode: 'content',
      keyHeader: 'Authorization',
      map: map({ listPath: 'results', namePath: 'name', notePath: 'notes', idPath: 'id' }),
    },
  },
  {
    id: 'freshsales',
    name: 'Freshsales',
    record: { template: 'https://YOUR-DOMAIN.myfreshworks.com/crm/sales/contacts/{id}', status: 'unverified' },
    lookup: {
      template: 'https://YOUR-DOMAIN.myfreshworks.com/crm/sales/api/search?q={number}&include=contact',
      status: 'unverified',
      source: 'https://developers.freshworks.com/crm/api/',
      mode: 'background',
      keyHeader: 'Authorization',
      map: map({ namePath: 'name', idPath: 'id' }),
    },
  },
  {
    id: 'suitecrm',
    name: 'SuiteCRM 7',
    record: {
      template: 'https://YOUR-SUITECRM/index.php?module=Contacts&action=DetailView&record={id}',
      status: 'documented',
      source: 'http://docs.sugarcrm.com.s3.amazonaws.com/Developer_Guides/Developer_Guide_5.1/DevGuide.1.13.html',
    },
    create: {
      template: 'https://YOUR-SUITECRM/index.php?module=Contacts&action=EditView&phone_work={e164}',
      status: 'unverified',
    },
    lookup: {
      template: 'https://YOUR-SUITECRM/Api/V8/module/Contacts?filter[phone_work][eq]={number}',
      status: 'unverified',
      mode: 'background',
      keyHeader: 'Authorization',
      map: map({
        listPath: 'data',
        namePath: 'attributes.first_name attributes.last_name',
        companyPath: 'attributes.account_name',
        idPath: 'id',
      }),
    },
  },
  {
    id: 'vtiger',
    name: 'vtiger CRM',
    record: {
      template:
        'https://YOUR-VTIGER/index.php?module=Contacts&view=List&search_params=%5B%5B%5B%22phone%22%2C%22c%22%2C%22{digits}%22%5D%5D%5D',
      status: 'unverified',
    },
    create: { template: 'https://YOUR-VTIGER/index.php?module=Contacts&view=Edit', status: 'unverified' },
  },
  {
    id: 'odoo',
    name: 'Odoo',
    record: { template: 'https://YOUR-ODOO/odoo/contacts/{id}', status: 'unverified' },
    create: { template: 'https://YOUR-ODOO/odoo/contacts/new', status: 'unverified' },
  },
];

export const presetParts = (preset: CrmPreset) => ({
  record: preset.record,
  lookup: preset.lookup,
  create: preset.create,
});

/** Whether any part of a preset is unverified. */
export const isPartlyUnverified = (preset: CrmPreset) =>
  Object.values(presetParts(preset)).some((part) => part?.status === 'unverified');

/** The settings with a preset's templates in place (parts it lacks are cleared). */
export function applyPreset(settings: Settings, preset: CrmPreset): Settings {
  const { record, create, lookup } = preset;
  return {
    ...settings,
    record: { ...settings.record, urlTemplate: record?.template ?? '', createTemplate: create?.template ?? '' },
    lookup: lookup
      ? {
          ...settings.lookup,
          mode: lookup.mode,
          urlTemplate: lookup.template,
          keyHeader: lookup.keyHeader,
          ...lookup.map,
        }
      : { ...settings.lookup, mode: 'off', urlTemplate: '' },
  };
}
