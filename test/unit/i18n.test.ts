/**
 * Every UI string comes from _locales: each key of the English messages exists in every
 * locale (with the same placeholders), every t('key') in the sources exists in English, every
 * setting has a label, and no .tsx file shows hard-coded text (JSX text, or a string in a
 * visible attribute, with letters in it).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseSync } from '@swc/core';
import { FAILURES, failureKey } from '../../src/shared/outcome';
import { defaultSettings } from '../../src/shared/settings';
import { leafPaths } from '../../src/shared/settings/paths';

const ROOT = join(__dirname, '../..');
const LOCALES = join(ROOT, 'extension/_locales');
type Messages = Record<string, { message: string }>;

const readLocale = (name: string): Messages => {
  try {
    return JSON.parse(readFileSync(join(LOCALES, name, 'messages.json'), 'utf8')) as Messages;
  } catch {
    return {};
  }
};
const en = readLocale('en');
/** The languages PopLine ships, and any other that is there. */
const locales = [...new Set(['de', 'hu', ...readdirSync(LOCALES)])].filter((name) => name !== 'en');

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sourceFiles(path, out);
    else if (/\.tsx?$/.test(name)) out.push(path);
  }
  return out;
}
const sources = sourceFiles(join(ROOT, 'src')).map((path) => ({ path, text: readFileSync(path, 'utf8') }));

const placeholders = (message: string) => [...new Set(message.match(/\$\d/g) ?? [])].sort();

describe.each(locales)('locale %s', (name) => {
  const messages = readLocale(name);
  test('has every English key, translated, with the same placeholders', () => {
    const missing = Object.keys(en).filter((key) => !messages[key]?.message);
    expect(missing).toEqual([]);
    const wrong = Object.keys(en).filter(
      (key) =>
        messages[key] && placeholders(messages[key].message).join() !== placeholders(en[key]?.message ?? '').join(),
    );
    expect(wrong).toEqual([]);
  });
  test('has no key that English lacks', () => {
    expect(Object.keys(messages).filter((key) => !en[key])).toEqual([]);
  });
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
