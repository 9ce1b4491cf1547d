import { join } from 'node:path';
import { WebSocket } from 'ws';
import { TokenAuthority } from '../../bridge/src/auth/tokens';
import { SIGNATURE_HEADER, signBody, TIMESTAMP_HEADER } from '../../bridge/src/webhook/signature';
import { applyEvent, type CallBook, emptyBook, type FollowRules } from '../../src/shared/calls';
import { TestHaproxy } from '../support/haproxy';
import { type BridgeNode, BridgeNodes, TestRedis } from '../support/redis';
import { sleep } from './fixture';

const _ROOT = join(__dirname, '../..');
const SECRET = 'failover-test-webhook-secret-01';
const TOKEN_SECRET = 'failover-test-token-secret-0123456789abcdef';
jest.setTimeout(60_000);

let redis: TestRedis;
let nodes: BridgeNodes;
type Node = BridgeNode;

beforeAll(async () => {
  redis = await TestRedis.start();
  nodes = new BridgeNodes(redis, TOKEN_SECRET, SECRET);
  await nodes.build();
});
afterAll(async () => {
  await nodes?.close();
  await redis?.stop();
});

const startNode = (name: string) => nodes.start(name);
const stopNode = (node: Node, signal: NodeJS.Signals = 'SIGTERM') => nodes.stop(node, signal);

/** A token every node accepts: they share the token secret, and a token carries its own grant. */
const issueToken = (extension: string) =>
  new TokenAuthority({ secret: TOKEN_SECRET }).issue({
    extensions: [extension],
    permissions: ['control', 'history'],
    ttlSeconds: 3600,
  }).token;

/**
 * The extension's connection in miniature: reconnects with jittered backoff after any loss, and
 * applies every frame with the extension's reducer. `pops` counts how often each call appeared.
 */
class FollowingAgent {
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
        fresh = false;
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

  stop(): void {
    this.stopped = true;
    this.socket?.terminate();
  }
}

async function hook(node: Node, body: unknown): Promise<number> {
  const text = JSON.stringify(body);
  const timestamp = Math.floor(Date.now() / 1000);
  const response = await fetch(`${node.origin}/sources/hooks/events`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      [TIMESTAMP_HEADER]: String(timestamp),
      [SIGNATURE_HEADER]: signBody(SECRET, text, timestamp),
    },
    body: text,
  });
  await response.text();
  return response.status;
}

const event = (callId: string, kind: string, seq: number, extra: Record<string, unknown> = {}) => ({
  callId,
  event: kind,
  seq,
  caller: '+4930123456',
  callee: '1001',
  ...extra,
});

const until = async (check: () => boolean, what: string, ms = 15_000) => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(20);
  }
};

for (const signal of ['SIGKILL', 'SIGTERM'] as const) {
  test(`${signal} of the agent's node while a call rings: back through HAProxy, the call continues, 0 missed, 0 duplicated`, async () => {
    redis.cli('FLUSHALL');
    const a = await startNode(`a-${signal}`);
    const b = await startNode(`b-${signal}`);
    const proxy = await TestHaproxy.start([a.port, b.port]);
    const token = issueToken('1001');
    const agent = new FollowingAgent(proxy.url, token, '1001');
    try {
      await until(() => agent.grants === 1, 'the agent connected through HAProxy');
      // Presence says which node HAProxy chose (each node reports within 5 s).
      let home: Node | undefined;
      await until(() => {
        home = nodes.holding('1001');
        return !!home;
      }, 'presence names the agent’s node');
      const other = home === a ? b : a;
      const id = `${signal}-call`;
      expect(await hook(other, event(id, 'ringing', 1, { callerName: 'Anna' }))).toBe(200);
      await until(() => agent.call(id)?.phase === 'ringing', 'the card popped');

      const killedAt = Date.now();
      await stopNode(home as Node, signal);
      expect(agent.closes.length).toBeGreaterThanOrEqual(1);
      await until(() => agent.grants === 2, 'the agent reconnected through HAProxy');
      const movedMs = agent.lastGrantAt - killedAt;
      expect(agent.call(id)?.endedAt).toBeUndefined(); // the card stayed
      expect(await hook(other, event(id, 'connected', 2))).toBe(200);
      await until(() => agent.call(id)?.phase === 'connected', 'the card follows the answer');
      expect(await hook(other, event(id, 'ended', 3, { outcome: 'hungup' }))).toBe(200);
      await until(() => agent.call(id)?.endedAt !== undefined, 'the card ended');
      const call = agent.call(id);
      const missed = agent.pops.has(id) ? 0 : 1;
      const duplicated = (agent.pops.get(id) ?? 0) - 1;
      console.log(
        `${signal}: agent served again after ${movedMs} ms (close codes ${agent.closes.join(',')}); missed ${missed}, duplicated ${duplicated}, final ${call?.endReason}`,
      );
      expect(missed).toBe(0);
      expect(duplicated).toBe(0);
      expect(call?.wasConnected).toBe(true);
      if (signal === 'SIGTERM') expect(agent.closes[0]).toBe(1012);
    } finally {
      agent.stop();
      await proxy.stop();
      await Promise.all([stopNode(a), stopNode(b)]);
    }
  });
}
