/**
 * The simulator's command line (README: `npm run sim -- …`), as built: a served simulator, then
 * each command against it (call, answer, hold, unhold, hangup, miss, scenario, traffic, state),
 * checked through the control API's state, and every bundled scenario played to its end.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

jest.setTimeout(120_000);

const ROOT = join(__dirname, '../..');
const MAIN = join(ROOT, 'dist/sim/main.js');
let port = 0;
let server: ChildProcess;

const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer();
    probe.listen(0, '127.0.0.1', () => {
      const { port: free } = probe.address() as { port: number };
      probe.close(() => resolve(free));
    });
  });

/** Runs one CLI command against the served simulator; its exit status and output. */
function cli(...args: string[]) {
  const run = spawnSync('node', [MAIN, ...args, '--port', String(port)], { encoding: 'utf8', timeout: 60_000 });
  return { status: run.status, out: run.stdout.trim(), err: run.stderr.trim() };
}
type State = { calls: { sessionId: string; state: string }[]; traffic: number };
const state = (): State => JSON.parse(cli('state').out);
const stateOf = (id: string) => state().calls.find((call) => call.sessionId === id)?.state;

beforeAll(async () => {
  execFileSync('node', [join(ROOT, 'scripts/build.mjs'), '--sim', '--quiet'], { stdio: 'ignore' });
  port = await freePort();
  server = spawn('node', [MAIN, 'serve', '--port', String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    let banner = '';
    server.stdout?.on('data', (chunk: Buffer) => {
      banner += chunk.toString();
      if (banner.includes('control API')) resolve();
    });
    server.once('exit', (code) => reject(new Error(`the simulator exited with ${code}`)));
  });
});

afterAll(() => {
  server?.kill('SIGTERM');
});

test('call rings the agent, then answer, hold, unhold and hangup drive it', () => {
  const rung = cli('call', '--from', '+49 30 1234567', '--name', 'Anna Schmidt', '--to', '1001');
  expect(rung.status).toBe(0);
  const id = /^ringing: (\S+)$/.exec(rung.out)?.[1] ?? '';
  expect(id).not.toBe('');
  expect(stateOf(id)).toBe('ringing');
  for (const [command, expected] of [
    ['answer', 'incall'],
    ['hold', 'hold'],
    ['unhold', 'incall'],
  ] as const) {
    expect(cli(command, id)).toMatchObject({ status: 0, out: `${command}: ${id}` });
    expect(stateOf(id)).toBe(expected);
  }
  expect(cli('hangup', id).status).toBe(0);
  expect(stateOf(id)).toBeUndefined();
});

test('miss ends a ringing call unanswered', () => {
  const id = /^ringing: (\S+)$/.exec(cli('call', '--from', '+4930555').out)?.[1] ?? '';
  expect(stateOf(id)).toBe('ringing');
  expect(cli('miss', id).status).toBe(0);
  expect(stateOf(id)).toBeUndefined();
});

test('traffic places calls between other extensions', () => {
  const before = state().traffic;
  const answer = cli('traffic', '3');
  expect(answer.status).toBe(0);
  expect(state().traffic).toBeGreaterThanOrEqual(before + 3);
});

test.each(
  readdirSync(join(ROOT, 'sim/scenarios')).map((name) => name.replace(/\.json$/, '')),
)('the bundled scenario %s plays to its end', (name) => {
  const played = cli('scenario', name);
  expect(played.err).toBe('');
  expect(played.status).toBe(0);
  const ids = Object.values(JSON.parse(played.out) as Record<string, string>);
  expect(ids.length).toBeGreaterThan(0);
  // Played to the end: none of its calls is still active.
  const active = new Set(state().calls.map((call) => call.sessionId));
  expect(ids.filter((id) => active.has(id))).toEqual([]);
});

test('mistakes are said, with a failing status: no such call, no simulator, unknown command', () => {
  expect(cli('answer', 'no-such-call')).toMatchObject({ status: 1 });
  expect(cli('answer', 'no-such-call').err).toContain('no active call no-such-call');
  expect(cli('frobnicate').err).toContain('unknown command "frobnicate"');
  const gone = spawnSync('node', [MAIN, 'state', '--port', '1'], { encoding: 'utf8' });
  expect(gone.status).toBe(1);
  expect(gone.stderr).toContain('no simulator answers');
});
