#!/usr/bin/env node
/**
 * Precision and recall of the phone-number finder over the fixture corpus
 * (test/fixtures/detect/*.html; see test/support/detectCorpus.ts for the labelling).
 *   node scripts/detect-quality.mjs            figures, then every false positive and miss
 *   node scripts/detect-quality.mjs --quiet    figures only
 * Targets: precision ≥ 0.98, recall ≥ 0.95 (test/unit/detectQuality.test.ts enforces them).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const quiet = process.argv.includes('--quiet');

// The finder is TypeScript: bundle it with the scorer into one module in memory.
const entry = `
  import { findPhoneNumbers } from './src/shared/detect/findPhoneNumbers';
  import { scoreCorpus } from './test/support/detectCorpus';
  export const run = () => scoreCorpus(findPhoneNumbers);
`;
const bundle = await esbuild.build({
  stdin: { contents: entry, resolveDir: root, loader: 'ts' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  write: false,
  logLevel: 'error',
  define: { __dirname: JSON.stringify(join(root, 'test/support')) },
});
const scratch = mkdtempSync(join(tmpdir(), 'popline-quality-'));
const file = join(scratch, 'quality.mjs');
writeFileSync(file, bundle.outputFiles[0].text);
const { run } = await import(file).finally(() => rmSync(scratch, { recursive: true, force: true }));

const started = performance.now();
const score = run();
const elapsed = performance.now() - started;

const pct = (x) => x.toFixed(3);
console.log('page                 expected  found  true+  false+  missed');
for (const page of score.pages) {
  console.log(
    `${page.name.padEnd(20)} ${String(page.expected).padStart(8)} ${String(page.found).padStart(6)} ` +
      `${String(page.truePositives).padStart(6)} ${String(page.falsePositives.length).padStart(7)} ` +
      `${String(page.missed.length).padStart(7)}`,
  );
}
console.log(
  `\nprecision ${pct(score.precision)} (target ≥ 0.98)   recall ${pct(score.recall)} (target ≥ 0.95)   ` +
    `${score.truePositives} of ${score.expected} numbers found, ${score.found - score.truePositives} false alarms, ` +
    `${elapsed.toFixed(0)} ms`,
);
if (!quiet) {
  for (const page of score.pages) {
    for (const text of page.falsePositives) console.log(`  false+ ${page.name}: ${text}`);
    for (const text of page.missed) console.log(`  missed ${page.name}: ${text}`);
  }
}
process.exitCode = score.precision >= 0.98 && score.recall >= 0.95 ? 0 : 1;
