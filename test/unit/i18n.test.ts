/**
 * Every UI string comes from _locales: each key of the English messages exists in every
 * locale (with the same placeholders and `placeholders` objects), every plural family has the
 * forms its language needs (Intl.PluralRules), every t('key') and tPlural('key') in the sources
 * exists in English, every setting has a label, and no .tsx file shows hard-coded text (JSX
 * text, or a string in a visible attribute, with letters in it). Each locale check also runs
 * on a deliberately broken copy, to show it can fail.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseSync } from '@swc/core';
import { tPlural } from '../../src/i18n';
import { formatDuration } from '../../src/shared/format';
import { FAILURES, failureKey } from '../../src/shared/outcome';
import { defaultSettings } from '../../src/shared/settings';
import { leafPaths } from '../../src/shared/settings/paths';

const ROOT = join(__dirname, '../..');
const LOCALES = join(ROOT, 'extension/_locales');
type Message = { message: string; placeholders?: Record<string, { content: string; example?: string }> };
type Messages = Record<string, Message>;

const readLocale = (name: string): Messages => {
  try {
    return JSON.parse(readFileSync(join(LOCALES, name, 'messages.json'), 'utf8')) as Messages;
  } catch {
    return {};
  }
};
const en = readLocale('en');
/** The languages PopLine ships, and any other that is there. */
const SHIPPED = ['de', 'hu', 'fr', 'es', 'it', 'pt_PT', 'nl', 'pl'];
const locales = [...new Set([...SHIPPED, ...readdirSync(LOCALES)])].filter((name) => name !== 'en');

/** The stand-in for the browser's i18n that tPlural reads: one locale's messages, as Chrome substitutes them. */
const mockI18n = { messages: en, ui: 'en-US' };
(globalThis as { chrome?: unknown }).chrome = {
  i18n: {
    getMessage: (key: string, subs: string[] = []) =>
      (mockI18n.messages[key]?.message ?? '').replace(/\$(\d)/g, (_, n: string) => subs[Number(n) - 1] ?? ''),
    getUILanguage: () => mockI18n.ui,
  },
};

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sourceFiles(path, out);
    else if (/\.tsx?$/.test(name)) out.push(path);
  }
  return out;
}
const sources = sourceFiles(join(ROOT, 'src')).map((path) => ({ path, text: readFileSync(path, 'utf8') }));

const PLURAL_FORM = /^(.+)_(zero|one|two|few|many|other)$/;
/** The plural families of English: `moreCalls` for moreCalls_one and moreCalls_other. */
const families = new Set(Object.keys(en).flatMap((key) => (key.endsWith('_other') ? [key.slice(0, -6)] : [])));
/** The family a key is a form of, if any. */
const familyOf = (key: string) => {
  const match = PLURAL_FORM.exec(key);
  return match && families.has(match[1] ?? '') ? (match[1] as string) : undefined;
};
/** The folder's language as a BCP 47 tag: pt_PT → pt-PT. */
const tagOf = (folder: string) => folder.replace('_', '-');
const categoriesOf = (folder: string) => new Intl.PluralRules(tagOf(folder)).resolvedOptions().pluralCategories;

/** $1…$9 and named $name$ references in a message, as a sorted list. */
const references = (message: string) => [...new Set(message.match(/\$(\d|\w+\$)/g) ?? [])].sort();
/** The `placeholders` object in a comparable form (names lower-cased, as Chrome matches them). */
const placeholderObject = (message: Message | undefined) =>
  JSON.stringify(
    Object.entries(message?.placeholders ?? {})
      .map(([name, value]) => [name.toLowerCase(), value.content])
      .sort(),
  );
/** The English key a locale's key is compared with: a plural form with its family's `_other`. */
const englishFor = (key: string) => {
  const family = familyOf(key);
  return family ? `${family}_other` : key;
};

/** Every problem of one locale against English, as "kind: key" lines. */
function localeProblems(folder: string, messages: Messages, english: Messages = en): string[] {
  const problems: string[] = [];
  const categories = categoriesOf(folder);
  const needed = [
    ...Object.keys(english).filter((key) => !familyOf(key)),
    ...[...families].flatMap((family) => categories.map((form) => `${family}_${form}`)),
  ];
  for (const key of needed) if (!messages[key]?.message) problems.push(`missing: ${key}`);
  for (const key of Object.keys(messages)) {
    const family = familyOf(key);
    const form = family ? key.slice(family.length + 1) : '';
    if (family ? !categories.includes(form as Intl.LDMLPluralRule) : !english[key]) problems.push(`extra: ${key}`);
    const reference = english[englishFor(key)];
    if (!reference) continue;
    const mine = messages[key] as Message;
    if (references(mine.message ?? '').join() !== references(reference.message).join()) {
      problems.push(`placeholder: ${key}`);
    }
    if (placeholderObject(mine) !== placeholderObject(reference)) problems.push(`placeholders object: ${key}`);
  }
  if (messages.languageTag?.message !== tagOf(folder)) problems.push(`languageTag: ${messages.languageTag?.message}`);
  return problems;
}

