/** The outbox state machine: wrap-up, sends and answers, backoff with jitter, pauses, ambiguity, updates. */
import type { LogFacts } from '../../src/shared/crm/log/facts';
import {
  applyResult,
  BACKOFF_CAP_MS,
  cardLogOf,
  classifyStatus,
  fadeStart,
  interrupted,
  isDue,
  logBackoff,
  logHoldsCard,
  newEntry,
  nextDue,
  noteSaved,
  type OutboxEntry,
  pendingOp,
  retryNow,
  startSend,
  viewOf,
} from '../../src/shared/crm/log/outbox';

const facts = { callId: 's-1' } as LogFacts;
const half = () => 0.5;

const sendAndAnswer = (entry: OutboxEntry, result: Parameters<typeof applyResult>[1], now = 1000) =>
  applyResult(startSend(entry, pendingOp(entry, true, true) ?? 'create', now), result, now, half);

test('wrap-up: due when its time is up, or at once when the note is saved', () => {
  const entry = newEntry(facts, 'wrapUp', 60_000, 0);
  expect(entry).toMatchObject({ state: 'wrapUp', key: 'popline-s-1', nextAt: 60_000 });
  expect(isDue(entry, 59_999)).toBe(false);
  expect(isDue(entry, 60_000)).toBe(true);
  const saved = noteSaved(entry, 10);
  expect(saved).toMatchObject({ state: 'waiting', nextAt: 10, revision: 1 });
  expect(newEntry(facts, 'end', 60_000, 5)).toMatchObject({ state: 'waiting', nextAt: 5 });
  const manual = newEntry(facts, 'manual', 60_000, 5);
  expect(isDue(manual, 1e12)).toBe(false);
  expect(retryNow(manual, 7)).toMatchObject({ state: 'waiting', nextAt: 7 });
});

test('created once: the answer id is kept, and a later note edit is an update of that activity', () => {
  const logged = sendAndAnswer(newEntry(facts, 'end', 0, 0), { kind: 'ok', activityId: 'a-1' });
  expect(logged).toMatchObject({ state: 'logged', activityId: 'a-1', sentRevision: 0 });
  expect(pendingOp(logged, true, true)).toBeNull();
  const edited = noteSaved(logged, 2000);
  expect(edited.state).toBe('waiting');
  expect(pendingOp(edited, true, true)).toBe('update');
  const updated = sendAndAnswer(edited, { kind: 'ok' });
  expect(updated).toMatchObject({ state: 'logged', activityId: 'a-1', sentRevision: 1 });
});

test('a note saved while the create is under way is sent as an update afterwards', () => {
  const sending = startSend(newEntry(facts, 'end', 0, 0), 'create', 0);
  const during = noteSaved(sending, 1);
  expect(during.state).toBe('sending');
  const after = applyResult(during, { kind: 'ok', activityId: 'a-9' }, 2, half);
  expect(after).toMatchObject({ state: 'waiting', activityId: 'a-9', sentRevision: 0, revision: 1 });
  expect(pendingOp(after, false, true)).toBe('update');
});

test('5xx and timeouts retry with growing, jittered, capped backoff; other 4xx fail with the reason', () => {
  expect(classifyStatus(500)).toBe('retry');
  expect(classifyStatus(429)).toBe('retry');
  expect(classifyStatus(401)).toBe('auth');
  expect(classifyStatus(403)).toBe('auth');
  expect(classifyStatus(422)).toBe('rejected');
  expect(classifyStatus(201)).toBe('ok');
  let entry = newEntry(facts, 'end', 0, 0);
  const delays: number[] = [];
  for (let i = 0; i < 12; i++) {
    entry = sendAndAnswer(entry, { kind: 'retry', status: 503, reason: 'busy', maybeSent: false }, 0);
    delays.push(entry.nextAt);
  }
  expect(entry).toMatchObject({ state: 'waiting', attempts: 12, reason: 'busy' });
  expect(delays[1]).toBeGreaterThan(delays[0] as number);
  expect(Math.max(...delays)).toBeLessThanOrEqual(BACKOFF_CAP_MS);
  // Jitter: the same attempt waits anything from a second to its bound.
  expect(logBackoff(3, () => 0)).toBe(1000);
  expect(logBackoff(3, () => 0.999)).toBeGreaterThan(30_000);
  const failed = sendAndAnswer(newEntry(facts, 'end', 0, 0), {
    kind: 'rejected',
    status: 422,
    reason: 'Subject\u202e is required',
  });
  expect(failed).toMatchObject({ state: 'failed', status: 422 });
  expect(failed.reason).toMatch(/^Subject\s*is required$/);
  expect(isDue(failed, 1e12)).toBe(false);
  expect(retryNow(failed, 5)).toMatchObject({ state: 'waiting', nextAt: 5, attempts: 0 });
});

