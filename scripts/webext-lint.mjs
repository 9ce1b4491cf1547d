#!/usr/bin/env node
/** Runs Mozilla's add-on linter over dist/firefox (offline) and fails on any error or warning (store readiness). */
import { spawnSync } from 'node:child_process';

const dir = process.env.POPLINE_DIST ? `${process.env.POPLINE_DIST}/firefox` : 'dist/firefox';
const result = spawnSync('npx', ['web-ext', 'lint', '--source-dir', dir, '--output', 'json'], {
  encoding: 'utf8',
  maxBuffer: 16 * 1024 * 1024,
});
let report;
try {
  report = JSON.parse(result.stdout);
} catch {
  console.error(result.stdout, result.stderr);
  process.exit(1);
}
for (const kind of ['errors', 'warnings']) {
  for (const m of report[kind]) console.log(`${kind.slice(0, -1)}: ${m.code} ${m.message} ${m.file ?? ''}`);
}
console.log(`web-ext lint: ${report.summary.errors} errors, ${report.summary.warnings} warnings`);
process.exit(report.summary.errors || report.summary.warnings ? 1 : 0);