test('English itself has every plural form English needs, and its own tag', () => {
  expect(localeProblems('en', en)).toEqual([]);
  expect(families.size).toBeGreaterThan(0);
});

describe.each(locales)('locale %s', (name) => {
  test('has every English key and plural form its language needs, translated, with the same placeholders', () => {
    expect(localeProblems(name, readLocale(name))).toEqual([]);
  });
});

test('the locale check can fail: a missing key, a placeholder, a placeholders object, a plural form, an extra key', () => {
  const english: Messages = {
    ...en,
    greet: { message: 'Hello $who$', placeholders: { who: { content: '$1' } } },
  };
  const broken: Messages = { ...readLocale('pl') };
  broken.greet = { message: 'Cześć $who$', placeholders: { who: { content: '$2' } } };
  delete broken.cardLabel;
  broken.expand = { message: 'Pokaż połączenie' };
  delete broken.moreCalls_few;
  broken.moreCalls_two = { message: '$1 połączenia' };
  broken.hello = { message: 'Cześć' };
  expect(localeProblems('pl', broken, english).sort()).toEqual(
    [
      'extra: hello',
      'extra: moreCalls_two',
      'missing: cardLabel',
      'missing: moreCalls_few',
      'placeholder: expand',
      'placeholders object: greet',
    ].sort(),
  );
  // A language whose rules have fewer forms does not need English's: Japanese has only "other".
  const japanese = Object.fromEntries(
    Object.entries({ ...en, languageTag: { message: 'ja' } }).filter(([key]) => !key.endsWith('_one')),
  );
  expect(localeProblems('ja', japanese)).toEqual([]);
});

describe('tPlural', () => {
  afterEach(() => {
    mockI18n.messages = en;
    mockI18n.ui = 'en-US';
  });
  const use = (folder: string, ui = tagOf(folder)) => {
    mockI18n.messages = readLocale(folder);
    mockI18n.ui = ui;
  };

  test("picks the form the messages' language needs for each count", () => {
    use('pl');
    const pl = readLocale('pl');
    const form = (key: string, n: string) => (pl[key]?.message ?? '').replace('$1', n);
    expect(tPlural('moreCalls', 1)).toBe(form('moreCalls_one', '1'));
    expect(tPlural('moreCalls', 3)).toBe(form('moreCalls_few', '3'));
    expect(tPlural('moreCalls', 5)).toBe(form('moreCalls_many', '5'));
    expect(tPlural('moreCalls', 22)).toBe(form('moreCalls_few', '22'));
    expect(new Set([1, 3, 5].map((n) => tPlural('moreCalls', n).replace(/\d+/, ''))).size).toBe(3);
  });

  test('writes the count the UI language’s way', () => {
    use('fr');
    expect(tPlural('moreCalls', 1234)).toBe(`${new Intl.NumberFormat('fr').format(1234)} autres appels`);
  });

  test('falls back to _other when a form is missing, and to the key when the family is', () => {
    mockI18n.messages = { languageTag: { message: 'pl' }, x_other: { message: '$1 of x' } };
    expect(tPlural('x', 1)).toBe('1 of x');
    expect(tPlural('nothing', 2)).toBe('nothing');
  });

  test("uses the rules of the messages' language, not the browser's", () => {
    // A Czech browser gets English messages (PopLine has no Czech): English plurals, not Czech "few".
    use('en', 'cs');
    expect(tPlural('lookupSeveral', 1)).toBe('1 contact matches — choose it:');
    expect(tPlural('lookupSeveral', 3)).toBe('3 contacts match — choose one:');
  });
});

test('call durations are h:mm:ss with the language’s digits', () => {
  expect(formatDuration(65_000, 'en')).toBe('1:05');
  expect(formatDuration(3_723_000, 'pl')).toBe('1:02:03');
  expect(formatDuration(65_000, 'ar-EG')).toBe('١:٠٥');
});

