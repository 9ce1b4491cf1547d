/**
 * Detection quality over the fixture corpus (test/fixtures/detect): fails below the targets.
 * `node scripts/detect-quality.mjs` prints the same figures with every false alarm and miss.
 */
import { findPhoneNumbers } from '../../src/shared/detect/findPhoneNumbers';
import { scoreCorpus } from '../support/detectCorpus';

const score = scoreCorpus(findPhoneNumbers);
const problems = score.pages.flatMap((page) => [
  ...page.falsePositives.map((text) => `${page.name}: false alarm ${text}`),
  ...page.missed.map((text) => `${page.name}: missed ${text}`),
]);

test('precision is at least 0.98', () => {
  expect({ precision: score.precision >= 0.98 ? 'ok' : score.precision, problems }).toMatchObject({ precision: 'ok' });
});

test('recall is at least 0.95', () => {
  expect({ recall: score.recall >= 0.95 ? 'ok' : score.recall, problems }).toMatchObject({ recall: 'ok' });
});

test('the score counts what it should (a finder that finds nothing scores recall 0)', () => {
  const empty = scoreCorpus(() => []);
  expect(empty.recall).toBe(0);
  expect(empty.expected).toBe(score.expected);
  const everything = scoreCorpus((text) => [{ start: 0, end: text.length, e164: '+10000000000' }]);
  expect(everything.precision).toBeLessThan(0.1);
});
