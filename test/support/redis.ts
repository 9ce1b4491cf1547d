/**
 * A real redis-server for the cluster tests: started by the test on a free port with persistence off
 * (so a restart loses everything, the harshest case), stopped after. `restart` keeps the port, so
 * the bridges' clients reconnect by themselves. Fails where redis-server is missing (.ci/run installs it).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';

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
