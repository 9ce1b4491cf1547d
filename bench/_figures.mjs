/**
 * Where benchmarks put their figures: artifacts/bench/<name>.json, so that two runs (this commit
 * and the one before, on the same machine) can be compared with `npm run bench -- --compare A B`.
 * A bench calls saveFigures once, with a plain object of numbers (nested objects allowed).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
export const FIGURES_DIR = process.env.POPLINE_BENCH_OUT ?? join(root, 'artifacts/bench');

export function saveFigures(name, figures) {
  mkdirSync(FIGURES_DIR, { recursive: true });
  const file = join(FIGURES_DIR, `${name}.json`);
  writeFileSync(file, `${JSON.stringify({ bench: name, date: new Date().toISOString(), figures }, null, 2)}\n`);
  console.log(`   figures written to ${file}`);
  return file;
}

/** Every number in a figures object, by its dotted path: { a: { b: 1 } } → [["a.b", 1]]. */
export function flatten(value, prefix = '', out = new Map()) {
  if (typeof value === 'number' && Number.isFinite(value)) out.set(prefix, value);
  else if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) flatten(item, prefix ? `${prefix}.${i}` : String(i), out);
  } else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) flatten(item, prefix ? `${prefix}.${key}` : key, out);
  }
  return out;
}

/**
 * The figures a bench printed, read back from its output when it did not save its own: each line
 * with numbers becomes "label" → its numbers, so that --compare works for every bench.
 */
export function figuresFromOutput(text) {
  const figures = {};
  const seen = new Map();
  for (const raw of text.split('\n')) {
    const line = raw.replaceAll(`${String.fromCharCode(27)}[`, '').trim();
    // Numbers standing alone ("12.3 ms", "1,234"), not the digits of a word ("p95", "v1").
    const matches = [...line.matchAll(/(?<![\p{L}\d.,])-?\d[\d,]*(?:\.\d+)?/gu)];
    const numbers = matches.map((m) => Number(m[0].replace(/,/g, '')));
    if (!numbers.length) continue;
    const label =
      line
        .slice(0, matches[0].index)
        .replace(/[\s:=(]+$/, '')
        .trim() || 'line';
    const count = (seen.get(label) ?? 0) + 1;
    seen.set(label, count);
    figures[count > 1 ? `${label} #${count}` : label] = numbers.length === 1 ? numbers[0] : numbers;
  }
  return figures;
}
