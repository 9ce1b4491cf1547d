/** Call logging in the pages (jsdom, background mocked): the options' log templates, and each call's state in the history. */
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { Options } from '../../src/options/Options';
import { neededOrigins } from '../../src/options/permissions';
import { RecentCalls } from '../../src/popup/RecentCalls';
import type { CrmLogView } from '../../src/shared/crm/log/outbox';
import type { HistoryView } from '../../src/shared/history';
import { defaultSettings } from '../../src/shared/settings';
import type { OptionsView } from '../../src/shared/settings/options';
import { mock } from '../support/browserMock';
import { $, freshRootPerTest, root, until } from '../support/dom';

jest.mock('webextension-polyfill', () => require('../support/browserMock').browserModule);

freshRootPerTest();

const view = (patch: Partial<OptionsView> = {}): OptionsView => ({
  settings: structuredClone(defaultSettings),
  warnings: [],
  locked: [],
  credentialsSaved: [],
  credentialsLocked: [],
  ...patch,
});
const named = <T extends Element = HTMLInputElement>(name: string) => $<T>(`[name="${name}"]`);
async function fire(element: Element, type: 'input' | 'change', value: string) {
  await act(async () => {
    (element as HTMLInputElement).value = value;
    element.dispatchEvent(new Event(type, { bubbles: true }));
  });
}
const click = (element: Element) => act(async () => (element as HTMLElement).click());

async function mountOptions(initial = view()) {
  mock.handlers.getOptions = () => structuredClone(initial);
  render(<Options />, root);
  await until(() => $('[data-crm-log-templates]'));
}

test('options: a preset fills the log templates, the example request shows JSON-encoded values, a foreign origin is named', async () => {
  await mountOptions();
  expect($('[data-crm-log-problem]')).toBeNull();
  await fire(named('crmLogPreset'), 'change', 'demo');
  expect($('[data-crm-log-templates] [data-status]').getAttribute('data-status')).toBe('documented');
  await click(named('applyCrmLogPreset'));
  expect(named('crmlog.createUrl').value).toBe('http://127.0.0.1:8765/crm/api/activities');
  expect(named<HTMLSelectElement>('crmlog.csrf').value).toBe('meta');
  expect($('[data-crm-log-problem]')?.textContent ?? null).toBeNull();
  const example = $('.crm-log-example pre').textContent ?? '';
  expect(example).toMatch(/^POST http:\/\/127\.0\.0\.1:8765\/crm\/api\/activities/);
  const body = JSON.parse(example.split('\n\n')[1] ?? '');
  expect(body).toMatchObject({
    contactId: 'r-1',
    durationSeconds: 185,
    note: 'Wants a callback "tomorrow" {not a placeholder}',
  });
  // Positive control above: no problem. Now an update address on another site.
  await fire(named('crmlog.updateUrl'), 'input', 'https://evil.example/x/{activityId}');
  await until(() => $('[data-crm-log-problem]'));
  expect($('[data-crm-log-problem]').getAttribute('data-crm-log-problem')).toBe('foreignOrigin');
  // The background key field appears for background mode only.
  expect($('#credential-crmLogKey')).toBeNull();
  await fire(named('crmlog.mode'), 'change', 'background');
  await until(() => $('#credential-crmLogKey'));
});

test('options: a policy locks when calls are logged, and the presets cannot overwrite it', async () => {
  await mountOptions(view({ locked: ['crmlog.when'] }));
  expect(named<HTMLSelectElement>('crmlog.when').disabled).toBe(true);
  // Positive control: an unlocked neighbour is editable.
  expect(named<HTMLSelectElement>('crmlog.mode').disabled).toBe(false);
  await fire(named('crmLogPreset'), 'change', 'salesforce');
  expect(named<HTMLButtonElement>('applyCrmLogPreset').disabled).toBe(true);
});

describe('history: each call shows its call-log state', () => {
  const record = (sessionId: string): HistoryView => ({
    sessionId,
    source: 'live',
    direction: 'inbound',
    number: '030 123456',
    e164: '+4930123456',
    numberDisplay: '030 123456',
    name: `Caller ${sessionId}`,
    startedAt: Date.now() - 60_000,
    endedAt: Date.now() - 30_000,
    outcome: 'answered',
    updatedAt: Date.now(),
  });
  const states: Record<string, CrmLogView> = {
    logged: { state: 'logged', canOpen: true },
    failed: { state: 'failed', reason: '<img src=x onerror=alert(1)> Subject is required', canOpen: false },
    paused: { state: 'waiting', paused: true, reason: 'log in to the CRM first', canOpen: false },
    manual: { state: 'manual', canOpen: false },
  };

  test('logged, failed (why), waiting for login, by hand; Retry and Open in CRM ask the background', async () => {
    mock.handlers.historyQuery = () => ({
      records: [...Object.keys(states), 'none'].map(record),
      page: 0,
      pageSize: 20,
      hasMore: false,
      skipped: 0,
    });
    mock.handlers.crmLogStates = () => states;
    mock.handlers.crmLogRetry = () => ({ ok: true });
    mock.handlers.crmLogOpen = () => ({ ok: true });
    render(<RecentCalls canDial />, root);
    await until(() => $('[data-crm-log]'));
    const row = (id: string) => $(`.recent-row[data-session="${id}"]`);
    expect(row('logged').querySelector('[data-crm-log]')?.getAttribute('data-crm-log')).toBe('logged');
    expect(row('failed').textContent).toContain('<img src=x onerror=alert(1)> Subject is required');
    expect(row('failed').querySelector('img')).toBeNull();
    expect(row('paused').querySelector('[data-crm-log]')?.getAttribute('data-crm-log')).toBe('paused');
    expect(row('none').querySelector('[data-crm-log]')).toBeNull();
    expect(row('logged').querySelector('[name="crmLogRetry"]')).toBeNull();
    await click(row('failed').querySelector('[name="crmLogRetry"]') as Element);
    await click(row('manual').querySelector('[name="crmLogRetry"]') as Element);
    await click(row('logged').querySelector('[name="crmLogOpen"]') as Element);
    const sent = mock.sent.filter((m) => m.type === 'crmLogRetry' || m.type === 'crmLogOpen');
    expect(sent).toEqual([
      { type: 'crmLogRetry', body: { sessionId: 'failed' } },
      { type: 'crmLogRetry', body: { sessionId: 'manual' } },
      { type: 'crmLogOpen', body: { sessionId: 'logged' } },
    ]);
    expect(mock.sent.find((m) => m.type === 'crmLogStates')?.body).toEqual({
      sessionIds: ['logged', 'failed', 'paused', 'manual', 'none'],
    });
  });
});

test('options: background call logging asks for the CRM API origin, content mode does not', () => {
  const settings = structuredClone(defaultSettings);
  settings.crmlog = { ...settings.crmlog, mode: 'background', createUrl: 'https://api.crm.example.com/v1/calls' };
  expect(neededOrigins(settings)).toContain('https://api.crm.example.com/*');
  settings.crmlog.mode = 'content';
  expect(neededOrigins(settings)).not.toContain('https://api.crm.example.com/*');
});