test('401/403 waits (the outbox pauses) without failing; the view says so', () => {
  const waiting = sendAndAnswer(newEntry(facts, 'end', 0, 0), { kind: 'auth', status: 401, reason: 'log in' });
  expect(waiting).toMatchObject({ state: 'waiting', status: 401 });
  expect(viewOf(waiting, true, false)).toMatchObject({ state: 'waiting', paused: true, reason: 'log in' });
  expect(viewOf(waiting, false, false).paused).toBeUndefined();
});

test('a worker stopped mid-send: the create is ambiguous, checked with find before sending again', () => {
  const sending = startSend(newEntry(facts, 'end', 0, 0), 'create', 0);
  const after = interrupted(sending, 10);
  expect(after).toMatchObject({ state: 'waiting', ambiguous: true, nextAt: 10 });
  expect(pendingOp(after, true, true)).toBe('find');
  // Without a find address, the create is repeated (with the same idempotency key).
  expect(pendingOp(after, false, true)).toBe('create');
  const found = sendAndAnswer(after, { kind: 'ok', activityId: 'a-5' });
  expect(found).toMatchObject({ activityId: 'a-5', ambiguous: false });
  const notFound = sendAndAnswer(after, { kind: 'ok' });
  expect(notFound).toMatchObject({ state: 'waiting', ambiguous: false });
  expect(pendingOp(notFound, true, true)).toBe('create');
  // Timeouts make a create ambiguous too; an entry never sent (offline) is not.
  const timedOut = sendAndAnswer(newEntry(facts, 'end', 0, 0), { kind: 'retry', reason: 'timeout', maybeSent: true });
  expect(timedOut.ambiguous).toBe(true);
  const offline = sendAndAnswer(newEntry(facts, 'end', 0, 0), { kind: 'notSent', reason: 'offline' });
  expect(offline).toMatchObject({ state: 'waiting', attempts: 0 });
  expect(offline.ambiguous).toBeFalsy();
});

test('a create answer without an id fails (a hostile answer never makes a phantom activity)', () => {
  expect(sendAndAnswer(newEntry(facts, 'end', 0, 0), { kind: 'ok' })).toMatchObject({ state: 'failed' });
});

test('nextDue: the earliest waiting entry', () => {
  const a = { ...newEntry(facts, 'end', 0, 50) };
  const b = newEntry({ callId: 's-2' } as LogFacts, 'wrapUp', 100, 0);
  const c = sendAndAnswer(newEntry({ callId: 's-3' } as LogFacts, 'end', 0, 0), { kind: 'ok', activityId: 'x' });
  expect(nextDue([a, b, c])).toBe(50);
  expect(nextDue([c])).toBeUndefined();
});

test('the card: the wrap-up with its end, then waiting (a retry keeps its start), logged, failed with the reason', () => {
  const entry = newEntry(facts, 'wrapUp', 60_000, 0);
  const inWrapUp = cardLogOf(entry, false, undefined, 5);
  expect(inWrapUp).toEqual({ state: 'wrapUp', since: 5, dueAt: 60_000 });
  expect(logHoldsCard(inWrapUp)).toBe(true);
  const sending = startSend(noteSaved(entry, 10), 'create', 10);
  const waiting = cardLogOf(sending, false, inWrapUp, 11);
  expect(waiting).toEqual({ state: 'waiting', since: 11 });
  const retry = applyResult(sending, { kind: 'retry', status: 503, reason: 'HTTP 503', maybeSent: false }, 20, half);
  expect(cardLogOf(retry, false, waiting, 30)).toEqual({ state: 'waiting', since: 11, reason: 'HTTP 503' });
  expect(cardLogOf(retry, true, waiting, 30)).toMatchObject({ paused: true });
  const logged = sendAndAnswer(retry, { kind: 'ok', activityId: 'a-1' }, 40);
  const shown = cardLogOf(logged, true, waiting, 41);
  expect(shown).toEqual({ state: 'logged', since: 41 });
  expect(logHoldsCard(shown)).toBe(false);
  expect(fadeStart(0, shown)).toBe(41);
  expect(fadeStart(100, undefined)).toBe(100);
  const failed = sendAndAnswer(newEntry(facts, 'end', 0, 0), { kind: 'rejected', status: 422, reason: 'bad <b>' });
  expect(cardLogOf(failed, false, undefined, 50)).toEqual({ state: 'failed', since: 50, reason: 'bad <b>' });
});
