/**
 * `npm run bench -- presence`: the presence update (issue 16), from the PBX event to the
 * `clientStateChanged` frame at every watching agent. The bridge (bundled from bridge/src, in a child
 * process, `--team` with a directory of 2,000 colleagues) gets signed webhooks: a call rings for a
 * colleague who is not connected, then ends; each of BENCH_PRESENCE_AGENTS connected agents (Node `ws`
 * clients) must see that colleague go `ringing`, then `offline`. The floor is a bare `ws` server
 * (bench/_presence-floor.mjs) that turns the same webhook into the same frame for every agent, in the
 * same run. Both instants are on this process's clock: from writing the webhook's body to the frame's
 * arrival. Prints p50/p95/p99/max for both and the ratio; figures also go to
 * artifacts/bench/presence.json. Knobs: BENCH_PRESENCE_AGENTS (200), BENCH_PRESENCE_CALLS (300),
 * BENCH_PRESENCE_RATE (events per second, 50).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent as HttpAgent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { TokenAuthority } from '../bridge/src/auth/tokens';
import { SIGNATURE_HEADER, signBody, TIMESTAMP_HEADER } from '../bridge/src/webhook/signature';

// esbuild (bench/_ts.mjs) defines __dirname as <repo>/test/support.
const root = join(__dirname, '..', '..');
const AGENTS = Number(process.env.BENCH_PRESENCE_AGENTS ?? 200);
const CALLS = Number(process.env.BENCH_PRESENCE_CALLS ?? 300);
const RATE = Number(process.env.BENCH_PRESENCE_RATE ?? 50);
const DIRECTORY = 2000;
const HOOK_SECRET = 'bench-webhook-secret-0123456789abcdef';
const TOKEN_SECRET = 'bench-token-secret-0123456789abcdef0123456789';
const WARMUP_CALLS = 20;

interface Target {
  name: 'bridge' | 'floor';
  child: ChildProcess;
  ctiUrl: string;
  hookUrl: URL;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Agents are the first extensions of the directory; the called colleagues the last ones (never connected). */
const agentExtension = (i: number) => String(3000 + i);
const colleague = (j: number) => String(3000 + DIRECTORY - 1 - (j % (DIRECTORY - AGENTS)));

/** Frames expected, keyed `<ext>:<phone>`: when the webhook was written, and how many agents still wait. */
const pending = new Map<string, { at: number; left: number }>();
let samples: number[] = [];

function onFrame(data: WebSocket.RawData): void {
  const now = performance.now();
  const frame = JSON.parse(String(data)) as { op: string; phoneNumber?: string; phone?: string };
  if (frame.op !== 'clientStateChanged') return;
  const key = `${frame.phoneNumber}:${frame.phone}`;
  const wait = pending.get(key);
  if (!wait) return;
  samples.push(now - wait.at);
  wait.left -= 1;
  if (wait.left <= 0) pending.delete(key);
}

function startChild(name: Target['name'], args: string[], env: NodeJS.ProcessEnv, pattern: RegExp): Promise<Target> {
  const child = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`${name} did not start: ${err || out}`)), 20_000);
    child.stderr?.on('data', (chunk: Buffer) => {
      err = (err + chunk.toString()).slice(-2000);
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      if (out.length < 10_000) out += chunk.toString();
      const match = pattern.exec(out);
      if (match?.[1]) {
        clearTimeout(timer);
        const ctiUrl = match[1];
        const origin = ctiUrl.replace(/^ws/, 'http').replace(/\/cti$/, '');
        resolve({ name, child, ctiUrl, hookUrl: new URL(`${origin}/sources/bench/events`) });
        out = 'started';
      }
    });
    child.on('exit', (code) => reject(new Error(`${name} exited with ${code}: ${err}`)));
  });
}

async function stopChild(target: Target): Promise<void> {
  const exited = new Promise((resolve) => target.child.once('exit', resolve));
  target.child.kill('SIGTERM');
  await Promise.race([exited, sleep(8000)]);
  if (target.child.exitCode === null) target.child.kill('SIGKILL');
}

/** Connects one agent and resolves once its directory is complete (so it is counted as watching). */
function connect(target: Target, index: number, token: string): Promise<WebSocket> {
  const extension = agentExtension(index);
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(target.ctiUrl, { perMessageDeflate: false });
    const timer = setTimeout(() => reject(new Error(`agent ${extension}: no directory`)), 30_000);
    socket.once('error', reject);
    socket.once('open', () => {
      socket.send(JSON.stringify({ op: 'connect', v: 1, token, extension, client: { name: 'bench', version: '1' } }));
    });
    const first = (data: WebSocket.RawData) => {
      const frame = JSON.parse(String(data)) as { op: string; page?: number; pages?: number; reason?: string };
      if (frame.op === 'connectionStateChanged' && frame.reason)
        reject(new Error(`agent ${extension}: ${frame.reason}`));
      if (frame.op === 'directory' && frame.page === frame.pages) {
        clearTimeout(timer);
        socket.off('message', first);
        socket.on('message', onFrame);
        resolve(socket);
      }
    };
    socket.on('message', first);
  });
}

const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 8 });

/** One signed webhook; resolves on its answer. The frame it causes is timed from writing its body. */
function post(target: Target, key: string, event: object): Promise<void> {
  const body = JSON.stringify(event);
  const timestamp = Math.floor(Date.now() / 1000);
  return new Promise((resolve) => {
    const req = request(target.hookUrl, {
      method: 'POST',
      agent: httpAgent,
      headers: {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        [TIMESTAMP_HEADER]: String(timestamp),
        [SIGNATURE_HEADER]: signBody(HOOK_SECRET, body, timestamp),
      },
    });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve());
    });
    req.on('error', (error) => {
      process.stderr.write(`webhook failed: ${error.message}\n`);
      resolve();
    });
    pending.set(key, { at: performance.now(), left: AGENTS });
    req.end(body);
  });
}

