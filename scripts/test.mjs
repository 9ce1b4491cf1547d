#!/usr/bin/env node
/**
 * `npm test`: typecheck, lint, import rules, build, web-ext lint, then every jest project (unit, DOM,
 * end-to-end in Chromium and Firefox). Ends with one plain line: "N passed, N failed, N skipped".
 * Extra arguments go to jest (e.g. `npm test -- --selectProjects unit`).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';

const jestArgs = process.argv.slice(2);
const run = (what, command, args) => {
  console.log(`\n▶ ${what}`);
  const result = spawnSync(command, args, { stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`✗ ${what} failed`);
    console.log('0 passed, 1 failed, 0 skipped');
    process.exit(result.status ?? 1);
  }
};

run('typecheck', 'npx', ['tsc', '--noEmit', '-p', '.']);
run('lint', 'npx', ['biome', 'check', '.']);
run('import rules (ARCHITECTURE.md)', 'node', ['scripts/check-imports.mjs']);
// The tests need the demo parts (the simulator's CRM on 127.0.0.1 is a CRM site): scripts/manifest.mjs.
run('build', 'node', ['scripts/build.mjs', '--demo']);
run('web-ext lint (Firefox package)', 'node', ['scripts/webext-lint.mjs']);
run('browsers', 'node', ['scripts/ensure-browsers.mjs', '--firefox']);

console.log('\n▶ jest');
const results = '.jest-results.json';
rmSync(results, { force: true });
const jest = spawnSync('npx', ['jest', '--json', `--outputFile=${results}`, ...jestArgs], { stdio: 'inherit' });
if (!existsSync(results)) {
  console.log('0 passed, 1 failed, 0 skipped');
  process.exit(jest.status || 1);
}
const summary = JSON.parse(readFileSync(results, 'utf8'));
const failedSuites = summary.numRuntimeErrorTestSuites ?? 0;
console.log(
  `\n${summary.numPassedTests} passed, ${summary.numFailedTests + failedSuites} failed, ${summary.numPendingTests + summary.numTodoTests} skipped`,
);
process.exit(summary.success ? 0 : 1);
