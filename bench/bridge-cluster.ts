/**
 * `npm run bench -- bridge-cluster`: two bridge nodes (dist/bridge/main.js, child processes) on one
 * redis-server, with AGENTS agent connections (Node `ws` clients, half on each node) and RATE call
 * events a second posted as signed webhooks, alternately into both nodes, each event for one agent
 * (so most of them cross nodes through Redis). Then the same load on one node without Redis, in the
 * same run, as the reference. Prints:
 *   - latency webhook-in → frame-at-agent, p50/p99 (both instants on this process's clock);
 *   - per-node CPU (share of one core) and resident memory; Redis CPU; from /proc/<pid>;
 *   - the ratio cluster / single node;
 *   - a node SIGKILLed under load: the time until all of its agents are served again (they reconnect
 *     straight to the other node, standing in for the load balancer: an HAProxy in front would need
 *     two descriptors per agent, past this machine's open-file limit), and the calls missed by them
 *     (a call is missed when neither a frame nor the reconnect snapshot brought it): must be 0.
 * The bridge is bundled from bridge/src for the run. Knobs: BENCH_CLUSTER_AGENTS (10000), BENCH_CLUSTER_RATE (1000), BENCH_CLUSTER_SECONDS (8).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent as HttpAgent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { TokenAuthority } from '../bridge/src/auth/tokens';
import { SIGNATURE_HEADER, signBody, TIMESTAMP_HEADER } from '../bridge/src/webhook/signature';
import { TestRedis } from '../test/support/redis';

const root = join(__dirname, '..', '..');
const AGENTS = Number(process.env.BENCH_CLUSTER_AGENTS ?? 10_000);
const RATE = Number(process.env.BENCH_CLUSTER_RATE ?? 1000);
const SECONDS = Number(process.env.BENCH_CLUSTER_SECONDS ?? 8);
const HOOK_SECRET = 'bench-cluster-webhook-secret-0123456789';
const TOKEN_SECRET = 'bench-cluster-token-secret-0123456789abcdef0123';
const CONNECT_CONCURRENCY = 32;
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const extensionOf = (i: number) => String(100_000 + i);

interface Node {
  name: string;
  child: ChildProcess;
  pid: number;
  ctiUrl: string;
  hookUrl: URL;
}

function procStat(pid: number): { cpuTicks: number; rssBytes: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  return { cpuTicks: Number(fields[11]) + Number(fields[12]), rssBytes: rssKb * 1024 };
}

function startNode(name: string, bridgeMain: string, dir: string, redisUrl?: string): Promise<Node> {
  const file = join(dir, `${name}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      host: '127.0.0.1',
      port: 0,
      logLevel: 'info',
      ...(redisUrl ? { redis: redisUrl, cluster: { nodeId: name } } : {}),
      sources: [{ type: 'webhook', id: 'bench', secret: HOOK_SECRET }],
    }),
  );
  const child = spawn(process.execPath, [bridgeMain, 'serve', '--config', file], {
    cwd: root,
    env: { ...process.env, POPLINE_BRIDGE_TOKEN_SECRET: TOKEN_SECRET },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${name} did not start: ${out}`)), 20_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      if (out.length < 10_000) out += chunk.toString();
      const match = /"url":"(ws:[^"]+)"/.exec(out);
      if (match?.[1] && child.pid) {
        clearTimeout(timer);
        const ctiUrl = match[1];
        const origin = ctiUrl.replace(/^ws/, 'http').replace(/\/cti$/, '');
        resolve({ name, child, pid: child.pid, ctiUrl, hookUrl: new URL(`${origin}/sources/bench/events`) });
        out = 'started';
      }
    });
    child.stderr?.resume();
    child.on('exit', (code) => reject(new Error(`${name} exited with ${code}`)));
  });
}

async function stopNode(node: Node, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (node.child.exitCode !== null || node.child.signalCode !== null) return;
  const exited = new Promise((resolve) => node.child.once('exit', resolve));
  node.child.kill(signal);
  await Promise.race([exited, sleep(8000)]);
  if (node.child.exitCode === null && node.child.signalCode === null) node.child.kill('SIGKILL');
}

/** One agent: its socket, the calls it knows (from frames and snapshots), and when it was last granted. */
class Client {
  socket: WebSocket | undefined;
  readonly known = new Set<string>();
  grantedAt = 0;
  constructor(
    readonly index: number,
    readonly token: string,
  ) {}
  get extension(): string {
    return extensionOf(this.index);
  }
}

const pending = new Map<string, number>();
let samples: number[] | undefined;

