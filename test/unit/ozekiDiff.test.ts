import {
  applyEvent,
  type CallBook,
  type CallEvent,
  emptyBook,
  type FollowRules,
  isFollowed,
} from '../../src/shared/calls';
import { SnapshotTracker } from '../../src/shared/ozeki/diff';
import type { OzekiCall } from '../../src/shared/ozeki/parse';

const rules: FollowRules = { extension: '1001', extraNumbers: [], monitorAll: false };
const T0 = Date.parse('2025-01-10T09:00:00Z');

const tracker = (options: Partial<ConstructorParameters<typeof SnapshotTracker>[0]> = {}) =>
  new SnapshotTracker({
    extension: '1001',
    apiExtension: '9994',
    follows: (session) => isFollowed(session, rules),
    ...options,
  });

const call = (callId: string, state: string, extra: Partial<OzekiCall> = {}): OzekiCall => ({
  callId,
  state,
  source: '+4930123456',
  destination: '1001',
  callerId: 'Anna Schmidt',
  ringSeconds: 1,
  talkSeconds: 0,
  ...extra,
});

/** Runs snapshots through a tracker and the real reducer; returns the events and the book. */
function run(snapshots: OzekiCall[][], t = tracker(), stepMs = 1000) {
  let book: CallBook = emptyBook();
  const all: CallEvent[][] = [];
  snapshots.forEach((calls, index) => {
    const now = T0 + index * stepMs;
    const events = t.update(calls, now);
    all.push(events);
    for (const event of events) book = applyEvent(book, event, rules, now).book;
  });
  return { events: all, book, tracker: t };
}

describe('SnapshotTracker: plain calls', () => {
  test('the first snapshot is a fresh snapshot of the followed calls only', () => {
    const { events } = run([[call('a', 'Ringing'), call('x', 'InCall', { source: '2000', destination: '2001' })]]);
    expect(events[0]).toEqual([
      {
        type: 'snapshot',
        seq: T0,
        fresh: true,
        sessions: [
          expect.objectContaining({ sessionId: 'a', state: 'Ringing', caller: '+4930123456', callee: '1001' }),
        ],
      },
    ]);
  });

  test('created, changed and ended become upsert and close with increasing seq; unchanged polls are silent', () => {
    const ringing = call('a', 'Ringing');
    const { events, book } = run([
      [],
      [ringing],
      [{ ...ringing, ringSeconds: 2 }],
      [call('a', 'InCall', { talkSeconds: 1 })],
      [call('a', 'InCall', { talkSeconds: 2 })],
      [call('a', 'Hold', { talkSeconds: 3 })],
      [],
    ]);
    expect(events.map((list) => list.map((e) => e.type))).toEqual([
      ['snapshot'],
      ['upsert'],
      [],
      ['upsert'],
      [],
      ['upsert'],
      ['close'],
    ]);
    const seqs = events.flat().map((e) => ('seq' in e ? e.seq : 0));
    expect([...seqs].sort((x, y) => x - y)).toEqual(seqs);
    expect(new Set(seqs).size).toBe(seqs.length);
    const upsert = events[1]?.[0];
    expect(upsert).toMatchObject({
      type: 'upsert',
      session: {
        sessionId: 'a',
        state: 'Ringing',
        caller: '+4930123456',
        callee: '1001',
        callerDisplayName: 'Anna Schmidt',
        startTime: new Date(T0 + 1000 - 1000).toISOString(),
      },
    });
    expect(book.calls.a).toMatchObject({ phase: 'ended', endReason: 'answered', remoteName: 'Anna Schmidt' });
  });

  test('a call that rang and vanished unanswered is a missed call; an ended state on the list ends it at once', () => {
    const missed = run([[], [call('a', 'Ringing')], []]);
    expect(missed.book.calls.a).toMatchObject({ phase: 'ended', endReason: 'missed' });
    const busy = run([[], [call('b', 'Ringing')], [call('b', 'Busy')], [call('b', 'Busy')], []]);
    expect(busy.events.map((list) => list.map((e) => e.type))).toEqual([
      ['snapshot'],
      ['upsert'],
      ['upsert'],
      [],
      ['close'],
    ]);
    expect(busy.book.calls.b).toMatchObject({ endReason: 'busy' });
  });

  test('calls of other extensions are not tracked; extra numbers are followed through the rules', () => {
    const other = call('x', 'Ringing', { destination: '2002' });
    expect(
      run([[], [other], []])
        .events.flat()
        .filter((e) => e.type !== 'snapshot'),
    ).toEqual([]);
    const queue = tracker({ follows: (s) => isFollowed(s, { ...rules, extraNumbers: ['2002'] }) });
    expect(queue.update([], T0)).toHaveLength(1);
    expect(queue.update([other], T0 + 1)).toEqual([expect.objectContaining({ type: 'upsert' })]);
  });

  test('seq stays above the last one even when the clock steps back, and above a previous tracker', () => {
    const t = tracker();
    t.update([], T0);
    const [first] = t.update([call('a', 'Ringing')], T0 - 60_000);
    const [second] = t.update([], T0 - 120_000);
    expect(first && 'seq' in first ? first.seq : 0).toBe(T0 + 1);
    expect(second && 'seq' in second ? second.seq : 0).toBe(T0 + 2);
  });

  test('an Ozeki 10 time in another zone is not believed: the start comes from the durations', () => {
    const t = tracker();
    const [snapshot] = t.update(
      [call('a', 'InCall', { startTime: T0 + 3 * 3_600_000, ringSeconds: 2, talkSeconds: 30 })],
      T0,
    );
    expect(snapshot?.type === 'snapshot' && snapshot.sessions[0]?.startTime).toBe(new Date(T0 - 32_000).toISOString());
  });
});

