/**
 * The call-log outbox store (IndexedDB, in Node with fake-indexeddb) and what an answer means
 * (send.ts `judge`): one entry per call, the due index holds only what is still to send, entries
 * that are not entries are skipped, and CRM answers map to the outbox's results.
 */
import 'fake-indexeddb/auto';
import { openOutboxDb } from '../../src/background/crmlog/db';
import { judge } from '../../src/background/crmlog/send';
import { OutboxStore } from '../../src/background/crmlog/store';
import type { LogFacts } from '../../src/shared/crm/log/facts';
import { applyResult, newEntry, startSend } from '../../src/shared/crm/log/outbox';
import type { LogConfig } from '../../src/shared/crm/log/plan';

jest.mock('webextension-polyfill', () => ({ __esModule: true, default: {} }));

let n = 0;
const fresh = () => {
  const name = `crmlog-test-${++n}`;
  return { name, store: new OutboxStore(() => openOutboxDb(name)) };
};
const facts = (callId: string) => ({ callId, recordId: 'c-1' }) as LogFacts;

test('one entry per call: a second add for the same call is ignored (the first keeps its state)', async () => {
  const { store } = fresh();
  expect(await store.add(newEntry(facts('s-1'), 'end', 0, 10))).toBe(true);
  await store.change('s-1', (entry) => startSend(entry, 'create', 11));
  expect(await store.add(newEntry(facts('s-1'), 'end', 0, 12))).toBe(false);
  expect((await store.get('s-1'))?.state).toBe('sending');
});

test('the due index: waiting, wrap-up and sending entries only, soonest first; logged and failed leave it', async () => {
  const { store } = fresh();
  await store.add(newEntry(facts('late'), 'wrapUp', 60_000, 0));
  await store.add(newEntry(facts('soon'), 'end', 0, 5));
  await store.add(newEntry(facts('logged'), 'end', 0, 1));
  await store.add(newEntry(facts('manual'), 'manual', 0, 1));
  await store.change('logged', (entry) =>
    applyResult(startSend(entry, 'create', 2), { kind: 'ok', activityId: 'a-1' }, 3, Math.random),
  );
  expect((await store.open()).map((entry) => entry.sessionId)).toEqual(['soon', 'late']);
  expect((await store.open(10)).map((entry) => entry.sessionId)).toEqual(['soon']);
  // Positive control: every entry is still there, only not in the index.
  expect((await store.all()).map((entry) => entry.sessionId).sort()).toEqual(['late', 'logged', 'manual', 'soon']);
});

test('stored values that are not entries are skipped, not sent', async () => {
  const { name, store } = fresh();
  await store.add(newEntry(facts('good'), 'end', 0, 1));
  const db = await openOutboxDb(name);
  await db.put('outbox', { sessionId: 'bad', state: 'waiting', dueAt: 0 });
  await db.put('outbox', { sessionId: 'worse', key: 'k', state: 'evil', facts: {}, nextAt: 0, revision: 0, dueAt: 0 });
  db.close();
  const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  expect((await store.open()).map((entry) => entry.sessionId)).toEqual(['good']);
  expect(warn).toHaveBeenCalledWith(expect.stringContaining('skipped 2 invalid outbox entries'));
  warn.mockRestore();
});

test('the pause survives a reopened database', async () => {
  const { name, store } = fresh();
  await store.setPause({ since: 1, status: 401, probeAt: 2 });
  const again = new OutboxStore(() => openOutboxDb(name));
  expect(await again.pause()).toEqual({ since: 1, status: 401, probeAt: 2 });
  await again.setPause(undefined);
  expect(await store.pause()).toBeUndefined();
});

const config = {
  mode: 'background',
  origin: 'https://crm.example.com',
  create: { method: 'POST', url: 'https://crm.example.com/a', body: '' },
  find: { url: 'https://crm.example.com/a?k={idempotencyKey}', idPath: 'items.0.id' },
  idPath: 'activity.id',
  keyHeader: 'Authorization',
  csrf: { kind: 'none', name: '', sendHeader: '', url: '' },
} as LogConfig;

test('what an answer means: ids, the CRM reason, pauses, retries, and what was never sent', () => {
  expect(judge('create', config, { ok: true, status: 201, json: { activity: { id: 'a-1' } }, sent: true })).toEqual({
    kind: 'ok',
    activityId: 'a-1',
  });
  expect(judge('create', config, { ok: true, status: 201, json: { activity: { id: {} } }, sent: true })).toMatchObject({
    kind: 'rejected',
    landed: true,
  });
  expect(
    judge('create', config, { ok: false, status: 201, error: 'the answer is too large', sent: true }),
  ).toMatchObject({ kind: 'rejected', landed: true });
  expect(judge('create', config, { ok: false, status: 422, json: { message: 'Subject?' }, sent: true })).toEqual({
    kind: 'rejected',
    status: 422,
    reason: 'Subject?',
  });
  expect(judge('create', config, { ok: false, status: 401, json: {}, sent: true })).toMatchObject({ kind: 'auth' });
  expect(judge('create', config, { ok: false, status: 503, sent: true })).toMatchObject({
    kind: 'retry',
    maybeSent: true,
  });
  expect(judge('create', config, { ok: false, error: 'no answer in time', sent: true })).toMatchObject({
    kind: 'retry',
    maybeSent: true,
  });
  expect(judge('create', config, { ok: false, error: 'open the CRM to log calls', sent: false })).toEqual({
    kind: 'notSent',
    reason: 'open the CRM to log calls',
  });
  expect(judge('find', config, { ok: true, status: 200, json: { items: [{ id: 'a-9' }] }, sent: true })).toEqual({
    kind: 'ok',
    activityId: 'a-9',
  });
  expect(judge('find', config, { ok: true, status: 200, json: { items: [] }, sent: true })).toEqual({ kind: 'ok' });
  expect(judge('find', config, { ok: false, status: 404, sent: true })).toEqual({ kind: 'ok' });
  expect(judge('update', config, { ok: true, status: 204, json: null, sent: true })).toEqual({ kind: 'ok' });
});
