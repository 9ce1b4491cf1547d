/**
 * `npm run bench -- bridge`: the bridge under 1, 1,000 and 5,000 connected agents (Node `ws` clients
 * with tokens), 200 call events a second, each for one agent, entering as signed webhooks. For the
 * bridge (dist/bridge/main.js, in a child process) and for the floor (bench/_bridge-floor.mjs: a bare
 * `ws` server doing the same fan-out), in the same run, it prints:
 *   - latency webhook-in → frame-at-agent, p50/p99 (both instants on this process's clock);
 *   - the server's CPU (share of one core) and resident memory, from /proc/<pid>;
 *   - memory per idle connection (5,000 idle agents against none);
 *   - the ratio bridge / floor.
 * Goal: p99 ≤ 20 ms at 5,000 agents and within 3× the floor. Figures also go to
 * artifacts/bench/bridge.json. Knobs: BENCH_BRIDGE_LEVELS (1,1000,5000), BENCH_BRIDGE_RATE (200),
 * BENCH_BRIDGE_SECONDS (8 measured per level, after 2 of warm-up).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { TokenAuthority } from '../bridge/src/auth/tokens';
import { SIGNATURE_HEADER, signBody, TIMESTAMP_HEADER } from '../bridge/src/webhook/signature';

// esbuild (bench/_ts.mjs) defines __dirname as <repo>/test/support.
const root = join(__dirname, '..', '..');
const LEVELS = (process.env.BENCH_BRIDGE_LEVELS ?? '1,1000,5000').split(',').map(Number);
const RATE = Number(process.env.BENCH_BRIDGE_RATE ?? 200);
const SECONDS = Number(process.env.BENCH_BRIDGE_SECONDS ?? 8);
const WARMUP_SECONDS = 2;
const HOOK_SECRET = 'bench-webhook-secret-0123456789abcdef';
const TOKEN_SECRET = 'bench-token-secret-0123456789abcdef0123456789';
// Below the bridge's limit of pending handshakes per address (all agents here come from 127.0.0.1).
const CONNECT_CONCURRENCY = 32;
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

interface Target {
  name: 'bridge' | 'floor';
  child: ChildProcess;
  pid: number;
  ctiUrl: string;
  hookUrl: URL;
}

interface Client {
  extension: string;
  socket: WebSocket;
  ping: ReturnType<typeof setInterval>;
}

interface LevelResult {
  agents: number;
  events: number;
  lost: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  cpuPercent: number;
  rssMiB: number;
}

interface TargetResult {
  name: string;
  idleRssMiB: number;
  rss5000IdleMiB: number;
  idleConnections: number;
  bytesPerIdleConnection: number;
  levels: LevelResult[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const extensionOf = (i: number) => String(100_000 + i);

/** Waits for `pending` to arrive, keyed `<callId>:<c|e>`; the value is the send instant. */
const pending = new Map<string, number>();
let samples: number[] | undefined;

function onFrame(data: WebSocket.RawData): void {
  const now = performance.now();
  const frame = JSON.parse(String(data)) as { op: string; sessionId?: string; session?: { sessionId: string } };
  const key =
    frame.op === 'sessionCreated' && frame.session
      ? `${frame.session.sessionId}:c`
      : frame.op === 'sessionClosed'
        ? `${frame.sessionId}:e`
        : undefined;
  if (!key) return;
  const sent = pending.get(key);
  if (sent === undefined) return;
  pending.delete(key);
  samples?.push(now - sent);
}

