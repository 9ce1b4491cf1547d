#!/usr/bin/env node
/** `npm run package`: builds, then writes store-ready zips to artifacts/ for both browsers. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { zipDirectory } from './zip.mjs';

const root = join(import.meta.dirname, '..');
execFileSync('node', [join(root, 'scripts/build.mjs')], { stdio: 'inherit' });
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const out = join(root, 'artifacts');
mkdirSync(out, { recursive: true });
for (const browser of ['chrome', 'firefox']) {
  const file = join(out, `popline-${browser}-${version}.zip`);
  const zip = zipDirectory(join(root, 'dist', browser));
  writeFileSync(file, zip);
  console.log(`${file}  (${(zip.length / 1024).toFixed(0)} KiB)`);
}