describe('SnapshotTracker: click-to-dial', () => {
  const agentLeg = (state: string) =>
    call('A', state, { source: '9994', destination: '1001', callerId: '+4930999888', talkSeconds: 0 });
  const customerLeg = (state: string) =>
    call('B', state, { source: '1001', destination: '+4930999888', callerId: '1001', talkSeconds: 0 });

  test('both legs are one outgoing call under the first id: setting up, ringing, talking, ended', () => {
    const t = tracker();
    t.update([], T0 - 1000);
    t.noteDial('+49 30 999888', T0 - 500);
    const phases: string[] = [];
    let book = emptyBook();
    const snapshots = [
      [agentLeg('Ringing')],
      [agentLeg('InCall')],
      [agentLeg('Transferred')],
      [],
      [customerLeg('Ringing')],
      [customerLeg('InCall')],
      [customerLeg('Completed')],
      [],
    ];
    snapshots.forEach((calls, index) => {
      const now = T0 + index * 1000;
      for (const event of t.update(calls, now)) book = applyEvent(book, event, rules, now).book;
      phases.push(book.calls.A?.phase ?? 'none');
      if (index === 4) expect(t.legFor('A')).toBe('B');
    });
    expect(phases).toEqual(['setup', 'setup', 'setup', 'setup', 'ringing', 'connected', 'ended', 'ended']);
    expect(Object.keys(book.calls)).toEqual(['A']);
    expect(book.calls.A).toMatchObject({
      direction: 'outbound',
      remoteNumber: '+49 30 999888',
      localNumber: '1001',
      endReason: 'answered',
    });
  });

  test('the customer leg may appear while the agent leg is still listed', () => {
    const { book, tracker: t } = run([
      [],
      [agentLeg('Ringing')],
      [agentLeg('InCall'), customerLeg('Ringing')],
      [customerLeg('InCall')],
    ]);
    expect(Object.keys(book.calls)).toEqual(['A']);
    expect(book.calls.A?.phase).toBe('connected');
    expect(t.legFor('A')).toBe('B');
  });

  test('without a remembered dial (a restarted worker), the number comes from the caller id the dial set', () => {
    const { book } = run([[], [agentLeg('Ringing')]]);
    expect(book.calls.A).toMatchObject({ direction: 'outbound', remoteNumber: '+4930999888', phase: 'setup' });
  });

  test('the agent rejects the dial: it ends unanswered; a customer leg that never comes ends it after the grace', () => {
    const rejected = run([[], [agentLeg('Ringing')], [agentLeg('Busy')], []]);
    expect(rejected.book.calls.A).toMatchObject({ phase: 'ended', endReason: 'busy' });
    const lost = run([[], [agentLeg('InCall')], [], [], []], tracker({ linkGraceMs: 1500 }));
    expect(lost.events.map((list) => list.map((e) => e.type))).toEqual([['snapshot'], ['upsert'], [], [], ['close']]);
    expect(lost.book.calls.A).toMatchObject({ phase: 'ended', endReason: 'unanswered' });
  });

  test('a finished dial whose legs the PBX still lists does not pop again', () => {
    const { book, events } = run([
      [],
      [agentLeg('Ringing')],
      [customerLeg('InCall')],
      [],
      [agentLeg('Completed'), customerLeg('Completed')],
    ]);
    expect(events[4]).toEqual([]);
    expect(Object.keys(book.calls)).toEqual(['A']);
  });

  test('with no API extension configured, a call from another extension is an ordinary incoming call', () => {
    const { book } = run([[], [agentLeg('Ringing')]], tracker({ apiExtension: '' }));
    expect(book.calls.A).toMatchObject({ direction: 'inbound', remoteNumber: '9994' });
  });
});