function procStat(pid: number): { cpuTicks: number; rssBytes: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start at ") ".
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuTicks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15)
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  return { cpuTicks, rssBytes: rssKb * 1024 };
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
      if (match?.[1] && child.pid) {
        clearTimeout(timer);
        const ctiUrl = match[1];
        const origin = ctiUrl.replace(/^ws/, 'http').replace(/\/cti$/, '');
        resolve({ name, child, pid: child.pid, ctiUrl, hookUrl: new URL(`${origin}/sources/bench/events`) });
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

function connectOne(target: Target, index: number, token: string): Promise<Client> {
  const extension = extensionOf(index);
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(target.ctiUrl, { perMessageDeflate: false });
    const timer = setTimeout(() => reject(new Error(`agent ${extension}: no answer to connect`)), 30_000);
    socket.once('error', reject);
    socket.once('open', () => {
      socket.send(JSON.stringify({ op: 'connect', v: 1, token, extension, client: { name: 'bench', version: '1' } }));
    });
    socket.once('message', (data) => {
      clearTimeout(timer);
      const frame = JSON.parse(String(data)) as { state?: string; reason?: string };
      if (frame.state !== 'ACCESS_GRANTED') return reject(new Error(`agent ${extension}: ${frame.reason}`));
      socket.on('message', onFrame);
      // As the extension does: a ping every heartbeat (20 s), spread over the period.
      const ping = setInterval(() => socket.send(JSON.stringify({ op: 'ping', t: Date.now() })), 20_000);
      resolve({ extension, socket, ping });
    });
  });
}

async function connectUpTo(target: Target, clients: Client[], count: number, tokens: string[]): Promise<void> {
  let next = clients.length;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      clients[index] = await connectOne(target, index, tokens[index] ?? '');
    }
  };
  await Promise.all(Array.from({ length: CONNECT_CONCURRENCY }, worker));
}

function dropDownTo(clients: Client[], count: number): void {
  for (const client of clients.splice(count)) {
    clearInterval(client.ping);
    client.socket.terminate();
  }
}

const httpAgent = new Agent({ keepAlive: true, maxSockets: 32 });

/** Sends one signed webhook; `key` is the frame it should cause, timed from the moment the body is written. */
function post(target: Target, key: string, event: object, onAnswer?: () => void): void {
  const body = JSON.stringify(event);
  const timestamp = Math.floor(Date.now() / 1000);
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
    if (res.statusCode !== 200)
      res.on('data', (chunk) => process.stderr.write(`webhook ${res.statusCode}: ${chunk}\n`));
    res.resume();
    if (res.statusCode === 200) onAnswer?.();
  });
  req.on('error', (error) => process.stderr.write(`webhook failed: ${error.message}\n`));
  pending.set(key, performance.now());
  req.end(body);
}

let callCounter = 0;

/**
 * RATE events a second for `seconds`: calls ring for one agent (round robin over `agents`) and end
 * once their ringing has been answered (as a PBX would: the bridge orders a call's events by their
 * counter, so an `ended` overtaking its `ringing` would rightly hide the call). Each event reaches
 * exactly one agent and the active calls stay few.
 */
async function drive(target: Target, agents: number, seconds: number): Promise<void> {
  const interval = 1000 / RATE;
  const total = Math.round(seconds * RATE);
  const start = performance.now();
  const answered: { callId: string; callee: string }[] = [];
  const caller = '+4930123456';
  for (let k = 0; k < total; k++) {
    const due = start + k * interval;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    const time = new Date().toISOString();
    const ready = answered.shift();
    if (ready) {
      const { callId, callee } = ready;
      post(target, `${callId}:e`, { callId, event: 'ended', seq: 2, time, caller, callee, outcome: 'hungup' });
    } else {
      callCounter += 1;
      const callId = `bench-${target.name}-${callCounter}`;
      const callee = extensionOf(callCounter % agents);
      post(
        target,
        `${callId}:c`,
        { callId, event: 'ringing', seq: 1, time, caller, callee, direction: 'Inbound' },
        () => answered.push({ callId, callee }),
      );
    }
  }
}

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function runLevel(target: Target, agents: number): Promise<LevelResult> {
  samples = undefined;
  await drive(target, agents, WARMUP_SECONDS);
  await sleep(300);
  pending.clear();
  samples = [];
  const before = procStat(target.pid);
  const t0 = performance.now();
  await drive(target, agents, SECONDS);
  const after = procStat(target.pid);
  const wall = (performance.now() - t0) / 1000;
  // Let the last frames arrive; what has not come within 2 s is lost.
  for (let i = 0; i < 20 && pending.size; i++) await sleep(100);
  const lost = pending.size;
  pending.clear();
  const sorted = [...samples].sort((a, b) => a - b);
  samples = undefined;
  return {
    agents,
    events: sorted.length,
    lost,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted[sorted.length - 1] ?? Number.NaN,
    cpuPercent: ((after.cpuTicks - before.cpuTicks) / CLK_TCK / wall) * 100,
    rssMiB: after.rssBytes / 2 ** 20,
  };
}

