/**
 * The detection corpus (test/fixtures/detect/*.html) and its scoring. Each page is a CRM-like
 * page; `<html data-country>` is the agent's default country, and every phone number a finder
 * should report sits in an element with `data-phone` (its E.164 form) and, for an extension,
 * `data-ext`. Any other match is a false positive: the pages are full of traps (dates, prices,
 * invoice numbers, IBANs, card numbers, IPs, versions...).
 *
 * Pages are split into text nodes the way a browser would (text between tags, entities
 * decoded, script and style skipped), because the content script runs the finder per text node.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

export interface Expected {
  e164: string;
  ext?: string;
}

export interface TextNode {
  text: string;
  /** What the enclosing element says this text contains, if it is labelled. */
  label?: Expected;
}

export interface CorpusPage {
  name: string;
  country: string;
  nodes: TextNode[];
}

export interface FoundNumber {
  start: number;
  end: number;
  e164: string;
  ext?: string;
}

export type Finder = (text: string, options: { defaultCountry: string }) => FoundNumber[];

export const CORPUS_DIR = join(__dirname, '../fixtures/detect');

const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'wbr']);
const RAW = new Set(['script', 'style']);

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

function decode(text: string): string {
  return text.replace(/&(#x?[0-9a-f]+|\w+);/gi, (whole, name: string) => {
    if (name[0] === '#') {
      const code = name[1] === 'x' || name[1] === 'X' ? Number.parseInt(name.slice(2), 16) : Number(name.slice(1));
      return Number.isFinite(code) ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
}

function attribute(attributes: string, name: string): string | undefined {
  const match = new RegExp(`\\b${name}="([^"]*)"`, 'i').exec(attributes);
  return match ? decode(match[1] ?? '') : undefined;
}

/** Splits a page into text nodes, each with the label of its nearest labelled element. */
export function parsePage(name: string, html: string): CorpusPage {
  const country = /<html[^>]*\bdata-country="([A-Z]{2})"/i.exec(html)?.[1];
  if (!country) throw new Error(`${name}: <html data-country="XX"> is missing`);
  const nodes: TextNode[] = [];
  const stack: { tag: string; label?: Expected }[] = [];
  const tag = /<!--[\s\S]*?-->|<(\/?)([a-zA-Z][\w-]*)([^>]*)>/g;
  let last = 0;
  let raw: string | undefined;
  const pushText = (text: string) => {
    if (raw || !text) return;
    const label = [...stack].reverse().find((entry) => entry.label)?.label;
    nodes.push(label ? { text: decode(text), label } : { text: decode(text) });
  };
  for (let match = tag.exec(html); match; match = tag.exec(html)) {
    pushText(html.slice(last, match.index));
    last = tag.lastIndex;
    const [, closing, rawName, attributes = ''] = match;
    if (!rawName) continue;
    const element = rawName.toLowerCase();
    if (closing) {
      if (raw === element) raw = undefined;
      const at = stack.map((entry) => entry.tag).lastIndexOf(element);
      if (at >= 0) stack.length = at;
      continue;
    }
    if (RAW.has(element)) raw = element;
    if (VOID.has(element) || attributes.endsWith('/')) continue;
    const e164 = attribute(attributes, 'data-phone');
    const ext = attribute(attributes, 'data-ext');
    stack.push(e164 ? { tag: element, label: ext ? { e164, ext } : { e164 } } : { tag: element });
  }
  pushText(html.slice(last));
  return { name, country, nodes };
}

export function readCorpus(dir = CORPUS_DIR): CorpusPage[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.html'))
    .sort()
    .map((file) => parsePage(basename(file, '.html'), readFileSync(join(dir, file), 'utf8')));
}

export interface PageScore {
  name: string;
  expected: number;
  found: number;
  truePositives: number;
  /** What was found but is not a labelled number (or has the wrong E.164 or extension). */
  falsePositives: string[];
  /** Labelled numbers that were not found. */
  missed: string[];
}

export interface CorpusScore {
  pages: PageScore[];
  expected: number;
  found: number;
  truePositives: number;
  precision: number;
  recall: number;
}

const sameNumber = (found: FoundNumber, label: Expected) =>
  found.e164 === label.e164 && (found.ext ?? '') === (label.ext ?? '');

export function scorePage(page: CorpusPage, find: Finder): PageScore {
  const score: PageScore = { name: page.name, expected: 0, found: 0, truePositives: 0, falsePositives: [], missed: [] };
  for (const node of page.nodes) {
    const matches = find(node.text, { defaultCountry: page.country });
    score.found += matches.length;
    if (node.label) score.expected += 1;
    let labelHit = false;
    for (const match of matches) {
      const text = node.text.slice(match.start, match.end);
      if (node.label && !labelHit && sameNumber(match, node.label)) {
        labelHit = true;
        score.truePositives += 1;
      } else {
        score.falsePositives.push(`${JSON.stringify(text)} → ${match.e164}${match.ext ? ` ext ${match.ext}` : ''}`);
      }
    }
    if (node.label && !labelHit) {
      score.missed.push(
        `${JSON.stringify(node.text.trim())} (${node.label.e164}${node.label.ext ? ` ext ${node.label.ext}` : ''})`,
      );
    }
  }
  return score;
}

export function scoreCorpus(find: Finder, pages = readCorpus()): CorpusScore {
  const scores = pages.map((page) => scorePage(page, find));
  const sum = (key: 'expected' | 'found' | 'truePositives') => scores.reduce((total, page) => total + page[key], 0);
  const expected = sum('expected');
  const found = sum('found');
  const truePositives = sum('truePositives');
  return {
    pages: scores,
    expected,
    found,
    truePositives,
    precision: found === 0 ? 1 : truePositives / found,
    recall: expected === 0 ? 1 : truePositives / expected,
  };
}
