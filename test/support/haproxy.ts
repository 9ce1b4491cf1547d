/**
 * The machine's HAProxy running bridge/deploy/haproxy.cfg in front of test bridge nodes: the example
 * as shipped, with only its listen address, TLS, server list and check interval changed. Fails where
 * haproxy is missing (.ci/run installs it).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './redis';

const BINARY = ['/usr/sbin/haproxy', '/usr/bin/haproxy'].find((path) => existsSync(path));
const EXAMPLE = join(__dirname, '../../bridge/deploy/haproxy.cfg');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class TestHaproxy {
  private constructor(
    readonly port: number,
    private readonly child: ChildProcess,
    private readonly dir: string,
  ) {}

  get url(): string {
    return `ws://127.0.0.1:${this.port}/cti`;
  }

  static async start(backends: number[], { checkMs = 300, maxconn = 8000 } = {}): Promise<TestHaproxy> {
    if (!BINARY) throw new Error('haproxy is not installed: sudo apt-get install -y haproxy (.ci/run does)');
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'popline-haproxy-'));
    const servers = backends.map((p, i) => `    server node${i + 1} 127.0.0.1:${p} check`).join('\n');
    const config = readFileSync(EXAMPLE, 'utf8')
      .replace(/^ {4}bind :443 .*\n/m, '')
      .replace(/^ {4}bind :80\n/m, `    bind 127.0.0.1:${port}\n`)
      .replace(/^ {4}http-request redirect .*\n/m, '')
      .replace(/inter 2s/, `inter ${checkMs}ms`)
      .replace(/(^ {4}server node\d .*\n?)+/m, `${servers}\n`)
      .replace(/^ {4}maxconn .*$/m, `    maxconn ${maxconn}`);
    const file = join(dir, 'haproxy.cfg');
    writeFileSync(file, config);
    const child = spawn(BINARY, ['-db', '-f', file], { stdio: ['ignore', 'ignore', 'pipe'] });
    let errors = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      errors += chunk.toString();
    });
    for (let i = 0; i < 200; i++) {
      if (child.exitCode !== null) throw new Error(`haproxy exited: ${errors}`);
      const open = await new Promise<boolean>((resolve) => {
        const socket = createConnection({ port, host: '127.0.0.1' });
        socket.once('connect', () => {
          socket.destroy();
          resolve(true);
        });
        socket.once('error', () => resolve(false));
      });
      if (open) return new TestHaproxy(port, child, dir);
      await sleep(25);
    }
    throw new Error(`haproxy did not listen: ${errors}`);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