async function measure(target: Target, tokens: string[]): Promise<TargetResult> {
  const levels = [...LEVELS].sort((a, b) => a - b);
  const most = levels[levels.length - 1] ?? 1;
  await sleep(1000);
  const idle = procStat(target.pid).rssBytes;
  const clients: Client[] = [];
  process.stdout.write(`  ${target.name}: connecting ${most} agents…`);
  const c0 = performance.now();
  await connectUpTo(target, clients, most, tokens);
  process.stdout.write(` ${((performance.now() - c0) / 1000).toFixed(1)} s\n`);
  await sleep(2000);
  const full = procStat(target.pid).rssBytes;
  const results: LevelResult[] = [];
  // Highest level first (all agents are connected for the memory figure), then fewer.
  for (const agents of [...levels].reverse()) {
    dropDownTo(clients, agents);
    await sleep(500);
    const result = await runLevel(target, agents);
    process.stdout.write(
      `  ${target.name}: ${String(agents).padStart(5)} agents  p50 ${result.p50Ms.toFixed(2)} ms  p99 ${result.p99Ms.toFixed(2)} ms  CPU ${result.cpuPercent.toFixed(0)} %  RSS ${result.rssMiB.toFixed(0)} MiB${result.lost ? `  LOST ${result.lost}` : ''}\n`,
    );
    results.push(result);
  }
  dropDownTo(clients, 0);
  return {
    name: target.name,
    idleRssMiB: idle / 2 ** 20,
    rss5000IdleMiB: full / 2 ** 20,
    idleConnections: most,
    bytesPerIdleConnection: (full - idle) / most,
    levels: results.sort((a, b) => a.agents - b.agents),
  };
}

export async function main(): Promise<void> {
  const bridgeMain = join(process.env.POPLINE_DIST ?? join(root, 'dist'), 'bridge/main.js');
  if (!existsSync(bridgeMain)) throw new Error(`${bridgeMain} is missing: run node scripts/build.mjs --bridge`);
  const most = Math.max(...LEVELS);
  const authority = new TokenAuthority({ secret: TOKEN_SECRET });
  const tokens = Array.from(
    { length: most },
    (_, i) =>
      authority.issue({ extensions: [extensionOf(i)], permissions: ['dial', 'control', 'history'], ttlSeconds: 3600 })
        .token,
  );
  const dir = mkdtempSync(join(tmpdir(), 'popline-bench-bridge-'));
  const config = join(dir, 'bridge.json');
  writeFileSync(
    config,
    JSON.stringify({
      host: '127.0.0.1',
      port: 0,
      dataDir: join(dir, 'data'),
      logLevel: 'info',
      sources: [{ type: 'webhook', id: 'bench', secret: HOOK_SECRET }],
    }),
  );
  console.log(`Bridge fan-out: ${LEVELS.join(', ')} agents, ${RATE} call events/s, ${SECONDS} s measured per level`);
  const results: TargetResult[] = [];
  try {
    const floor = await startChild('floor', [join(root, 'bench/_bridge-floor.mjs')], process.env, /FLOOR (\S+)/);
    try {
      results.push(await measure(floor, tokens));
    } finally {
      await stopChild(floor);
    }
    const bridge = await startChild(
      'bridge',
      [bridgeMain, 'serve', '--config', config],
      { ...process.env, POPLINE_BRIDGE_TOKEN_SECRET: TOKEN_SECRET },
      // The "bridge listening" log line (JSON) names the CTI URL.
      /"url":"(wss?:\/\/[^"]+\/cti)"/,
    );
    try {
      results.push(await measure(bridge, tokens));
    } finally {
      await stopChild(bridge);
    }
  } finally {
    httpAgent.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
  report(results);
}

