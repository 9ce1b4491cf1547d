#!/usr/bin/env node
/**
 * `npm run package`: the store build (no demo parts: scripts/manifest.mjs) into dist/store/,
 * then store-ready zips of it in artifacts/ for both browsers. dist/chrome and dist/firefox, the
 * test builds, are left as they are.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { zipDirectory } from './zip.mjs';

const root = join(import.meta.dirname, '..');
const store = join(root, 'dist/store');
execFileSync('node', [join(root, 'scripts/build.mjs')], {
  stdio: 'inherit',
  env: { ...process.env, POPLINE_DIST: store, POPLINE_DEMO: '' },
});
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const out = join(root, 'artifacts');
mkdirSync(out, { recursive: true });
for (const browser of ['chrome', 'firefox']) {
  const file = join(out, `popline-${browser}-${version}.zip`);
  const zip = zipDirectory(join(store, browser));
  writeFileSync(file, zip);
  console.log(`${file}  (${(zip.length / 1024).toFixed(0)} KiB)`);
}
