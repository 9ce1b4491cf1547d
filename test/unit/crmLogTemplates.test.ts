/** Log templates (docs/crm.md, call logging): validation, encoding, origins, sizes, the answer's id. */
import { type LogFacts, logValues } from '../../src/shared/crm/log/facts';
import { activityIdIn, crmReason, logConfig, logRequest } from '../../src/shared/crm/log/plan';
import {
  fillLogBody,
  fillLogUrl,
  logBodyProblem,
  logUrlProblem,
  MAX_BODY_BYTES,
  SAMPLE,
} from '../../src/shared/crm/log/template';
import { defaultSettings, loadSettings } from '../../src/shared/settings';

const facts: LogFacts = {
  callId: 's-42',
  direction: 'inbound',
  number: '+49 30 1234567',
  e164: '+49301234567',
  e164digits: '49301234567',
  national: '030 1234567',
  digits: '49301234567',
  name: 'Anna',
  startedAt: Date.UTC(2026, 0, 2, 10, 0, 0),
  endedAt: Date.UTC(2026, 0, 2, 10, 3, 5),
  talkSeconds: 185,
  outcome: 'answered',
  extension: '1001',
  agentName: 'Jane',
  recordingUrl: '',
  recordId: 'c-1001',
};

test('address templates: the origin is fixed, values encoded, javascript: and foreign results refused', () => {
  expect(logUrlProblem('https://crm.example.com/api/activities', 'create')).toBeNull();
  expect(logUrlProblem('javascript:alert(1)//{note}', 'create')).toBe('notHttp');
  expect(logUrlProblem('https://{note}.example.com/a', 'create')).toBe('originNotFixed');
  expect(logUrlProblem('https://crm.example.com/a/{nonsense}', 'create')).toBe('unknownPlaceholder');
  // The activity id only where there is one.
  expect(logUrlProblem('https://crm.example.com/a/{activityId}', 'create')).toBe('unknownPlaceholder');
  expect(logUrlProblem('https://crm.example.com/a/{activityId}', 'update')).toBeNull();
  expect(logUrlProblem(`https://crm.example.com/${'a'.repeat(3000)}`, 'create')).toBe('tooLong');
  const url = fillLogUrl('https://crm.example.com/c/{recordId}/calls?n={note}', {
    ...SAMPLE,
    recordId: '../../evil.example/x',
    note: 'a&b=c#d',
  });
  expect(url).toBe('https://crm.example.com/c/..%2F..%2Fevil.example%2Fx/calls?n=a%26b%3Dc%23d');
  expect(new URL(url as string).origin).toBe('https://crm.example.com');
  // An address that needs the record or the activity is not filled without it.
  expect(fillLogUrl('https://crm.example.com/c/{recordId}/calls', { ...SAMPLE, recordId: '' })).toBeNull();
  // Positive control: with it, it is.
  expect(fillLogUrl('https://crm.example.com/c/{recordId}/calls', SAMPLE)).toBe('https://crm.example.com/c/r-1/calls');
});

test('body templates: JSON only, placeholders only inside strings, values JSON-encoded, durations numbers', () => {
  const template =
    '{"subject":"Call {direction} {number}","seconds":"{duration}","note":"{note}","who":{"id":"{recordId}"}}';
  expect(logBodyProblem(template, 'create')).toBeNull();
  expect(logBodyProblem('{"seconds": {duration}}', 'create')).toBe('notJson');
  expect(logBodyProblem('{"{note}": "x"}', 'create')).toBe('placeholderOutsideString');
  expect(logBodyProblem('"just a string"', 'create')).toBe('notJson');
  expect(logBodyProblem('{"a":"{bogus}"}', 'create')).toBe('unknownPlaceholder');
  expect(logBodyProblem(`{"a":"${'x'.repeat(9000)}"}`, 'create')).toBe('bodyTooLong');
  const hostile = '", "admin": true, "x": "</script><img src=x onerror=alert(1)> {tag} \u2028';
  const body = fillLogBody(template, logValues(facts, { note: hostile, tag: 'sale' }));
  const parsed = JSON.parse(body as string);
  expect(parsed).toEqual({
    subject: 'Call inbound +49 30 1234567',
    seconds: 185,
    note: hostile.slice(0, 4000),
    who: { id: 'c-1001' },
  });
  expect(Object.keys(parsed)).not.toContain('admin');
  // A placeholder inside a value is not filled again ("{tag}" in the note stays as typed).
  expect(parsed.note).toContain('{tag}');
});

test('a body too large is not sent; the note is clipped to the history limit', () => {
  const big = fillLogBody(
    '{"n":"{note}{note}{note}{note}{note}{note}{note}{note}{note}{note}{note}{note}{note}{note}{note}{note}{note}"}',
    logValues(facts, { note: 'é'.repeat(4000), tag: '' }),
  );
  expect(big).toBeNull();
  const fits = fillLogBody('{"n":"{note}"}', logValues(facts, { note: 'x'.repeat(10_000), tag: '' }));
  expect(JSON.parse(fits as string).n).toHaveLength(4000);
  expect(new TextEncoder().encode(fits as string).byteLength).toBeLessThan(MAX_BODY_BYTES);
});

