import { applyEvent, type CallBook, type CallEvent, emptyBook, type FollowRules } from '../../src/shared/calls';
import type { CtiSession } from '../../src/shared/protocol';

const rules: FollowRules = { extension: '1001', extraNumbers: [], monitorAll: false };
const T0 = Date.parse('2026-11-23T10:00:00Z');

const session = (id: string, state: string | number, patch: Partial<CtiSession> = {}): CtiSession => ({
  sessionId: id,
  state,
  caller: '+49 30 1234567',
  callee: '1001',
  callerDisplayName: 'Anna',
  startTime: '2026-11-23T09:59:59Z',
  ...patch,
});

function run(events: CallEvent[], book: CallBook = emptyBook(), now = T0): CallBook {
  let current = book;
  events.forEach((event, i) => {
    current = applyEvent(current, event, rules, now + i * 1000).book;
  });
  return current;
}

const snapshot = (seq: number, sessions: CtiSession[], fresh = true): CallEvent => ({
  type: 'snapshot',
  seq,
  sessions,
  fresh,
});
const upsert = (seq: number, s: CtiSession): CallEvent => ({ type: 'upsert', seq, session: s });

test('an inbound call rings, is answered, and ends answered', () => {
  const book = run([
    snapshot(0, []),
    upsert(1, session('a', 'Ringing')),
    upsert(2, session('a', 'InCall')),
    upsert(3, session('a', 'CalleeHungUp')),
  ]);
  expect(book.calls.a).toMatchObject({
    phase: 'ended',
    direction: 'inbound',
    remoteNumber: '+49 30 1234567',
    remoteName: 'Anna',
    endReason: 'answered',
    wasConnected: true,
  });
  expect(book.calls.a?.answeredAt).toBe(T0 + 2000);
  expect(book.calls.a?.endedAt).toBe(T0 + 3000);
});

test('a call that rang and ended unanswered is missed; sessionClosed alone also ends a call', () => {
  const book = run([snapshot(0, []), upsert(1, session('a', 'Ringing')), { type: 'close', seq: 2, sessionId: 'a' }]);
  expect(book.calls.a).toMatchObject({ phase: 'ended', endReason: 'missed' });
});

test('stale and repeated events are ignored by seq', () => {
  let book = run([snapshot(5, []), upsert(6, session('a', 'Ringing')), upsert(7, session('a', 'InCall'))]);
  const stale = applyEvent(book, upsert(6, session('a', 'Ringing')), rules, T0);
  expect(stale.ignored).toBe('stale');
  expect(stale.book.calls.a?.phase).toBe('connected');
  expect(applyEvent(book, upsert(7, session('a', 'Ringing')), rules, T0).ignored).toBe('stale');
  // An event older than the snapshot that started the connection is stale too.
  expect(applyEvent(book, upsert(4, session('b', 'Ringing')), rules, T0).ignored).toBe('stale');
  book = run([upsert(8, session('a', 'Busy'))], book);
  expect(book.calls.a?.phase).toBe('ended');
});

test('an ended call never comes back', () => {
  const book = run([snapshot(0, []), upsert(1, session('a', 'Ringing')), { type: 'close', seq: 2, sessionId: 'a' }]);
  expect(applyEvent(book, upsert(3, session('a', 'InCall')), rules, T0).ignored).toBe('closed');
  expect(applyEvent(book, snapshot(4, [session('a', 'InCall')]), rules, T0).book.calls.a?.phase).toBe('ended');
});

test('a close for an unknown call leaves a tombstone so a late create does not pop', () => {
  const book = run([snapshot(0, []), { type: 'close', seq: 3, sessionId: 'ghost' }]);
  expect(applyEvent(book, upsert(2, session('ghost', 'Ringing')), rules, T0).changed).toEqual([]);
});

test('other extensions are filtered out unless monitoring all', () => {
  const other = session('x', 'Ringing', { caller: '2001', callee: '2002' });
  expect(run([snapshot(0, []), upsert(1, other)]).calls.x).toBeUndefined();
  const all = applyEvent(emptyBook(), upsert(1, other), { ...rules, monitorAll: true }, T0).book;
  expect(all.calls.x).toBeDefined();
  const extra = applyEvent(emptyBook(), upsert(1, other), { ...rules, extraNumbers: ['2002'] }, T0).book;
  expect(extra.calls.x?.direction).toBe('inbound');
});

test('the agent calling out is outbound with the dialed number as the other party', () => {
  const out = session('o', 'Setup', {
    caller: '1001',
    callee: '+15551234567',
    dialedNumber: '+1 555 123 4567',
    calleeDisplayName: 'Bob',
  });
  const book = run([snapshot(0, []), upsert(1, out), upsert(2, { ...out, state: 'NotAnswered' })]);
  expect(book.calls.o).toMatchObject({
    direction: 'outbound',
    remoteNumber: '+1 555 123 4567',
    remoteName: 'Bob',
    endReason: 'unanswered',
  });
});

test('numbers match in any format (SIP URI, spaces, country code)', () => {
  const s = session('s', 'Ringing', { caller: '+36 1 234 5678', callee: 'sip:1001@pbx.local' });
  expect(run([snapshot(0, []), upsert(1, s)]).calls.s).toBeDefined();
});

