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
import { WebSocket } from 'ws';
import { applyEvent, type CallBook, emptyBook, type FollowRules } from '../../src/shared/calls';
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

/**
 * The extension's connection in miniature: reconnects with jittered backoff after any loss, and
 * applies every frame with the extension's reducer. `pops` counts how often each call appeared.
 */
export class FollowingAgent {
  book: CallBook = emptyBook();
  readonly pops = new Map<string, number>();
  grants = 0;
  lastGrantAt = 0;
  closes: number[] = [];
  private socket: WebSocket | undefined;
  private stopped = false;
  private readonly rules: FollowRules;

  constructor(
    private readonly url: string,
    private readonly token: string,
    readonly extension: string,
  ) {
    this.rules = { extension, extraNumbers: [], monitorAll: false };
    this.open();
  }

  private open(attempt = 0): void {
    if (this.stopped) return;
    const socket = new WebSocket(this.url);
    this.socket = socket;
    let fresh = true;
    socket.on('open', () =>
      socket.send(JSON.stringify({ op: 'connect', v: 1, token: this.token, extension: this.extension })),
    );
    socket.on('message', (data) => {
      const f = JSON.parse(data.toString());
      const now = Date.now();
      const before = new Set(
        Object.values(this.book.calls)
          .filter((c) => c.endedAt === undefined)
          .map((c) => c.sessionId),
      );
      if (f.op === 'connectionStateChanged' && f.state === 'ACCESS_GRANTED') {
        this.grants += 1;
        this.lastGrantAt = now;
        attempt = 0;
      } else if (f.op === 'sessionsSnapshot') {
        this.book = applyEvent(
          this.book,
          { type: 'snapshot', seq: f.seq, sessions: f.sessions, fresh },
          this.rules,
          now,
        ).book;
        // As the extension: after every (re)connect, fill the gap from the history once.
        if (fresh && !f.requestId)
          socket.send(
            JSON.stringify({
              op: 'getCallHistory',
              requestId: `gap-${now}`,
              pageNumber: 0,
              pageRows: 200,
              filter: { general: this.extension },
            }),
          );
        fresh = false;
      } else if (f.op === 'callHistory') {
        this.book = applyEvent(this.book, { type: 'history', entries: f.entries }, this.rules, now).book;
      } else if (f.op === 'sessionCreated' || f.op === 'sessionStateChanged') {
        this.book = applyEvent(this.book, { type: 'upsert', seq: f.seq, session: f.session }, this.rules, now).book;
      } else if (f.op === 'sessionClosed') {
        this.book = applyEvent(
          this.book,
          { type: 'close', seq: f.seq, sessionId: f.sessionId, ...(f.state !== undefined ? { state: f.state } : {}) },
          this.rules,
          now,
        ).book;
      }
      // A pop: a call that is active now and was not before this frame (twice for one call = duplicated).
      for (const call of Object.values(this.book.calls)) {
        if (call.endedAt === undefined && !before.has(call.sessionId))
          this.pops.set(call.sessionId, (this.pops.get(call.sessionId) ?? 0) + 1);
      }
    });
    socket.on('close', (code) => {
      this.closes.push(code);
      if (this.stopped) return;
      // Full jitter, first retry within a second (as the extension).
      setTimeout(() => this.open(attempt + 1), Math.random() * Math.min(1000 * 2 ** attempt, 30_000));
    });
    socket.on('error', () => undefined);
  }

  call(id: string) {
    return this.book.calls[id];
  }

  /** A network drop: the socket is cut, and the agent reconnects by itself. */
  drop(): void {
    this.socket?.terminate();
  }

  stop(): void {
    this.stopped = true;
    this.socket?.terminate();
  }
}
