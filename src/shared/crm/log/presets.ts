/**
 * Ready-made call-logging templates for the CRMs of docs/crm.md's preset table, keyed by the
 * lookup preset's id. Each names the CRM's documented endpoint for a call activity and says
 * whether the form was checked against the vendor's documentation ('documented', with the page)
 * or not ('unverified'). Field names are a choice to adjust; replace the YOUR-… parts first.
 * A CRM without a plain JSON endpoint for call activities (vtiger, Odoo's JSON-RPC) has none.
 */
import type { Settings } from '../../settings';
import type { Verification } from '../presets';

export interface LogPreset {
  id: string;
  /** The activity the CRM keeps a call as, in its own words (not translated). */
  activity: string;
  status: Verification;
  source?: string;
  mode: 'content' | 'background';
  keyHeader?: string;
  create: { method: 'POST' | 'PUT' | 'PATCH'; url: string; body: string };
  idPath: string;
  update?: { method: 'POST' | 'PUT' | 'PATCH'; url: string; body: string };
  find?: { url: string; idPath: string };
  openUrl?: string;
  csrf?: { kind: 'meta' | 'cookie' | 'header'; name: string; sendHeader: string; url?: string };
}

const json = (value: unknown) => JSON.stringify(value);
const DEMO = 'http://127.0.0.1:8765/crm';