test('values: ISO times, seconds, ms, m:ss, one idempotency key per call', () => {
  const values = logValues(facts, { note: 'n', tag: 't' });
  expect(values).toMatchObject({
    start: '2026-01-02T10:00:00.000Z',
    end: '2026-01-02T10:03:05.000Z',
    duration: '185',
    durationMs: '185000',
    durationClock: '3:05',
    idempotencyKey: 'popline-s-42',
    callId: 's-42',
  });
  expect(logValues({ ...facts, callId: 's-43' }, { note: '', tag: '' }).idempotencyKey).not.toBe(values.idempotencyKey);
});

function logSettings(patch: Partial<typeof defaultSettings.crmlog>) {
  const settings = structuredClone(defaultSettings);
  settings.crmlog = {
    ...settings.crmlog,
    mode: 'background',
    createUrl: 'https://crm.example.com/api/activities',
    createBody: '{"n":"{note}"}',
    ...patch,
  };
  return settings;
}

test('every address of the log must be on the create address origin: a foreign one is refused', () => {
  const good = logConfig(logSettings({ updateUrl: 'https://crm.example.com/api/activities/{activityId}' }));
  expect(good.ok).toBe(true);
  const foreign = logConfig(logSettings({ updateUrl: 'https://evil.example/steal/{activityId}' }));
  expect(foreign).toMatchObject({ ok: false, problem: 'foreignOrigin' });
  const foreignOpen = logConfig(logSettings({ openUrl: 'https://evil.example/{activityId}' }));
  expect(foreignOpen).toMatchObject({ ok: false, problem: 'foreignOrigin' });
  const csrf = logConfig(
    logSettings({ mode: 'content', csrf: 'header', csrfName: 'x-csrf-token', csrfUrl: 'https://evil.example/token' }),
  );
  expect(csrf).toMatchObject({ ok: false, problem: 'csrf' });
  expect(logConfig(defaultSettings)).toMatchObject({ ok: false, problem: 'off' });
});

test('settings: invalid log templates fall back to the default with a warning', () => {
  const { settings, warnings } = loadSettings({
    version: 1,
    crmlog: {
      createUrl: 'javascript:alert(1)',
      createBody: '{"a": {note}}',
      createMethod: 'DELETE',
      wrapUpSeconds: -1,
    },
  });
  expect(settings.crmlog.createUrl).toBe('');
  expect(settings.crmlog.createBody).toBe('');
  expect(settings.crmlog.createMethod).toBe('POST');
  expect(settings.crmlog.wrapUpSeconds).toBe(120);
  expect(warnings).toHaveLength(4);
});

test('requests: create, update with the activity id, find by key', () => {
  const result = logConfig(
    logSettings({
      updateUrl: 'https://crm.example.com/api/activities/{activityId}',
      updateBody: '{"n":"{note}"}',
      findUrl: 'https://crm.example.com/api/activities?key={idempotencyKey}',
      findIdPath: 'activities.0.id',
    }),
  );
  if (!result.ok) throw new Error(result.detail);
  const values = logValues(facts, { note: 'hi', tag: '' }, 'a 1');
  expect(logRequest(result.config, 'create', values)).toEqual({
    method: 'POST',
    url: 'https://crm.example.com/api/activities',
    body: '{"n":"hi"}',
  });
  expect(logRequest(result.config, 'update', values)?.url).toBe('https://crm.example.com/api/activities/a%201');
  expect(logRequest(result.config, 'find', values)).toEqual({
    method: 'GET',
    url: 'https://crm.example.com/api/activities?key=popline-s-42',
    body: '',
  });
  expect(logRequest(result.config, 'update', logValues(facts, { note: '', tag: '' }))).toBeNull();
});

test('the activity id in an answer: strings and numbers only, clean and short; reasons are clipped text', () => {
  expect(activityIdIn({ activity: { id: 'a-7' } }, 'activity.id')).toBe('a-7');
  expect(activityIdIn({ data: [{ details: { id: 4711 } }] }, 'data.0.details.id')).toBe('4711');
  expect(activityIdIn({ id: { $gt: '' } }, 'id')).toBeUndefined();
  expect(activityIdIn({ id: '<img src=x>' }, 'id')).toBeUndefined();
  expect(activityIdIn({ id: 'a'.repeat(5000) }, 'id')).toBeUndefined();
  expect(activityIdIn('nonsense', 'id')).toBeUndefined();
  expect(crmReason({ error: { message: 'Subject is required' } }, 422)).toBe('Subject is required');
  expect(crmReason({ errors: [{ message: 'x'.repeat(1000) }] }, 400).length).toBeLessThanOrEqual(300);
  expect(crmReason(null, 400)).toBe('HTTP 400');
});

test('every log preset passes the same validation as a typed template, on one origin', async () => {
  const { LOG_PRESETS, applyLogPreset } = await import('../../src/shared/crm/log/presets');
  expect(LOG_PRESETS.length).toBeGreaterThanOrEqual(8);
  for (const preset of LOG_PRESETS) {
    const settings = applyLogPreset(defaultSettings, preset);
    const { warnings } = loadSettings(settings);
    expect([preset.id, warnings]).toEqual([preset.id, []]);
    const config = logConfig(settings);
    expect([preset.id, config.ok]).toEqual([preset.id, true]);
    expect(['documented', 'unverified']).toContain(preset.status);
  }
});
