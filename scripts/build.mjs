#!/usr/bin/env node
/**
 * Builds the extension into dist/chrome and dist/firefox, and the simulator into dist/sim.
 *   node scripts/build.mjs            build everything once
 *   node scripts/build.mjs --watch    rebuild on change (npm run dev)
 *   node scripts/build.mjs --sim      the simulator only
 *   node scripts/build.mjs --bridge   the bridge only (dist/bridge/main.js)
 *   node scripts/build.mjs --extension  the extension only (npm run package, the store build)
 *   node scripts/build.mjs --demo     the extension with the demo parts (host permission and
 *                                     content script for http://127.0.0.1/*): for the tests,
 *                                     `npm run demo` and the benchmarks, never for a store
 */
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { metafilePath } from './bundle-report.mjs';
import { chromeManifest, firefoxManifest } from './manifest.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// POPLINE_DIST lets parallel work trees build side by side (default: dist/).
const dist = process.env.POPLINE_DIST ?? join(root, 'dist');
const args = new Set(process.argv.slice(2));
const watch = args.has('--watch');
// The store build has no demo parts (scripts/manifest.mjs); the tests and the demo add them.
const demo = args.has('--demo') || process.env.POPLINE_DEMO === '1';

const common = {
  bundle: true,
  target: ['chrome116', 'firefox140'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  legalComments: 'none',
  minify: !watch && !process.env.POPLINE_NO_MINIFY,
  sourcemap: watch ? 'inline' : false,
  logLevel: 'warning',
  define: { 'process.env.NODE_ENV': watch ? '"development"' : '"production"' },
};

const entries = [
  { in: 'src/background/index.ts', out: 'background', format: 'esm' },
  { in: 'src/content/index.ts', out: 'content', format: 'iife' },
  // The card UI, injected into a CRM tab when it has its first card to show (content/cards/api.ts).
  { in: 'src/content/cards/entry.ts', out: 'cards', format: 'iife' },
  // Number detection, injected only into tabs whose CRM site has it on (background/detector.ts).
  { in: 'src/content/detect/index.ts', out: 'detect', format: 'iife' },
  { in: 'src/popup/index.tsx', out: 'popup', format: 'esm' },
  { in: 'src/options/index.tsx', out: 'options', format: 'esm' },
  // The dial confirmation window (docs/security.md): browser UI no page can reach.
  { in: 'src/dialogs/confirm.tsx', out: 'confirm', format: 'esm' },
  // The card's text entry, in a frame of the CRM tab: typing the page cannot see (docs/security.md).
  { in: 'src/dialogs/entry.tsx', out: 'entry', format: 'esm' },
];

async function copyStatic(browser) {
  const out = join(dist, browser);
  const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'));
  const source = JSON.parse(await readFile(join(root, 'extension/manifest.json'), 'utf8'));
  const manifest =
    browser === 'firefox'
      ? firefoxManifest(source, pkg.version, { demo })
      : chromeManifest(source, pkg.version, { demo });
  await cp(join(root, 'extension'), out, {
    recursive: true,
    filter: (path) => !path.endsWith('manifest.json') && !path.endsWith('.svg'),
  });
  await writeFile(join(out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
}

/**
 * PopLine never renders markup from a string (Biome forbids dangerouslySetInnerHTML), so the
 * one `innerHTML =` in Preact's renderer is dead code for us, and the line Mozilla's linter
 * flags in every bundle. This replaces it with a throw, and fails the build if Preact's code
 * changed so that the pattern is no longer found exactly once (docs/store.md).
 */
const noInnerHtml = {
  name: 'preact-without-innerhtml',
  setup(build) {
    build.onLoad({ filter: /[\\/]node_modules[\\/]preact[\\/]dist[\\/]preact\.mjs$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const pattern = /\((\w+)\.innerHTML=(\w+)\.__html\)/g;
      const found = source.match(pattern) ?? [];
      if (found.length !== 1) {
        return { errors: [{ text: `expected one innerHTML assignment in ${args.path}, found ${found.length}` }] };
      }
      const contents = source.replace(pattern, '(()=>{throw new Error("PopLine renders no markup from strings")})()');
      return { contents, loader: 'js' };
    });
  },
};

/**
 * Keeps each context's metafile and writes both (one browser's bundles) to <dist>/<browser>.meta.json,
 * beside the extension's folder so it is never packaged: scripts/bundle-report.mjs reads it.
 */
const metafiles = (browser) => {
  const parts = new Map();
  return (key) => ({
    name: 'metafile',
    setup(build) {
      build.onEnd(async (result) => {
        if (result.errors.length || !result.metafile) return;
        parts.set(key, result.metafile);
        if (parts.size < 2) return;
        const merged = { inputs: {}, outputs: {} };
        for (const part of parts.values()) {
          Object.assign(merged.inputs, part.inputs);
          Object.assign(merged.outputs, part.outputs);
        }
        await writeFile(metafilePath(dist, browser), JSON.stringify(merged));
      });
    },
  });
};

/** A plugin that copies the static files after every (re)build. */
const staticFiles = (browser) => ({
  name: 'static-files',
  setup(build) {
    build.onEnd(async (result) => {
      if (!result.errors.length) await copyStatic(browser);
    });
  },
});

async function buildExtension(browser) {
  const outdir = join(dist, browser);
  await rm(outdir, { recursive: true, force: true });
  await mkdir(outdir, { recursive: true });
  const contexts = [];
  const metafile = metafiles(browser);
  for (const [index, format] of ['esm', 'iife'].entries()) {
    const group = entries.filter((entry) => entry.format === format);
    contexts.push(
      await esbuild.context({
        ...common,
        format,
        entryPoints: group.map((entry) => ({ in: join(root, entry.in), out: entry.out })),
        outdir,
        metafile: true,
        plugins: [noInnerHtml, metafile(format), ...(index === 0 ? [staticFiles(browser)] : [])],
      }),
    );
  }
  return contexts;
}

async function buildSim() {
  return esbuild.context({
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    entryPoints: { main: join(root, 'sim/main.ts') },
    outdir: join(root, 'dist/sim'),
    logLevel: 'warning',
  });
}

async function buildBridge() {
  return esbuild.context({
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    entryPoints: { main: join(root, 'bridge/src/main.ts') },
    outdir: join(root, 'dist/bridge'),
    logLevel: 'warning',
  });
}

const only = [...(args.has('--sim') ? [await buildSim()] : []), ...(args.has('--bridge') ? [await buildBridge()] : [])];
const extensionOnly = args.has('--extension');
const contexts = only.length
  ? only
  : [
      ...(await buildExtension('chrome')),
      ...(await buildExtension('firefox')),
      ...(extensionOnly ? [] : [await buildSim(), await buildBridge()]),
    ];

if (watch) {
  await Promise.all(contexts.map((context) => context.watch()));
  console.log('watching for changes: dist/chrome, dist/firefox, dist/sim, dist/bridge');
} else {
  await Promise.all(contexts.map((context) => context.rebuild()));
  await Promise.all(contexts.map((context) => context.dispose()));
  const built = only.length
    ? [...(args.has('--sim') ? ['dist/sim'] : []), ...(args.has('--bridge') ? ['dist/bridge'] : [])]
    : ['dist/chrome', 'dist/firefox', ...(extensionOnly ? [] : ['dist/sim', 'dist/bridge'])];
  if (!args.has('--quiet')) console.log(`built ${built.join(', ')}`);
}
