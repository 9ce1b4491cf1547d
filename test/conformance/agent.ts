/** A bare CTI client for the bridge and conformance tests: a real WebSocket that records every frame. */
import { WebSocket } from 'ws';

// biome-ignore lint/suspicious/noExplicitAny: tests read frames field by field; the guards check them
export type Frame = Record<string, any>;

export class Agent {
  readonly frames: Frame[] = [];
  /** Every text frame exactly as received, for validation against the shared protocol guards. */
  readonly raw: string[] = [];
  /** Text frames the server sent that were not JSON (should never happen). */
  readonly garbage: string[] = [];
  closed: { code: number; reason: string } | undefined;
  private readonly waiters = new Set<() => void>();
  private nextId = 0;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const text = data.toString();
      this.raw.push(text);
      try {
        this.frames.push(JSON.parse(text));
      } catch {
        this.garbage.push(text);
      }
      this.wake();
    });
    socket.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.wake();
    });
    socket.on('error', () => undefined);
  }

  static open(url: string, options: { ca?: Buffer; headers?: Record<string, string> } = {}): Promise<Agent> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, { ...(options.ca ? { ca: options.ca } : {}), headers: options.headers ?? {} });
      const agent = new Agent(socket);
      socket.once('open', () => resolve(agent));
      socket.once('error', reject);
    });
  }

  /** Opens and completes the handshake; resolves with the connectionStateChanged frame. */
  static async connect(url: string, token: string, extension?: string): Promise<Agent> {
    const agent = await Agent.open(url);
    agent.send({
      op: 'connect',
      v: 1,
      token,
      ...(extension ? { extension } : {}),
      client: { name: 'test', version: '1' },
    });
    await agent.waitFor(
      (f) => f.op === 'sessionsSnapshot' || (f.op === 'connectionStateChanged' && f.state === 'ACCESS_DENIED'),
    );
    return agent;
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  send(frame: Frame | string): void {
    this.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Resolves with the first recorded frame matching `match` (already received or arriving). */
  waitFor(match: (frame: Frame) => boolean, { timeout = 5000, what = 'a frame' } = {}): Promise<Frame> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.frames.find(match);
        if (found) {
          done();
          resolve(found);
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.frames.map((f) => f.op))}`));
      }, timeout);
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Resolves when the socket closed. */
  waitClosed(timeout = 5000): Promise<{ code: number; reason: string }> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.closed) {
          done();
          resolve(this.closed);
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error('timed out waiting for the close'));
      }, timeout);
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Sends a command with a fresh requestId and waits for the frame that answers it. */
  async request(frame: Frame, timeout = 5000): Promise<Frame> {
    this.nextId += 1;
    const requestId = `t${this.nextId}-${Math.random().toString(36).slice(2, 8)}`;
    this.send({ ...frame, requestId });
    return this.waitFor((f) => f.requestId === requestId, { timeout, what: `the answer to ${frame.op}` });
  }

  of(op: string): Frame[] {
    return this.frames.filter((f) => f.op === op);
  }

  close(): void {
    this.socket.terminate();
  }
}
