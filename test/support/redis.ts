/**
 * A real redis-server for the cluster tests: started by the test on a free port with persistence off
 * (so a restart loses everything, the harshest case), stopped after. `restart` keeps the port, so
 * the bridges' clients reconnect by themselves. Fails where redis-server is missing (.ci/run installs it).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BINARY = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((path) => existsSync(path));

export const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
  });
}

export class TestRedis {
  private child: ChildProcess | undefined;

  private constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<TestRedis> {
    if (!BINARY) throw new Error('redis-server is not installed: sudo apt-get install -y redis-server (.ci/run does)');
    const redis = new TestRedis(await freePort());
    await redis.up();
    return redis;
  }

  private async up(): Promise<void> {
    this.child = spawn(
      BINARY as string,
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning'],
      { stdio: 'ignore' },
    );
    for (let i = 0; i < 200; i++) {
      if (await answers(this.port)) return;
      await sleep(25);
    }
    throw new Error(`redis-server did not start on port ${this.port}`);
  }

  /** The server's pid (for its CPU time). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Gone at once (SIGKILL): the data is lost, the port is free. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    this.child = undefined;
  }

  /** Killed, down for `downMs`, and back on the same port, empty. */
  async restart(downMs = 0): Promise<void> {
    await this.kill();
    if (downMs) await sleep(downMs);
    await this.up();
  }

  /** One command through redis-cli (the tests look at what the bridges wrote). */
  cli(...args: string[]): string {
    return execFileSync('redis-cli', ['-p', String(this.port), ...args], { encoding: 'utf8' }).trim();
  }

  async stop(): Promise<void> {
    await this.kill();
  }
}

/**
 * Bridge nodes of a cluster as real processes: the bundle `npm run bridge` runs, built once into a
 * folder of its own, each node with a webhook source and the shared Redis and token secret.
 */
export interface BridgeNode {
  name: string;
  port: number;
  child: ChildProcess;
  origin: string;
}

export class BridgeNodes {
  private readonly dir = mkdtempSync(join(tmpdir(), 'popline-nodes-'));
  private bundle = '';
  readonly all: BridgeNode[] = [];

  constructor(
    private readonly redis: TestRedis,
    readonly tokenSecret: string,
    readonly webhookSecret: string,
  ) {}

  async build(): Promise<void> {
    const root = join(__dirname, '../..');
    this.bundle = join(root, 'dist', `bridge-nodes-${process.pid}`, 'main.js');
    const esbuild = await import('esbuild');
    await esbuild.build({
      entryPoints: [join(root, 'bridge/src/main.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      outfile: this.bundle,
      logLevel: 'warning',
    });
  }

  /** A node in a child process; resolves once its /readyz answers 200. */
  async start(name: string, extra: Record<string, unknown> = {}): Promise<BridgeNode> {
    return this.startOn(name, await freePort(), extra);
  }

  /** The same, on a given port (a node restarted where the load balancer expects it). */
  async startOn(name: string, port: number, extra: Record<string, unknown> = {}): Promise<BridgeNode> {
    const file = join(this.dir, `${name}.json`);
    writeFileSync(
      file,
      JSON.stringify({
        port,
        redis: this.redis.url,
        cluster: { nodeId: name },
        heartbeat: 5,
        shutdownGraceMs: 3000,
        logLevel: 'warn',
        sources: [{ type: 'webhook', id: 'hooks', secret: this.webhookSecret }],
        ...extra,
      }),
    );
    const child = spawn(process.execPath, [this.bundle, 'serve', '--config', file], {
      env: { ...process.env, POPLINE_BRIDGE_TOKEN_SECRET: this.tokenSecret },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const node = { name, port, child, origin: `http://127.0.0.1:${port}` };
    this.all.push(node);
    for (let i = 0; i < 400; i++) {
      if (child.exitCode !== null) throw new Error(`node ${name} exited with ${child.exitCode}`);
      const ok = await fetch(`${node.origin}/readyz`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) return node;
      await sleep(25);
    }
    throw new Error(`node ${name} did not become ready`);
  }

  async stop(node: BridgeNode, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (node.child.exitCode !== null || node.child.signalCode !== null) return;
    const exited = new Promise((resolve) => node.child.once('exit', resolve));
    node.child.kill(signal);
    await exited;
  }

  /** Which node an extension is connected to, by the presence each node reports to Redis. */
  holding(extension: string): BridgeNode | undefined {
    return this.all.find(
      (n) => n.child.exitCode === null && this.redis.cli('HGET', `popline:presence:${n.name}`, extension) === '1',
    );
  }

  async close(): Promise<void> {
    await Promise.all(this.all.map((node) => this.stop(node)));
    rmSync(this.dir, { recursive: true, force: true });
    if (this.bundle) rmSync(join(this.bundle, '..'), { recursive: true, force: true });
  }
}
