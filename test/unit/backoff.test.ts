import { BACKOFF_CAP_MS, backoffDelay, GRANTED_MAX_ATTEMPT } from '../../src/shared/pbx/backoff';

test('the first retry comes within 1 s, then the bound doubles up to 30 s', () => {
  const bound = (attempt: number) => backoffDelay(attempt, () => 0.999_999) + 1;
  expect(bound(0)).toBe(1000);
  expect(bound(1)).toBe(2000);
  expect(bound(4)).toBe(16_000);
  expect(bound(5)).toBe(BACKOFF_CAP_MS);
  expect(bound(50)).toBe(BACKOFF_CAP_MS);
});

test('full jitter: anywhere from 0 to the bound', () => {
  expect(backoffDelay(3, () => 0)).toBe(0);
  const samples = Array.from({ length: 2000 }, () => backoffDelay(3));
  expect(Math.min(...samples)).toBeLessThan(800);
  expect(Math.max(...samples)).toBeGreaterThan(7200);
  expect(samples.every((delay) => delay >= 0 && delay < 8000)).toBe(true);
});

test('a connection that was granted, then dropped, waits at most 4 s, however often it happens', () => {
  const bound = (attempt: number) => backoffDelay(attempt, () => 0.999_999) + 1;
  expect(bound(GRANTED_MAX_ATTEMPT)).toBe(4000);
  expect(bound(GRANTED_MAX_ATTEMPT + 1)).toBeGreaterThan(4000); // never granted: it goes on growing
});
