import { endReason, normaliseState } from '../../src/shared/calls/state';

/** The whole table of docs/pbx-facts.md: every name, and every .NET integer. */
const TABLE: [phase: string, names: (string | number)[]][] = [
  ['setup', ['Created', 0, 'Setup', 1, 'TransferSetup', 2, 'Calling']],
  ['ringing', ['Ringing', 3, 'RINGING']],
  ['connected', ['InCall', 4, 'IN_CALL', 'Answered']],
  ['held', ['CalleeOnHold', 5, 'CallerOnHold', 6, 'OnHold', 7, 'OnHoldInactive', 8, 'HOLD', 'Hold']],
  ['transferring', ['TransferRequested', 9, 'Transferring', 10]],
  [
    'ended',
    [
      'TransferCompleted',
      11,
      'CallerHungUp',
      13,
      'CalleeHungUp',
      14,
      'Redirected',
      15,
      'COMPLETED',
      'Completed',
      'Transferred',
    ],
  ],
  [
    'ended',
    [
      'TransferFailed',
      12,
      'NotFound',
      16,
      'Busy',
      17,
      'Cancelled',
      18,
      'NotAnswered',
      19,
      'Error',
      20,
      'Aborted',
      21,
      'NOT_FOUND',
      'REJECTED',
      'BUSY',
      'NoAnswer',
    ],
  ],
];

describe('normaliseState', () => {
  test.each(
    TABLE.flatMap(([phase, names]) => names.map((name) => [name, phase] as const)),
  )('%s → %s', (name, phase) => {
    expect(normaliseState(name).phase).toBe(phase);
  });

  test('covers all 22 .NET integers', () => {
    for (let i = 0; i <= 21; i++) expect(normaliseState(i).phase).not.toBeNull();
    expect(normaliseState(22).phase).toBeNull();
  });

  test.each([
    'in_call',
    'In Call',
    'in-call',
    'INCALL',
    ' InCall ',
    'callee_on_hold',
    'not-answered',
  ])('compares loosely: %s', (name) => {
    expect(normaliseState(name).phase).not.toBeNull();
  });

  test('numeric strings are the .NET integers', () => {
    expect(normaliseState('4').phase).toBe('connected');
  });

  test('an unknown state is kept as raw text, never dropped', () => {
    expect(normaliseState('Parked')).toEqual({ phase: null, raw: 'Parked' });
    expect(normaliseState(99)).toEqual({ phase: null, raw: '99' });
    expect(normaliseState(4.5).phase).toBeNull();
    expect(normaliseState(null)).toEqual({ phase: null, raw: '' });
  });

  test('normally ended and not-connected states carry their cause', () => {
    expect(normaliseState('CallerHungUp').cause).toBe('completed');
    expect(normaliseState(17).cause).toBe('busy');
    expect(normaliseState('REJECTED').cause).toBe('rejected');
    expect(normaliseState('NoAnswer').cause).toBe('notAnswered');
    expect(normaliseState('Aborted').cause).toBe('error');
  });
});

describe('endReason', () => {
  const inbound = { wasConnected: false, inbound: true };
  const outbound = { wasConnected: false, inbound: false };
  test('a call that rang for the agent and ended unconnected is missed', () => {
    for (const cause of ['completed', 'cancelled', 'notAnswered', 'redirected', 'transferred'] as const) {
      expect(endReason(cause, inbound)).toBe('missed');
    }
    expect(endReason(undefined, inbound)).toBe('missed');
  });
  test('connected calls are answered, whatever ended them', () => {
    expect(endReason('completed', { wasConnected: true, inbound: true })).toBe('answered');
    expect(endReason('error', { wasConnected: true, inbound: false })).toBe('answered');
  });
  test('busy, rejected and failures keep their meaning', () => {
    expect(endReason('busy', inbound)).toBe('busy');
    expect(endReason('rejected', outbound)).toBe('rejected');
    expect(endReason('notFound', outbound)).toBe('failed');
    expect(endReason('notAnswered', outbound)).toBe('unanswered');
  });
});