function connect(client: Client, url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { perMessageDeflate: false });
    client.socket = socket;
    const timer = setTimeout(() => reject(new Error(`agent ${client.extension}: no snapshot`)), 60_000);
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.once('open', () =>
      socket.send(JSON.stringify({ op: 'connect', v: 1, token: client.token, extension: client.extension })),
    );
    socket.on('message', (data) => {
      const now = performance.now();
      const f = JSON.parse(String(data)) as {
        op: string;
        session?: { sessionId: string };
        sessions?: { sessionId: string }[];
      };
      if (f.op === 'sessionsSnapshot') {
        for (const s of f.sessions ?? []) client.known.add(s.sessionId);
        client.grantedAt = now;
        clearTimeout(timer);
        resolve();
      } else if (f.op === 'sessionCreated' && f.session) {
        client.known.add(f.session.sessionId);
        const sent = pending.get(f.session.sessionId);
        if (sent !== undefined) {
          pending.delete(f.session.sessionId);
          samples?.push(now - sent);
        }
      }
    });
    const ping = setInterval(() => socket.readyState === 1 && socket.send('{"op":"ping"}'), 20_000);
    socket.on('close', () => clearInterval(ping));
  });
}

async function connectAll(clients: Client[], urlOf: (c: Client) => string): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < clients.length) {
      const client = clients[next++] as Client;
      for (let attempt = 0; ; attempt++) {
        try {
          await connect(client, urlOf(client));
          break;
        } catch (error) {
          if (attempt > 20) throw error;
          await sleep(50 + Math.random() * 200);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: CONNECT_CONCURRENCY }, worker));
}

const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 64 });
let counter = 0;

function post(node: Node, callId: string, callee: string, ended = false): void {
  const body = JSON.stringify({
    callId,
    event: ended ? 'ended' : 'ringing',
    seq: ended ? 2 : 1,
    ...(ended ? { outcome: 'cancelled' } : {}),
    time: new Date().toISOString(),
    caller: '+4930123456',
    callee,
  });
  const timestamp = Math.floor(Date.now() / 1000);
  const req = request(node.hookUrl, {
    method: 'POST',
    agent: httpAgent,
    headers: {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      [TIMESTAMP_HEADER]: String(timestamp),
      [SIGNATURE_HEADER]: signBody(HOOK_SECRET, body, timestamp),
    },
  });
  req.on('response', (res) => res.resume());
  req.on('error', () => undefined);
  if (!ended) pending.set(callId, performance.now());
  req.end(body);
}

/**
 * RATE ringing calls a second for `seconds`, each for one agent (round robin), into the nodes in turn;
 * without `rung`, each call ends a second later (its end is not timed), so the active calls stay few.
 */
async function drive(nodes: () => Node[], clients: Client[], seconds: number, rung?: Map<string, Client>) {
  const total = Math.round(seconds * RATE);
  const start = performance.now();
  for (let k = 0; k < total; k++) {
    const wait = start + (k * 1000) / RATE - performance.now();
    if (wait > 1) await sleep(wait);
    counter += 1;
    const client = clients[counter % clients.length] as Client;
    const live = nodes();
    const node = live[counter % live.length] as Node;
    const callId = `bench-${counter}`;
    post(node, callId, client.extension);
    if (rung) rung.set(callId, client);
    else
      setTimeout(() => {
        const now = nodes();
        post(now[counter % now.length] as Node, callId, client.extension, true);
      }, 1000);
  }
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;

interface Run {
  p50: number;
  p99: number;
  events: number;
  lost: number;
  cpu: Record<string, number>;
  rssMiB: Record<string, number>;
}

async function measure(nodes: Node[], clients: Client[], extra: Record<string, number> = {}): Promise<Run> {
  await drive(() => nodes, clients, 2); // warm-up
  await sleep(500);
  pending.clear();
  samples = [];
  const pids: Record<string, number> = { ...Object.fromEntries(nodes.map((n) => [n.name, n.pid])), ...extra };
  const before = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, procStat(pid)]));
  const t0 = performance.now();
  await drive(() => nodes, clients, SECONDS);
  const wall = (performance.now() - t0) / 1000;
  const after = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, procStat(pid)]));
  for (let i = 0; i < 30 && pending.size; i++) await sleep(100);
  const lost = pending.size;
  pending.clear();
  const sorted = [...samples].sort((a, b) => a - b);
  samples = undefined;
  const cpu = Object.fromEntries(
    Object.keys(pids).map((k) => [
      k,
      (((after[k]?.cpuTicks ?? 0) - (before[k]?.cpuTicks ?? 0)) / CLK_TCK / wall) * 100,
    ]),
  );
  const rssMiB = Object.fromEntries(Object.keys(pids).map((k) => [k, (after[k]?.rssBytes ?? 0) / 2 ** 20]));
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), events: sorted.length, lost, cpu, rssMiB };
}

const line = (name: string, r: Run) =>
  `  ${name.padEnd(22)} p50 ${r.p50.toFixed(2)} ms  p99 ${r.p99.toFixed(2)} ms  (${r.events} events${r.lost ? `, LOST ${r.lost}` : ''})  ${Object.entries(
    r.cpu,
  )
    .map(([k, v]) => `${k} CPU ${v.toFixed(0)} % RSS ${(r.rssMiB[k] ?? 0).toFixed(0)} MiB`)
    .join(' | ')}`;