describe('snapshot reconciliation', () => {
  test('calls new in the snapshot are created, known calls missing from it are ended', () => {
    let book = run([snapshot(0, []), upsert(1, session('gone', 'InCall')), upsert(2, session('stays', 'Ringing'))]);
    book = run([snapshot(1, [session('stays', 'InCall'), session('new', 'Ringing', { talkDuration: 0 })])], book);
    expect(book.calls.gone).toMatchObject({ phase: 'ended', endReason: 'answered' });
    expect(book.calls.stays?.phase).toBe('connected');
    expect(book.calls.new?.phase).toBe('ringing');
    expect(book.floor).toBe(1);
  });

  test('a restarted server (seq back to a small number) is believed on a fresh connection', () => {
    let book = run([snapshot(100, []), upsert(101, session('a', 'Ringing'))]);
    book = run([snapshot(3, [session('a', 'InCall', { talkDuration: 5 })], true)], book, T0 + 10_000);
    expect(book.calls.a).toMatchObject({ phase: 'connected', seq: 3, answeredAt: T0 + 5000 });
    book = run([upsert(4, session('a', 'CallerOnHold'))], book);
    expect(book.calls.a?.phase).toBe('held');
  });

  test('a requested snapshot older than what we applied does not roll back', () => {
    let book = run([snapshot(0, []), upsert(5, session('a', 'InCall'))]);
    book = run([snapshot(4, [session('a', 'Ringing')], false)], book);
    expect(book.calls.a?.phase).toBe('connected');
  });

  test('calls found in a snapshot take their start time from the PBX', () => {
    const book = run([snapshot(0, [session('a', 'Ringing', { startTime: new Date(T0 - 7000).toISOString() })])]);
    expect(book.calls.a?.startedAt).toBe(T0 - 7000);
  });
});

test('an unknown state keeps the previous phase and shows the raw text', () => {
  const book = run([snapshot(0, []), upsert(1, session('a', 'InCall')), upsert(2, session('a', 'Parked'))]);
  expect(book.calls.a).toMatchObject({ phase: 'connected', rawState: 'Parked', stateKnown: false });
});

test('transfers keep masterSessionId', () => {
  const book = run([snapshot(0, []), upsert(1, session('t', 'Ringing', { masterSessionId: 'orig' }))]);
  expect(book.calls.t?.masterSessionId).toBe('orig');
});

test('applyEvent never mutates its input', () => {
  const book = run([snapshot(0, []), upsert(1, session('a', 'Ringing'))]);
  const copy = structuredClone(book);
  applyEvent(book, upsert(2, session('a', 'InCall')), rules, T0);
  applyEvent(book, snapshot(3, []), rules, T0);
  expect(book).toEqual(copy);
});

describe('filling the gap from history after a reconnect', () => {
  const entry = (id: string, state: string, patch: Record<string, unknown> = {}) => ({
    sessionId: id,
    state,
    caller: '+49 30 1234567',
    callee: '1001',
    startTime: new Date(T0 + 5000).toISOString(),
    ...patch,
  });

  test('a call a snapshot ended gets its true outcome from history', () => {
    let book = run([snapshot(0, []), upsert(1, session('a', 'Ringing'))], emptyBook(), T0);
    book = applyEvent(book, snapshot(1, [], true), rules, T0 + 20_000).book;
    expect(book.calls.a).toMatchObject({ endReason: 'missed', reconciled: true });
    book = applyEvent(
      book,
      { type: 'history', entries: [entry('a', 'CalleeHungUp', { talkDuration: 42 })] },
      rules,
      T0 + 20_100,
    ).book;
    expect(book.calls.a).toMatchObject({ endReason: 'answered', wasConnected: true });
    expect(book.calls.a?.reconciled).toBeUndefined();
  });

  test('calls that began and ended entirely in the gap appear with their outcome', () => {
    let book = run(
      [snapshot(0, []), upsert(1, session('seen', 'Ringing')), { type: 'close', seq: 2, sessionId: 'seen' }],
      emptyBook(),
      T0,
    );
    book = applyEvent(book, snapshot(0, [], true), rules, T0 + 60_000).book;
    expect(book.gapSince).toBe(T0 + 2000);
    const { book: after, changed } = applyEvent(
      book,
      {
        type: 'history',
        entries: [
          entry('gap-missed', 'NotAnswered'),
          entry('gap-answered', 'CallerHungUp', { talkDuration: 10 }),
          entry('seen', 'NotAnswered'),
          entry('other', 'NotAnswered', { caller: '2001', callee: '2002' }),
          entry('ancient', 'NotAnswered', { startTime: new Date(T0 - 3_600_000).toISOString() }),
        ],
      },
      rules,
      T0 + 60_100,
    );
    expect(changed.map((c) => c.sessionId)).toEqual(['gap-missed', 'gap-answered']);
    expect(after.calls['gap-answered']).toMatchObject({ phase: 'ended', endReason: 'answered' });
    expect(after.calls['gap-missed']).toMatchObject({
      phase: 'ended',
      endReason: 'missed',
      remoteNumber: '+49 30 1234567',
    });
    // Applying the same history again changes nothing.
    expect(
      applyEvent(after, { type: 'history', entries: [entry('gap-missed', 'NotAnswered')] }, rules, T0).changed,
    ).toEqual([]);
  });

  test('without a known gap (first connection ever) history adds nothing', () => {
    const book = applyEvent(emptyBook(), snapshot(0, [], true), rules, T0).book;
    expect(applyEvent(book, { type: 'history', entries: [entry('x', 'NotAnswered')] }, rules, T0).changed).toEqual([]);
  });
});