function report(results: TargetResult[]): void {
  const [floor, bridge] = results;
  if (!floor || !bridge) return;
  const rows = bridge.levels.map((b) => {
    const f = floor.levels.find((l) => l.agents === b.agents);
    return { b, f, ratio: f ? b.p99Ms / f.p99Ms : Number.NaN };
  });
  const fmt = (n: number | undefined, digits = 2) => (n === undefined || !Number.isFinite(n) ? '-' : n.toFixed(digits));
  console.log(`
                      bridge                               floor (bare ws)              bridge/floor
 agents   p50 ms  p99 ms  CPU %  RSS MiB   p50 ms  p99 ms  CPU %  RSS MiB     p99    CPU`);
  for (const { b, f, ratio } of rows)
    console.log(
      ` ${String(b.agents).padStart(6)}  ${fmt(b.p50Ms).padStart(7)} ${fmt(b.p99Ms).padStart(7)} ${fmt(b.cpuPercent, 0).padStart(6)} ${fmt(b.rssMiB, 0).padStart(8)}  ${fmt(f?.p50Ms).padStart(7)} ${fmt(f?.p99Ms).padStart(7)} ${fmt(f?.cpuPercent, 0).padStart(6)} ${fmt(f?.rssMiB, 0).padStart(8)}   ${fmt(ratio, 1).padStart(5)}× ${fmt(f ? b.cpuPercent / f.cpuPercent : Number.NaN, 1).padStart(5)}×`,
    );
  const perConn = (t: TargetResult) => `${(t.bytesPerIdleConnection / 1024).toFixed(1)} KiB`;
  console.log(`
 memory per idle connection (${bridge.idleConnections} idle agents vs none): bridge ${perConn(bridge)}, floor ${perConn(floor)} (${fmt(bridge.bytesPerIdleConnection / floor.bytesPerIdleConnection, 1)}×)
 idle RSS: bridge ${fmt(bridge.idleRssMiB, 0)} MiB → ${fmt(bridge.rss5000IdleMiB, 0)} MiB, floor ${fmt(floor.idleRssMiB, 0)} MiB → ${fmt(floor.rss5000IdleMiB, 0)} MiB
 lost events: bridge ${bridge.levels.reduce((n, l) => n + l.lost, 0)}, floor ${floor.levels.reduce((n, l) => n + l.lost, 0)}`);
  const top = rows[rows.length - 1];
  if (top) {
    const meets = top.b.p99Ms <= 20 && top.ratio <= 3;
    console.log(
      ` goal at ${top.b.agents} agents: p99 ≤ 20 ms and ≤ 3× the floor → ${fmt(top.b.p99Ms)} ms, ${fmt(top.ratio, 1)}× : ${meets ? 'met' : 'NOT met'}`,
    );
  }
  const out = join(root, 'artifacts/bench/bridge.json');
  mkdirSync(join(root, 'artifacts/bench'), { recursive: true });
  writeFileSync(
    out,
    `${JSON.stringify({ date: new Date().toISOString(), rate: RATE, seconds: SECONDS, floor, bridge, ratios: rows.map((r) => ({ agents: r.b.agents, p99: r.ratio })) }, null, 2)}\n`,
  );
  console.log(` figures written to ${out}`);
}