test("every tPlural('key') in src/ has its _other form in English", () => {
  const found: string[] = [];
  const missing: string[] = [];
  for (const { path, text } of sources) {
    for (const match of text.matchAll(/\btPlural\(\s*['"](\w+)['"]/g)) {
      found.push(match[1] ?? '');
      if (!en[`${match[1]}_other`]) missing.push(`${relative(ROOT, path)}: ${match[1]}`);
    }
  }
  expect(found.length).toBeGreaterThan(0);
  expect(missing).toEqual([]);
});

test("every t('key') and getMessage('key') in src/ is in English", () => {
  const missing: string[] = [];
  for (const { path, text } of sources) {
    for (const match of text.matchAll(/\b(?:t|getMessage)\(\s*['"]([\w@]+)['"]/g)) {
      const key = match[1] ?? '';
      if (!en[key]) missing.push(`${relative(ROOT, path)}: ${key}`);
    }
  }
  expect(missing).toEqual([]);
});

test('every failure of the one outcome vocabulary has its words', () => {
  expect(FAILURES.map(failureKey).filter((key) => !en[key])).toEqual([]);
});

test('every t() with a template key has keys with its prefix', () => {
  const missing: string[] = [];
  for (const { path, text } of sources) {
    for (const match of text.matchAll(/\bt\(\s*`([\w]+)\$\{/g)) {
      const prefix = match[1] ?? '';
      if (!Object.keys(en).some((key) => key.startsWith(prefix))) missing.push(`${relative(ROOT, path)}: ${prefix}…`);
    }
  }
  expect(missing).toEqual([]);
});

test('every setting and section has a label for the options page', () => {
  const paths = leafPaths(defaultSettings).filter((path) => path !== 'version');
  const keys = [
    ...paths.map((path) => `setting_${path.replace(/\./g, '_')}`),
    ...[...new Set(paths.map((path) => path.split('.')[0]))].map((section) => `section_${section}`),
  ];
  expect(keys.filter((key) => !en[key])).toEqual([]);
});

/** Attributes a user sees or hears. */
const VISIBLE_ATTRIBUTES = new Set(['title', 'aria-label', 'placeholder', 'alt', 'label', 'aria-description']);
const hasLetters = (text: string) => /\p{L}/u.test(text);
/** Example addresses in placeholders are not words to translate. */
const isExample = (text: string) => /^[a-z]+:\/\/\S+$/i.test(text.trim());

type Node = { type?: string; span?: { start: number }; [key: string]: unknown };

/** Hard-coded text in one .tsx file, as "line: text" entries. */
function hardCodedText(code: string): string[] {
  const module = parseSync(code, { syntax: 'typescript', tsx: true });
  const found: string[] = [];
  const visit = (node: unknown, parentAttribute?: string): void => {
    if (Array.isArray(node)) {
      for (const child of node) visit(child, parentAttribute);
      return;
    }
    if (!node || typeof node !== 'object') return;
    const n = node as Node;
    if (n.type === 'JSXText' && hasLetters(String(n.value))) found.push(String(n.value).trim());
    if (n.type === 'JSXAttribute') {
      const name = (n.name as Node)?.value as string | undefined;
      const value = n.value as Node | undefined;
      if (name && VISIBLE_ATTRIBUTES.has(name) && value?.type === 'StringLiteral') {
        const text = String(value.value);
        if (hasLetters(text) && !isExample(text)) found.push(`${name}="${text}"`);
      }
    }
    if (n.type === 'JSXExpressionContainer') {
      const expression = n.expression as Node | undefined;
      if (expression?.type === 'StringLiteral' && hasLetters(String(expression.value)) && !parentAttribute) {
        found.push(String(expression.value));
      }
    }
    for (const [key, child] of Object.entries(n)) {
      if (key === 'span') continue;
      visit(child, n.type === 'JSXAttribute' ? 'attribute' : parentAttribute);
    }
  };
  visit(module.body);
  return found;
}

test('the scanner finds hard-coded text (it can fail)', () => {
  expect(hardCodedText('const a = <p title="Close me">Hello {name} <b>{"World"}</b> ×</p>;')).toEqual([
    'title="Close me"',
    'Hello',
    'World',
  ]);
  expect(hardCodedText("const a = <p title={t('x')} placeholder=\"https://x.example/*\">{t('y')} · ×</p>;")).toEqual(
    [],
  );
});

test('no .tsx file has hard-coded text', () => {
  const found = sources
    .filter(({ path }) => path.endsWith('.tsx'))
    .flatMap(({ path, text }) => hardCodedText(text).map((entry) => `${relative(ROOT, path)}: ${entry}`));
  expect(found).toEqual([]);
});
