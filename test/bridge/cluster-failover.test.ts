import { join } from 'node:path';
import { TokenAuthority } from '../../bridge/src/auth/tokens';
import { SIGNATURE_HEADER, signBody, TIMESTAMP_HEADER } from '../../bridge/src/webhook/signature';
import { FollowingAgent, TestHaproxy } from '../support/haproxy';
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
      // The agent sees its socket close (HAProxy passes the node's death on; under load, a moment later).
      await until(() => agent.closes.length >= 1, 'the agent saw its connection close');
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
