/** The team's settings (bridge/src/ops/config.ts): off by default, a directory inline or in a file, each user checked. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../bridge/src/ops/config';
import { sourceChecks } from '../../bridge/src/server/bridge';

const dir = mkdtempSync(join(tmpdir(), 'popline-team-config-'));
const file = (name: string, value: unknown) => {
  const path = join(dir, name);
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
  return path;
};
const load = (argv: string[], env: NodeJS.ProcessEnv = {}) => loadConfig({ argv, env, sourceTypes: sourceChecks });
const problems = (argv: string[]) => {
  try {
    load(argv);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
};

test('off by default; on by flag, variable or file', () => {
  expect(load([]).team).toEqual({ enabled: false, keptPerUser: 200 });
  expect(load(['--team', 'true']).team.enabled).toBe(true);
  expect(load([], { POPLINE_BRIDGE_TEAM: '1' }).team.enabled).toBe(true);
  const config = file('on.json', { team: { enabled: true, keptPerUser: 5, directory: [{ extension: '1001' }] } });
  expect(load(['--config', config]).team).toEqual({
    enabled: true,
    keptPerUser: 5,
    directory: [{ extension: '1001' }],
  });
});

test('a directory file: a list or {directory}; names clipped by the protocol guard', () => {
  const list = file('list.json', [{ extension: '1001', fullName: 'F'.repeat(300) }]);
  const users = load(['--team', 'true', '--team-directory', list]).team.directory ?? [];
  expect(users[0]?.fullName).toHaveLength(256);
  const wrapped = file('wrapped.json', { directory: [{ extension: '1002', mobile: '+12025550102' }] });
  expect(load(['--team-directory', wrapped]).team.directory).toEqual([{ extension: '1002', mobile: '+12025550102' }]);
});

test('bad team settings are reported with the others', () => {
  expect(problems(['--team', 'maybe'])).toEqual([
    expect.stringContaining('--team: got "maybe", expected true or false'),
  ]);
  expect(problems(['--team-kept-per-user', '0'])).toEqual([expect.stringContaining('--team-kept-per-user')]);
  expect(problems(['--team-directory', join(dir, 'missing.json')])).toEqual([expect.stringContaining('cannot read')]);
  const bad = file('bad.json', [{ name: 'no extension' }]);
  expect(problems(['--team-directory', bad])).toEqual([expect.stringContaining('extension')]);
  const unknown = file('unknown.json', { team: { colour: 'red' } });
  expect(problems(['--config', unknown])).toEqual([expect.stringContaining('unknown key "team.colour"')]);
});
