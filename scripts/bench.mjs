#!/usr/bin/env node
/**
 * `npm run bench`: builds, then runs every benchmark in bench/ (files starting with `_` are
 * experiments and are skipped), one after another, each printing its own figures.
 *   npm run bench                 all of them
 *   npm run bench -- ozeki        only bench/ozeki.mjs (names without .mjs)
 * POPLINE_DIST chooses the build directory, as for the build itself.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const wanted = new Set(process.argv.slice(2));
const benches = readdirSync(join(root, 'bench'))
  .filter((file) => file.endsWith('.mjs') && !file.startsWith('_'))
  .filter((file) => !wanted.size || wanted.has(file.replace(/\.mjs$/, '')))
  .sort();

const run = (args) => spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit', env: process.env }).status ?? 1;

if (run([join(root, 'scripts/build.mjs'), '--demo', '--quiet']) !== 0) process.exit(1);
let failed = 0;
for (const file of benches) {
  console.log(`\n▶ bench/${file}`);
  if (run([join(root, 'bench', file)]) !== 0) failed += 1;
}
process.exit(failed ? 1 : 0);
