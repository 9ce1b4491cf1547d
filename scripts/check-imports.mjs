#!/usr/bin/env node
/**
 * The import rules ARCHITECTURE.md states, checked on every `npm test`:
 * - no import cycle anywhere in src/ (a cycle makes start-up order matter and hides coupling);
 * - no context imports another context's files: background, content, popup and options import
 *   only themselves, `shared/` and (the drawing contexts) `ui/`;
 * - `shared/` imports only `shared/` (and no UI or browser package: Biome checks those);
 * - `ui/` imports only `ui/` and `shared/`; `i18n/` imports only `webext/` (the browser's own API
 *   without webextension-polyfill, which the content script uses too), and `webext/` nothing of ours;
 * - within a context, no cycle between its features (its folders and top-level files): a feature
 *   depends on features below it, and `index.ts` wires what must go the other way;
 * - messages cross contexts only through the catalogues: `tabs.sendMessage` only in
 *   background/messaging/sendToTab.ts, `runtime.onMessage` listeners only in the two entries.
 * Exits 1 with every broken rule listed.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

// POPLINE_IMPORT_ROOT: another tree to check (the rules' own test).
const root = resolve(process.env.POPLINE_IMPORT_ROOT ?? resolve(dirname(new URL(import.meta.url).pathname), '..'));
const src = join(root, 'src');
const ALLOWED = {
  background: ['background', 'shared', 'i18n'],
  content: ['content', 'shared', 'ui', 'i18n', 'webext'],
  popup: ['popup', 'shared', 'ui', 'i18n'],
  options: ['options', 'shared', 'ui', 'i18n'],
  dialogs: ['dialogs', 'shared', 'ui', 'i18n'],
  ui: ['ui', 'shared', 'i18n'],
  i18n: ['webext'],
  webext: [],
  shared: ['shared'],
};

const walk = (dir) =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : /\.tsx?$/.test(name) ? [path] : [];
  });
const EXTENSIONS = ['', '.ts', '.tsx', '/index.ts', '/index.tsx'];
const resolveImport = (from, spec) => {
  const base = resolve(dirname(from), spec);
  return EXTENSIONS.map((ext) => base + ext).find((path) => existsSync(path) && statSync(path).isFile());
};
// Type-only imports count too: they still tie one context's code to another's.
const SPEC = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)(['"])(\.{1,2}(?:\/[^'"]*)?)\1/gm;

export function importGraph() {
  const graph = new Map();
  for (const file of walk(src)) {
    const text = readFileSync(file, 'utf8');
    const targets = new Set();
    for (const match of text.matchAll(SPEC)) {
      const target = resolveImport(file, match[2]);
      if (target) targets.add(target);
    }
    graph.set(file, [...targets]);
  }
  return graph;
}

const contextOf = (file) => relative(src, file).split('/')[0];

export function boundaryProblems(graph) {
  const problems = [];
  for (const [file, targets] of graph) {
    const from = contextOf(file);
    const allowed = ALLOWED[from];
    if (!allowed) continue;
    for (const target of targets) {
      const to = contextOf(target);
      if (!allowed.includes(to))
        problems.push(
          `${relative(root, file)} imports ${relative(root, target)}: ${from}/ may import only ${allowed.join(', ')}`,
        );
    }
  }
  return problems;
}

/** Every cycle, each reported once as the loop of files (Tarjan's strongly connected components). */
export function cycles(graph, name = (file) => relative(root, file)) {
  let index = 0;
  const stack = [];
  const meta = new Map();
  const found = [];
  const visit = (node) => {
    meta.set(node, { index, low: index, onStack: true });
    index += 1;
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (!meta.has(next)) {
        visit(next);
        meta.get(node).low = Math.min(meta.get(node).low, meta.get(next).low);
      } else if (meta.get(next).onStack) {
        meta.get(node).low = Math.min(meta.get(node).low, meta.get(next).index);
      }
    }
    if (meta.get(node).low === meta.get(node).index) {
      const component = [];
      let member;
      do {
        member = stack.pop();
        meta.get(member).onStack = false;
        component.push(member);
      } while (member !== node);
      const selfLoop = (graph.get(node) ?? []).includes(node);
      if (component.length > 1 || selfLoop) found.push(component.map(name).sort());
    }
  };
  for (const node of graph.keys()) if (!meta.has(node)) visit(node);
  return found;
}

/** One context's features: `background/dial/x.ts` → `background/dial`, `background/index.ts` → `background/index`. */
const featureOf = (file) => {
  const parts = relative(src, file).split('/');
  return parts.length > 2 ? parts.slice(0, 2).join('/') : parts.join('/').replace(/\.tsx?$/, '');
};

export function featureCycles(graph) {
  const features = new Map();
  for (const [file, targets] of graph) {
    const from = featureOf(file);
    if (!features.has(from)) features.set(from, new Set());
    for (const target of targets) {
      const to = featureOf(target);
      if (to !== from && contextOf(target) === contextOf(file)) features.get(from).add(to);
    }
  }
  return cycles(new Map([...features].map(([feature, targets]) => [feature, [...targets]])), (feature) => feature);
}

const RAW_CALLS = [
  {
    pattern: /\btabs\.sendMessage\s*\(/,
    allowed: ['src/background/messaging/sendToTab.ts'],
    what: 'tabs.sendMessage (use sendToTab)',
  },
  {
    pattern: /\bruntime\.onMessage\.addListener\s*\(/,
    allowed: ['src/background/index.ts', 'src/content/pushes.ts'],
    what: 'a runtime.onMessage listener (declare the message in shared/messages.ts or shared/pushes.ts)',
  },
];

export function rawCallProblems(graph) {
  const problems = [];
  for (const file of graph.keys()) {
    const name = relative(root, file);
    const text = readFileSync(file, 'utf8');
    for (const rule of RAW_CALLS) {
      if (rule.pattern.test(text) && !rule.allowed.includes(name)) problems.push(`${name} uses ${rule.what}`);
    }
  }
  return problems;
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
  const graph = importGraph();
  const problems = [
    ...boundaryProblems(graph),
    ...cycles(graph).map((loop) => `import cycle between: ${loop.join(', ')}`),
    ...featureCycles(graph).map((loop) => `feature cycle between: ${loop.join(', ')}`),
    ...rawCallProblems(graph),
  ];
  if (problems.length) {
    console.error(`✗ ${problems.length} import rule(s) broken:\n  ${problems.join('\n  ')}`);
    process.exit(1);
  }
  console.log(`✓ imports: ${graph.size} files, no cycle between files or features, every context within its bounds`);
}
