/**
 * scripts/check-imports.mjs, the import rules of ARCHITECTURE.md: it passes on the real tree and
 * fails on a tree that breaks each rule (so a green run means the rules were checked).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const SCRIPT = join(__dirname, '../../scripts/check-imports.mjs');

function check(files?: Record<string, string>) {
  let root: string | undefined;
  if (files) {
    root = mkdtempSync(join(tmpdir(), 'popline-imports-'));
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
  }
  try {
    const run = spawnSync('node', [SCRIPT], {
      encoding: 'utf8',
      env: { ...process.env, ...(root ? { POPLINE_IMPORT_ROOT: root } : {}) },
    });
    return { status: run.status, output: run.stdout + run.stderr };
  } finally {
    if (root) rmSync(root, { recursive: true, force: true });
  }
}

test('the real tree keeps every rule', () => {
  const { status, output } = check();
  expect(output).toContain('no cycle between files or features');
  expect(status).toBe(0);
});

test('a tree that keeps the rules passes (the fixture itself is sound)', () => {
  const { status } = check({
    'src/shared/a.ts': 'export const a = 1;',
    'src/background/x/index.ts': "import { a } from '../../shared/a';\nexport const x = a;",
    'src/background/y/index.ts': "import { x } from '../x';\nexport const y = x;",
  });
  expect(status).toBe(0);
});

test.each([
  [
    'a file cycle',
    {
      'src/shared/a.ts': "import { b } from './b';\nexport const a = b;",
      'src/shared/b.ts': "import { a } from './a';\nexport const b = a;",
    },
    'import cycle between: src/shared/a.ts, src/shared/b.ts',
  ],
  [
    'a feature cycle with no file cycle',
    {
      'src/background/x/one.ts': "import { two } from '../y/two';\nexport const one = two;",
      'src/background/y/two.ts': 'export const two = 2;',
      'src/background/y/three.ts': "import { one } from '../x/one';\nexport const three = one;",
    },
    'feature cycle between: background/x, background/y',
  ],
  [
    'a context importing another',
    { 'src/content/c.ts': "import { p } from '../popup/p';", 'src/popup/p.ts': 'export const p = 1;' },
    'content/ may import only',
  ],
  [
    'shared importing a context',
    { 'src/shared/s.ts': "import type { B } from '../background/b';", 'src/background/b.ts': 'export type B = 1;' },
    'shared/ may import only shared',
  ],
  [
    'a raw tabs.sendMessage',
    { 'src/background/tabs/push.ts': 'browser.tabs.sendMessage(1, {});' },
    'uses tabs.sendMessage',
  ],
  [
    'a second runtime.onMessage listener',
    { 'src/content/extra.ts': 'browser.runtime.onMessage.addListener(() => undefined);' },
    'uses a runtime.onMessage listener',
  ],
])('%s fails the check', (_what, files, words) => {
  const { status, output } = check(files);
  expect(output).toContain(words);
  expect(status).toBe(1);
});
