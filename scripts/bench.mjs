#!/usr/bin/env node
/**
 * `npm run bench`: builds, then runs every benchmark in bench/ (files starting with `_` are
 * experiments and are skipped), one after another, each printing its own figures.
 *   npm run bench                 all of them
 *   npm run bench -- ozeki        only bench/ozeki.mjs (names without .mjs)
 *   npm run bench -- --compare A.json B.json
 *                                 the ratio B/A of every figure two runs saved (no build, no run)
 * Every bench's figures land in artifacts/bench/<name>.json (POPLINE_BENCH_OUT to change): a
 * bench saves its own (bench/_figures.mjs), or else its printed lines are read back into one.
 * POPLINE_DIST chooses the build directory, as for the build itself.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIGURES_DIR, figuresFromOutput, flatten } from '../bench/_figures.mjs';

const root = join(import.meta.dirname, '..');
const argv = process.argv.slice(2);

if (argv[0] === '--compare') {
  const [a, b] = argv.slice(1);
  if (!a || !b) {
    console.error('usage: npm run bench -- --compare A.json B.json');
    process.exit(2);
  }
  const read = (file) => {
    try {
      const json = JSON.parse(readFileSync(file, 'utf8'));
      return flatten(json.figures ?? json);
    } catch (error) {
      console.error(`${file}: not a bench figures file (${error.message})`);
      process.exit(2);
    }
  };
  const before = read(a);
  const after = read(b);
  const keys = [...new Set([...before.keys(), ...after.keys()])];
  const width = Math.min(70, Math.max(6, ...keys.map((key) => key.length)));
  const show = (x) => (x === undefined ? '—' : String(Math.round(x * 1000) / 1000));
  console.log(`${'figure'.padEnd(width)}  ${'A'.padStart(12)}  ${'B'.padStart(12)}  B/A`);
  for (const key of keys) {
    const x = before.get(key);
    const y = after.get(key);
    const ratio =
      x === undefined || y === undefined ? '' : x === 0 ? (y === 0 ? '1.00×' : '∞') : `${(y / x).toFixed(2)}×`;
    console.log(`${key.slice(0, width).padEnd(width)}  ${show(x).padStart(12)}  ${show(y).padStart(12)}  ${ratio}`);
  }
  process.exit(0);
}

const wanted = new Set(argv);
const benches = readdirSync(join(root, 'bench'))
  .filter((file) => file.endsWith('.mjs') && !file.startsWith('_'))
  .filter((file) => !wanted.size || wanted.has(file.replace(/\.mjs$/, '')))
  .sort();

const run = (args) => spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit', env: process.env }).status ?? 1;

/** Runs one bench, its output shown as it comes and kept, for the figures it does not save itself. */
function runBench(file) {
  const name = file.replace(/\.mjs$/, '');
  const saved = join(FIGURES_DIR, `${name}.json`);
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(root, 'bench', file)], { cwd: root, env: process.env });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
      process.stdout.write(chunk);
    });
    child.stderr.pipe(process.stderr);
    child.on('close', (code) => {
      if (!existsSync(saved) || statSync(saved).mtimeMs < started) {
        const figures = { printed: figuresFromOutput(output) };
        mkdirSync(FIGURES_DIR, { recursive: true });
        writeFileSync(saved, `${JSON.stringify({ bench: name, date: new Date().toISOString(), figures }, null, 2)}\n`);
        console.log(`   figures (read from its output) written to ${saved}`);
      }
      resolve(code ?? 1);
    });
  });
}

if (run([join(root, 'scripts/build.mjs'), '--demo', '--quiet']) !== 0) process.exit(1);
let failed = 0;
for (const file of benches) {
  console.log(`\n▶ bench/${file}`);
  if ((await runBench(file)) !== 0) failed += 1;
}
process.exit(failed ? 1 : 0);