export const LOG_PRESETS: readonly LogPreset[] = [
  {
    id: 'demo',
    activity: 'activity',
    status: 'documented',
    source: 'docs/crm.md',
    mode: 'content',
    create: {
      method: 'POST',
      url: `${DEMO}/api/activities`,
      body: json({
        contactId: '{recordId}',
        subject: 'Call {direction} {number}',
        direction: '{direction}',
        outcome: '{outcome}',
        startedAt: '{start}',
        endedAt: '{end}',
        durationSeconds: '{duration}',
        note: '{note}',
        tag: '{tag}',
        agent: '{agentName} ({extension})',
        recording: '{recordingUrl}',
        callId: '{callId}',
      }),
    },
    idPath: 'activity.id',
    update: {
      method: 'PATCH',
      url: `${DEMO}/api/activities/{activityId}`,
      body: json({ note: '{note}', tag: '{tag}', outcome: '{outcome}', durationSeconds: '{duration}' }),
    },
    find: { url: `${DEMO}/api/activities?key={idempotencyKey}`, idPath: 'activities.0.id' },
    openUrl: `${DEMO}/contacts/{recordId}`,
    csrf: { kind: 'meta', name: 'csrf-token', sendHeader: 'X-CSRF-Token' },
  },
  {
    id: 'salesforce',
    activity: 'Task (TaskSubtype Call)',
    status: 'documented',
    source: 'https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_sobject_create.htm',
    mode: 'background',
    keyHeader: 'Authorization',
    create: {
      method: 'POST',
      url: 'https://YOUR-DOMAIN.my.salesforce.com/services/data/v60.0/sobjects/Task',
      body: json({
        Subject: 'Call {direction} {number}',
        TaskSubtype: 'Call',
        Status: 'Completed',
        WhoId: '{recordId}',
        CallType: '{direction}',
        CallDurationInSeconds: '{duration}',
        CallDisposition: '{tag}',
        CallObject: '{callId}',
        Description: '{note}',
      }),
    },
    idPath: 'id',
    update: {
      method: 'PATCH',
      url: 'https://YOUR-DOMAIN.my.salesforce.com/services/data/v60.0/sobjects/Task/{activityId}',
      body: json({ Description: '{note}', CallDisposition: '{tag}' }),
    },
    // The Lightning UI is on another origin than the API: "Open in CRM" opens the contact's record.
  },
  {
    id: 'hubspot',
    activity: 'call engagement',
    status: 'documented',
    source: 'https://developers.hubspot.com/docs/api/crm/calls',
    mode: 'background',
    keyHeader: 'Authorization',
    create: {
      method: 'POST',
      url: 'https://api.hubapi.com/crm/v3/objects/calls',
      body: json({
        properties: {
          hs_timestamp: '{start}',
          hs_call_title: 'Call {direction} {number}',
          hs_call_body: '{note}',
          hs_call_duration: '{durationMs}',
          hs_call_direction: '{direction}',
          hs_call_from_number: '{e164}',
          hs_call_recording_url: '{recordingUrl}',
          hs_call_status: 'COMPLETED',
        },
      }),
    },
    idPath: 'id',
    update: {
      method: 'PATCH',
      url: 'https://api.hubapi.com/crm/v3/objects/calls/{activityId}',
      body: json({ properties: { hs_call_body: '{note}' } }),
    },
  },
  {
    id: 'zoho',
    activity: 'Calls module record',
    status: 'documented',
    source: 'https://www.zoho.com/crm/developer/docs/api/v2/insert-records.html',
    mode: 'background',
    keyHeader: 'Authorization',
    create: {
      method: 'POST',
      url: 'https://www.zohoapis.com/crm/v2/Calls',
      body: json({
        data: [
          {
            Subject: 'Call {direction} {number}',
            Call_Type: '{direction}',
            Call_Start_Time: '{start}',
            Call_Duration: '{durationClock}',
            Description: '{note}',
            Call_Result: '{tag}',
            Who_Id: '{recordId}',
          },
        ],
      }),
    },
    idPath: 'data.0.details.id',
    update: {
      method: 'PUT',
      url: 'https://www.zohoapis.com/crm/v2/Calls/{activityId}',
      body: json({ data: [{ Description: '{note}', Call_Result: '{tag}' }] }),
    },
  },
  {
    id: 'pipedrive',
    activity: 'call log',
    status: 'documented',
    source: 'https://developers.pipedrive.com/docs/api/v1/CallLogs#addCallLog',
    mode: 'background',
    keyHeader: 'x-api-token',
    // Pipedrive's call logs cannot be changed once added: a later note edit stays in PopLine.
    create: {
      method: 'POST',
      url: 'https://YOUR-COMPANY.pipedrive.com/api/v1/callLogs',
      body: json({
        subject: 'Call {direction} {number}',
        duration: '{duration}',
        outcome: 'connected',
        from_phone_number: '{e164}',
        to_phone_number: '{extension}',
        start_time: '{start}',
        end_time: '{end}',
        person_id: '{recordId}',
        note: '{note}',
      }),
    },
    idPath: 'data.id',
  },
  {
    id: 'dynamics',
    activity: 'phonecall activity',
    status: 'unverified',
    source: 'https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/reference/phonecall',
    mode: 'content',
    // The id is in the answer only with `Prefer: return=representation`, which templates cannot send yet.
    create: {
      method: 'POST',
      url: 'https://YOUR-ORG.crm.dynamics.com/api/data/v9.2/phonecalls',
      body: json({
        subject: 'Call {direction} {number}',
        phonenumber: '{e164}',
        description: '{note}',
        actualdurationminutes: '{duration}',
        'regardingobjectid_contact@odata.bind': '/contacts({recordId})',
      }),
    },
    idPath: 'activityid',
    update: {
      method: 'PATCH',
      url: 'https://YOUR-ORG.crm.dynamics.com/api/data/v9.2/phonecalls({activityId})',
      body: json({ description: '{note}' }),
    },
  },
  {
    id: 'zendesk',
    activity: 'ticket (Talk Partner Edition)',
    status: 'documented',
    source: 'https://developer.zendesk.com/api-reference/voice/talk-partner-edition-api/reference/',
    mode: 'content',
    create: {
      method: 'POST',
      url: 'https://YOUR-SUBDOMAIN.zendesk.com/api/v2/channels/voice/tickets',
      body: json({
        display_to_agent: '{extension}',
        ticket: {
          via_id: 45,
          subject: 'Call {direction} {number}',
          requester_id: '{recordId}',
          comment: { body: '{note}' },
          tags: ['{tag}'],
        },
      }),
    },
    idPath: 'ticket.id',
    update: {
      method: 'PUT',
      url: 'https://YOUR-SUBDOMAIN.zendesk.com/api/v2/tickets/{activityId}.json',
      body: json({ ticket: { comment: { body: '{note}' } } }),
    },
    openUrl: 'https://YOUR-SUBDOMAIN.zendesk.com/agent/tickets/{activityId}',
    csrf: { kind: 'meta', name: 'csrf-token', sendHeader: 'X-CSRF-Token' },
  },
  {
    id: 'freshsales',
    activity: 'phone call',
    status: 'unverified',
    source: 'https://developers.freshworks.com/crm/api/',
    mode: 'background',
    keyHeader: 'Authorization',
    create: {
      method: 'POST',
      url: 'https://YOUR-DOMAIN.myfreshworks.com/crm/sales/api/phone_calls',
      body: json({
        phone_call: {
          call_direction: '{direction}',
          targetable_type: 'contact',
          targetable: { id: '{recordId}' },
          note: { description: '{note}' },
          call_duration: '{duration}',
        },
      }),
    },
    idPath: 'phone_call.id',
  },
  {
    id: 'suitecrm',
    activity: 'Calls module record (V8 JSON:API)',
    status: 'unverified',
    mode: 'background',
    keyHeader: 'Authorization',
    create: {
      method: 'POST',
      url: 'https://YOUR-SUITECRM/Api/V8/module',
      body: json({
        data: {
          type: 'Calls',
          attributes: {
            name: 'Call {direction} {number}',
            direction: '{direction}',
            status: 'Held',
            date_start: '{start}',
            duration_minutes: '{duration}',
            description: '{note}',
            parent_type: 'Contacts',
            parent_id: '{recordId}',
          },
        },
      }),
    },
    idPath: 'data.id',
    update: {
      method: 'PATCH',
      url: 'https://YOUR-SUITECRM/Api/V8/module',
      body: json({ data: { type: 'Calls', id: '{activityId}', attributes: { description: '{note}' } } }),
    },
  },
];

/** The settings with a log preset's templates in place (parts it lacks are cleared). */
export function applyLogPreset(settings: Settings, preset: LogPreset): Settings {
  return {
    ...settings,
    crmlog: {
      ...settings.crmlog,
      mode: preset.mode,
      keyHeader: preset.keyHeader ?? settings.crmlog.keyHeader,
      createMethod: preset.create.method,
      createUrl: preset.create.url,
      createBody: preset.create.body,
      idPath: preset.idPath,
      updateMethod: preset.update?.method ?? 'PATCH',
      updateUrl: preset.update?.url ?? '',
      updateBody: preset.update?.body ?? '',
      findUrl: preset.find?.url ?? '',
      findIdPath: preset.find?.idPath ?? '',
      openUrl: preset.openUrl ?? '',
      csrf: preset.csrf?.kind ?? 'none',
      csrfName: preset.csrf?.name ?? '',
      csrfHeader: preset.csrf?.sendHeader ?? 'X-CSRF-Token',
      csrfUrl: preset.csrf?.url ?? '',
    },
  };
}
