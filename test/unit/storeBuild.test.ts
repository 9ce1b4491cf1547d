/**
 * Store readiness (issue 19): the store zips are rebuilt, file for file, from the source zip AMO's
 * reviewers get (docs/store.md), and Mozilla's linter finds nothing in the Firefox one.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

jest.setTimeout(240_000);

const ROOT = join(__dirname, '../..');
const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
let work: string;
const artifact = (name: string) => join(work, `artifacts/popline-${name}-${version}.zip`);

const listFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? listFiles(join(dir, entry.name)) : [join(dir, entry.name)],
  );
/** Every file under `dir` as path → contents. */
const contents = (dir: string) =>
  new Map(listFiles(dir).map((file) => [relative(dir, file), readFileSync(file).toString('base64')]));

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'popline-store-'));
  // Packaged into a directory of its own: other tests package too, at the same time.
  execFileSync('node', [join(ROOT, 'scripts/package.mjs')], {
    stdio: 'ignore',
    env: { ...process.env, POPLINE_STORE_DIST: join(work, 'store'), POPLINE_ARTIFACTS: join(work, 'artifacts') },
  });
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

test('the source zip rebuilds the Chrome and Firefox store zips file for file', () => {
  const source = join(work, 'source');
  execFileSync('unzip', ['-q', artifact('source'), '-d', source]);
  // The reviewer runs `npm ci` from the same lockfile; the test links the installed modules.
  symlinkSync(join(ROOT, 'node_modules'), join(source, 'node_modules'));
  execFileSync('node', ['scripts/build.mjs', '--extension'], {
    cwd: source,
    stdio: 'ignore',
    env: { ...process.env, POPLINE_DIST: join(work, 'rebuilt'), POPLINE_DEMO: '' },
  });
  for (const browser of ['chrome', 'firefox']) {
    const unpacked = join(work, `zip-${browser}`);
    execFileSync('unzip', ['-q', artifact(browser), '-d', unpacked]);
    const shipped = contents(unpacked);
    const rebuilt = contents(join(work, 'rebuilt', browser));
    expect([browser, [...rebuilt.keys()].sort()]).toEqual([browser, [...shipped.keys()].sort()]);
    const differ = [...shipped].filter(([path, data]) => rebuilt.get(path) !== data).map(([path]) => path);
    expect([browser, differ]).toEqual([browser, []]);
  }
});

test('the Firefox store zip passes web-ext lint with no error and no warning, and has no remote code', () => {
  const unpacked = join(work, 'lint');
  execFileSync('unzip', ['-q', artifact('firefox'), '-d', unpacked]);
  const lint = spawnSync('npx', ['web-ext', 'lint', '--source-dir', unpacked, '--output', 'json'], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  const report = JSON.parse(lint.stdout);
  expect({ errors: report.errors, warnings: report.warnings }).toEqual({ errors: [], warnings: [] });
  // No script is loaded from anywhere but the package (Chrome Web Store: no remote code).
  for (const browser of ['chrome', 'firefox']) {
    const dir = join(work, `code-${browser}`);
    execFileSync('unzip', ['-q', artifact(browser), '-d', dir]);
    for (const [path, data] of contents(dir)) {
      if (!path.endsWith('.html')) continue;
      const html = Buffer.from(data, 'base64').toString('utf8');
      expect([path, html.match(/<script[^>]+src="(?!\w+\.js")[^"]*"/g)]).toEqual([path, null]);
    }
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    expect(JSON.stringify(manifest.content_security_policy ?? {})).not.toMatch(/https?:|unsafe-eval/);
  }
});
