/** The phone axis of presence from the calls a server sees (src/shared/presence.ts). */
import { phoneAxis } from '../../src/shared/presence';

describe('phoneAxis', () => {
  test('no calls: idle when connected, offline when not', () => {
    expect(phoneAxis([], true)).toBe('idle');
    expect(phoneAxis([], false)).toBe('offline');
  });

  test('every vocabulary: ringing, in a call, on hold', () => {
    for (const state of ['Ringing', 'RINGING', 'Setup', 3, 'Calling']) expect(phoneAxis([state], true)).toBe('ringing');
    for (const state of ['InCall', 'IN_CALL', 'Answered', 4, 'Transferring'])
      expect(phoneAxis([state], false)).toBe('inCall');
    for (const state of ['CallerOnHold', 'HOLD', 'Hold', 7]) expect(phoneAxis([state], true)).toBe('onHold');
  });

  test('several calls: an answered one wins; held only when no answered call; ringing before idle', () => {
    expect(phoneAxis(['Ringing', 'InCall'], true)).toBe('inCall');
    expect(phoneAxis(['OnHold', 'InCall'], true)).toBe('inCall');
    expect(phoneAxis(['OnHold', 'Ringing'], true)).toBe('onHold');
    expect(phoneAxis(['Ringing', 'CallerHungUp'], true)).toBe('ringing');
  });

  test('ended and unknown states do not count', () => {
    expect(phoneAxis(['Completed', 'CallerHungUp', 'Busy'], true)).toBe('idle');
    expect(phoneAxis(['SomethingNew', null, 99, {}], false)).toBe('offline');
  });
});
