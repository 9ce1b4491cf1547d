#!/usr/bin/env node
/**
 * What makes up each bundle: the build writes esbuild's metafile of each browser's bundles to
 * <dist>/<browser>.meta.json (beside the extension's folder, so never packaged); this reads it
 * and lists, per bundle, its size and the inputs that take the most bytes in it.
 *   node scripts/bundle-report.mjs            dist/chrome's bundles, top 10 inputs each
 *   node scripts/bundle-report.mjs firefox 20 dist/firefox's, top 20
 * bench/screenpop.ts prints the same and saves it with its figures. POPLINE_DIST as for the build.
 */
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

const root = join(import.meta.dirname, '..');

export const metafilePath = (dist, browser) => join(dist, `${browser}.meta.json`);

/** A shorter name for an input: `node_modules/preact/hooks/dist/hooks.mjs` → `preact/hooks/dist/hooks.mjs`. */
const shortName = (input) => input.replace(/^(?:.*\/)?node_modules\//, '').replace(/^src\//, '');

/**
 * Each bundle of a metafile: { file, bytes, inputs: [{ input, bytes }] } with the `top` largest
 * inputs by bytes in the output, and `rest` (the bytes of all the other inputs and of esbuild's
 * own glue), largest bundle first.
 */
export function bundleInputs(metafile, top = 10) {
  return Object.entries(metafile.outputs)
    .filter(([file]) => file.endsWith('.js'))
    .map(([file, output]) => {
      const inputs = Object.entries(output.inputs)
        .map(([input, { bytesInOutput }]) => ({ input: shortName(input), bytes: bytesInOutput }))
        .filter((entry) => entry.bytes > 0)
        .sort((a, b) => b.bytes - a.bytes);
      const shown = inputs.slice(0, top);
      const rest = output.bytes - shown.reduce((sum, entry) => sum + entry.bytes, 0);
      return { file: basename(file), bytes: output.bytes, inputs: shown, rest };
    })
    .sort((a, b) => b.bytes - a.bytes);
}

export function readBundleInputs(dist, browser = 'chrome', top = 10) {
  return bundleInputs(JSON.parse(readFileSync(metafilePath(dist, browser), 'utf8')), top);
}

const kib = (bytes) => `${(bytes / 1024).toFixed(1).padStart(6)} KiB`;

/** The lines to print: each bundle, then its inputs with their share of it. */
export function formatBundleInputs(bundles, only) {
  const lines = [];
  for (const bundle of bundles) {
    if (only && !only.includes(bundle.file)) continue;
    lines.push(`  ${bundle.file.padEnd(16)} ${kib(bundle.bytes)}`);
    for (const { input, bytes } of bundle.inputs) {
      const share = ((100 * bytes) / bundle.bytes).toFixed(1).padStart(5);
      lines.push(`    ${kib(bytes)} ${share} %  ${input}`);
    }
    const share = ((100 * bundle.rest) / bundle.bytes).toFixed(1).padStart(5);
    lines.push(`    ${kib(bundle.rest)} ${share} %  (everything else)`);
  }
  return lines;
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
  const [browser = 'chrome', top = '10'] = process.argv.slice(2);
  const dist = process.env.POPLINE_DIST ?? join(root, 'dist');
  try {
    console.log(`What makes up dist/${browser}'s bundles (bytes in the minified output)`);
    console.log(formatBundleInputs(readBundleInputs(dist, browser, Number(top))).join('\n'));
  } catch (error) {
    console.error(`${metafilePath(dist, browser)}: ${error.message} (run node scripts/build.mjs first)`);
    process.exit(1);
  }
}
