/**
 * Runs a TypeScript benchmark entry (which may use the simulator and test/support) in Node:
 * bundles it with esbuild into a temporary file, then imports it. Benchmarks run without jest.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as esbuild from 'esbuild';

const root = join(import.meta.dirname, '..');

export async function runTs(entry) {
  // Inside the repository, so the bundle resolves node_modules.
  mkdirSync(join(root, 'node_modules/.cache'), { recursive: true });
  const dir = mkdtempSync(join(root, 'node_modules/.cache/popline-bench-'));
  const file = join(dir, 'bench.mjs');
  await esbuild.build({
    entryPoints: [join(root, entry)],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outfile: file,
    logLevel: 'warning',
    // test/support finds the repository from its own folder.
    define: { __dirname: JSON.stringify(join(root, 'test/support')) },
  });
  try {
    const module = await import(file);
    await (module.default?.main ?? module.main)();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