let round = 0;

/** `calls` calls, each ringing for a colleague then ending, RATE events a second. */
async function drive(target: Target, calls: number): Promise<void> {
  const interval = 1000 / RATE;
  round += 1;
  for (let j = 0; j < calls; j++) {
    const callee = colleague(j);
    const callId = `presence-${target.name}-${round}-${j}`;
    const base = { callId, caller: '+4930123456', callee, time: new Date().toISOString() };
    const t = performance.now();
    await post(target, `${callee}:ringing`, { ...base, event: 'ringing', seq: 1 });
    await sleep(Math.max(0, interval - (performance.now() - t)));
    const u = performance.now();
    await post(target, `${callee}:offline`, { ...base, event: 'ended', seq: 2, outcome: 'hungup' });
    await sleep(Math.max(0, interval - (performance.now() - u)));
  }
}

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

interface Result {
  frames: number;
  expected: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
}

async function measure(target: Target, tokens: string[]): Promise<Result> {
  const sockets: WebSocket[] = [];
  for (let i = 0; i < AGENTS; i += 16) {
    sockets.push(...(await Promise.all(tokens.slice(i, i + 16).map((token, k) => connect(target, i + k, token)))));
  }
  await drive(target, WARMUP_CALLS);
  await sleep(300);
  pending.clear();
  samples = [];
  await drive(target, CALLS);
  for (let i = 0; i < 30 && pending.size; i++) await sleep(100);
  const sorted = [...samples].sort((a, b) => a - b);
  for (const socket of sockets) socket.terminate();
  return {
    frames: sorted.length,
    expected: CALLS * 2 * AGENTS,
    p50Ms: percentile(sorted, 50),
    p95Ms: percentile(sorted, 95),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted.at(-1) ?? Number.NaN,
  };
}

const show = (name: string, r: Result) =>
  `  ${name.padEnd(8)} p50 ${r.p50Ms.toFixed(2)} ms  p95 ${r.p95Ms.toFixed(2)} ms  p99 ${r.p99Ms.toFixed(2)} ms  max ${r.maxMs.toFixed(1)} ms  (${r.frames} of ${r.expected} frames)`;

export async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'popline-bench-presence-'));
  const bridgeMain = join(root, 'dist', `bridge-bench-presence-${process.pid}`, 'main.js');
  const esbuild = await import('esbuild');
  await esbuild.build({
    entryPoints: [join(root, 'bridge/src/main.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outfile: bridgeMain,
    logLevel: 'warning',
  });
  const directory = Array.from({ length: DIRECTORY }, (_, i) => ({
    extension: String(3000 + i),
    fullName: `Colleague ${i}`,
    email: `c${i}@example.com`,
  }));
  const config = join(dir, 'bridge.json');
  writeFileSync(
    config,
    JSON.stringify({
      host: '127.0.0.1',
      port: 0,
      logLevel: 'info',
      limits: { commandBurst: 1000 },
      team: { enabled: true, directory },
      sources: [{ type: 'webhook', id: 'bench', secret: HOOK_SECRET }],
    }),
  );
  const authority = new TokenAuthority({ secret: TOKEN_SECRET });
  const tokens = Array.from(
    { length: AGENTS },
    (_, i) => authority.issue({ extensions: [agentExtension(i)], permissions: [], ttlSeconds: 3600 }).token,
  );
  console.log(
    `Presence: ${AGENTS} agents watching a directory of ${DIRECTORY}, ${CALLS} calls (ringing, ended) at ${RATE} events/s`,
  );
  const results: Record<string, Result> = {};
  try {
    const floor = await startChild('floor', [join(root, 'bench/_presence-floor.mjs')], process.env, /FLOOR (ws:\S+)/);
    try {
      results.floor = await measure(floor, tokens);
    } finally {
      await stopChild(floor);
    }
    console.log(show('floor', results.floor));
    const bridge = await startChild(
      'bridge',
      [bridgeMain, 'serve', '--config', config],
      { ...process.env, POPLINE_BRIDGE_TOKEN_SECRET: TOKEN_SECRET },
      /"url":"(ws:[^"]+)"/,
    );
    try {
      results.bridge = await measure(bridge, tokens);
    } finally {
      await stopChild(bridge);
    }
    console.log(show('bridge', results.bridge));
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(join(bridgeMain, '..'), { recursive: true, force: true });
    httpAgent.destroy();
  }
  const { bridge, floor } = results as { bridge: Result; floor: Result };
  const ratio = { p50: bridge.p50Ms / floor.p50Ms, p95: bridge.p95Ms / floor.p95Ms, p99: bridge.p99Ms / floor.p99Ms };
  console.log(
    `  bridge / floor: p50 ${ratio.p50.toFixed(2)}×  p95 ${ratio.p95.toFixed(2)}×  p99 ${ratio.p99.toFixed(2)}×`,
  );
  const out = process.env.POPLINE_BENCH_OUT ?? join(root, 'artifacts/bench');
  mkdirSync(out, { recursive: true });
  const file = join(out, 'presence.json');
  writeFileSync(
    file,
    `${JSON.stringify({ bench: 'presence', date: new Date().toISOString(), figures: { agents: AGENTS, directory: DIRECTORY, calls: CALLS, rate: RATE, bridge, floor, ratio } }, null, 2)}\n`,
  );
  console.log(`   figures written to ${file}`);
}