export async function main(): Promise<void> {
  // The bridge bundled as `npm run bridge` bundles it, into a folder of its own (next to node_modules).
  const bridgeMain = join(root, 'dist', `bridge-bench-${process.pid}`, 'main.js');
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
  const limit = Number(execFileSync('sh', ['-c', 'ulimit -n']).toString().trim());
  console.log(
    `Bridge cluster: ${AGENTS} agents, ${RATE} call events/s, ${SECONDS} s measured; ${limit} open files per process, ${execFileSync('nproc').toString().trim()} cores shared by the nodes, Redis and these ${AGENTS} clients`,
  );
  const authority = new TokenAuthority({ secret: TOKEN_SECRET });
  const clients = Array.from(
    { length: AGENTS },
    (_, i) =>
      new Client(
        i,
        authority.issue({ extensions: [extensionOf(i)], permissions: ['history'], ttlSeconds: 3600 }).token,
      ),
  );
  const dir = mkdtempSync(join(tmpdir(), 'popline-bench-cluster-'));
  const redis = await TestRedis.start();
  const stopAll: Node[] = [];
  try {
    // The cluster: two nodes, half the agents on each.
    const a = await startNode('a', bridgeMain, dir, redis.url);
    const b = await startNode('b', bridgeMain, dir, redis.url);
    stopAll.push(a, b);
    const c0 = performance.now();
    await connectAll(clients, (c) => (c.index % 2 ? b : a).ctiUrl);
    console.log(`  connected ${AGENTS} agents to 2 nodes in ${((performance.now() - c0) / 1000).toFixed(1)} s`);
    const cluster = await measure([a, b], clients, { redis: redis.pid as number });
    console.log(line('2 nodes + Redis', cluster));

    // A node killed under load: its agents reconnect to the other node.
    const rung = new Map<string, Client>();
    const mine = clients.filter((c) => c.index % 2 === 0);
    let alive = [a, b];
    const load = drive(() => alive, clients, 6, rung);
    await sleep(1500);
    const killedAt = performance.now();
    alive = [b];
    await stopNode(a, 'SIGKILL');
    for (const c of mine) c.grantedAt = 0;
    await connectAll(mine, () => b.ctiUrl);
    const servedMs = Math.max(...mine.map((c) => c.grantedAt)) - killedAt;
    await load;
    await sleep(2000);
    let missed = 0;
    for (const [callId, client] of rung) if (!client.known.has(callId)) missed += 1;
    console.log(
      `  node a SIGKILLed under load: its ${mine.length} agents served again by node b after ${servedMs.toFixed(0)} ms; calls rung meanwhile ${rung.size}, missed ${missed}`,
    );
    for (const c of clients) c.socket?.terminate();
    await stopNode(b);
    await sleep(1000);

    // The reference: one node, no Redis, the same agents and load.
    const single = await startNode('single', bridgeMain, dir);
    stopAll.push(single);
    for (const c of clients) c.known.clear();
    const s0 = performance.now();
    await connectAll(clients, () => single.ctiUrl);
    console.log(`  connected ${AGENTS} agents to 1 node in ${((performance.now() - s0) / 1000).toFixed(1)} s`);
    const alone = await measure([single], clients);
    console.log(line('1 node, no Redis', alone));
    const nodeCpu = (cluster.cpu.a ?? 0) + (cluster.cpu.b ?? 0);
    console.log(
      `  ratio cluster / single node: p50 ${(cluster.p50 / alone.p50).toFixed(2)}×, p99 ${(cluster.p99 / alone.p99).toFixed(2)}×, bridge CPU ${(nodeCpu / (alone.cpu.single ?? 1)).toFixed(2)}× (+ Redis ${(cluster.cpu.redis ?? 0).toFixed(0)} %)`,
    );
    console.log(
      `  per core: cluster nodes ${((RATE / nodeCpu) * 100).toFixed(0)} events/s and single node ${((RATE / (alone.cpu.single ?? 1)) * 100).toFixed(0)} events/s per core-second at ${AGENTS} agents; Redis ${((RATE / Math.max(1, cluster.cpu.redis ?? 0)) * 100).toFixed(0)} events/s per core`,
    );
    console.log(`  goal p99 ≤ 50 ms: ${cluster.p99 <= 50 ? 'met' : 'NOT met'}; missed under a node kill: ${missed}`);
    for (const c of clients) c.socket?.terminate();
    if (missed) process.exitCode = 1;
  } finally {
    for (const node of stopAll) await stopNode(node, 'SIGKILL');
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(join(bridgeMain, '..'), { recursive: true, force: true });
  }
}
