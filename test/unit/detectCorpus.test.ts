/** The corpus itself must be right: every label is a valid number and the pages are well-formed. */
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { readCorpus } from '../support/detectCorpus';

const pages = readCorpus();

test('the corpus has enough pages, numbers and countries to mean something', () => {
  const labelled = pages.flatMap((page) => page.nodes.filter((node) => node.label));
  expect(pages.length).toBeGreaterThanOrEqual(10);
  expect(labelled.length).toBeGreaterThanOrEqual(150);
  expect(new Set(pages.map((page) => page.country))).toEqual(new Set(['US', 'GB', 'DE', 'FR', 'HU']));
});

test.each(pages.map((page) => [page.name, page] as const))('every label on %s is a valid number', (_name, page) => {
  const wrong: string[] = [];
  for (const node of page.nodes.filter((n) => n.label)) {
    // A leading 00 is the international prefix in every country the corpus covers but the US.
    const text = node.text.trim().replace(/^00(?=[1-9])/, '+');
    const parsed = parsePhoneNumberFromString(text, page.country as never);
    const ok = parsed?.isValid() && parsed.number === node.label?.e164 && parsed.ext === node.label?.ext;
    if (!ok) wrong.push(`${text}: ${parsed?.number} valid=${parsed?.isValid()} ext=${parsed?.ext}`);
  }
  expect(wrong).toEqual([]);
});
