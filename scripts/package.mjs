#!/usr/bin/env node
/**
 * `npm run package`: the store build (no demo parts: scripts/manifest.mjs) into dist/store/,
 * then store-ready zips of it in artifacts/ for both browsers, and the source zip AMO's
 * reviewers rebuild it from (docs/store.md). dist/chrome and dist/firefox, the test builds, are
 * left as they are.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { listFiles, zipDirectory, zipFiles } from './zip.mjs';

const root = join(import.meta.dirname, '..');
// POPLINE_STORE_DIST and POPLINE_ARTIFACTS let a test package into a directory of its own.
const store = process.env.POPLINE_STORE_DIST ?? join(root, 'dist/store');
execFileSync('node', [join(root, 'scripts/build.mjs'), '--extension'], {
  stdio: 'inherit',
  env: { ...process.env, POPLINE_DIST: store, POPLINE_DEMO: '' },
});
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const out = process.env.POPLINE_ARTIFACTS ?? join(root, 'artifacts');
mkdirSync(out, { recursive: true });
for (const browser of ['chrome', 'firefox']) {
  const file = join(out, `popline-${browser}-${version}.zip`);
  const zip = zipDirectory(join(store, browser));
  writeFileSync(file, zip);
  console.log(`${file}  (${(zip.length / 1024).toFixed(0)} KiB)`);
}

/** What the build reads, and what a reviewer needs to run it (docs/store.md). */
const SOURCE = [
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'biome.json',
  'README.md',
  'LICENSE',
  'docs/store.md',
  'scripts',
  'src',
  'extension',
  'sim',
  'bridge',
];
const entries = SOURCE.filter((path) => existsSync(join(root, path))).flatMap((path) => {
  const full = join(root, path);
  const files = statSync(full).isDirectory() ? listFiles(full) : [full];
  return files.map((file) => ({ name: relative(root, file).split(sep).join('/'), file }));
});
const source = join(out, `popline-source-${version}.zip`);
const zip = zipFiles(entries);
writeFileSync(source, zip);
console.log(`${source}  (${(zip.length / 1024).toFixed(0)} KiB, for AMO's source review)`);
