/** When a dial asks first, and when a content script's gesture is good enough. */
import { confirmReasons, GESTURE_FRESH_MS, gestureProblem, recentDials } from '../../src/shared/dial/policy';
import type { DialTarget } from '../../src/shared/dial/target';

const number = (extra: Partial<Extract<DialTarget, { kind: 'number' }>> = {}): DialTarget => ({
  kind: 'number',
  dial: '+12125550142',
  e164: '+12125550142',
  display: '(212) 555-0142',
  international: false,
  premium: false,
  ...extra,
});
const policy = { confirmInternational: true, confirmPremium: true, confirmAfterPerMinute: 3 };
const NOW = 1_000_000;

test('a domestic number dials without asking', () => {
  expect(confirmReasons(number(), policy, [], NOW)).toEqual([]);
});

test('international and premium-rate numbers ask, each as its setting says', () => {
  expect(confirmReasons(number({ international: true }), policy, [], NOW)).toEqual(['international']);
  expect(confirmReasons(number({ premium: true }), policy, [], NOW)).toEqual(['premium']);
  expect(confirmReasons(number({ international: true, premium: true }), policy, [], NOW)).toEqual([
    'international',
    'premium',
  ]);
  const relaxed = { ...policy, confirmInternational: false, confirmPremium: false };
  expect(confirmReasons(number({ international: true, premium: true }), relaxed, [], NOW)).toEqual([]);
});

test('more dials than the limit within a minute ask; older ones do not count; 0 never asks', () => {
  const three = [NOW - 50_000, NOW - 20_000, NOW - 1000];
  expect(confirmReasons(number(), policy, three.slice(1), NOW)).toEqual([]);
  expect(confirmReasons(number(), policy, three, NOW)).toEqual(['burst']);
  expect(confirmReasons(number(), policy, [NOW - 61_000, ...three.slice(1)], NOW)).toEqual([]);
  expect(confirmReasons(number(), { ...policy, confirmAfterPerMinute: 0 }, three, NOW)).toEqual([]);
  expect(confirmReasons({ kind: 'internal', dial: '1002', display: '1002' }, policy, three, NOW)).toEqual(['burst']);
});

test('recentDials keeps the last minute only', () => {
  expect(recentDials([NOW - 70_000, NOW - 59_999, NOW, NOW + 5], NOW)).toEqual([NOW - 59_999, NOW]);
});

describe('gesture evidence', () => {
  test('a fresh gesture not used before is good', () => {
    expect(gestureProblem(NOW - 100, undefined, NOW)).toBeNull();
    expect(gestureProblem(NOW - 100, NOW - 5000, NOW)).toBeNull();
  });

  test('an old gesture, or one from the future, is stale', () => {
    expect(gestureProblem(NOW - GESTURE_FRESH_MS - 1, undefined, NOW)).toBe('stale');
    expect(gestureProblem(NOW + 10_000, undefined, NOW)).toBe('stale');
  });

  test('a gesture that already dialled (or an older one) is refused', () => {
    expect(gestureProblem(NOW - 100, NOW - 100, NOW)).toBe('reused');
    expect(gestureProblem(NOW - 100, NOW - 90, NOW)).toBe('reused');
    expect(gestureProblem(NOW - 5000, NOW - 100, NOW)).toBe('reused');
  });
});
