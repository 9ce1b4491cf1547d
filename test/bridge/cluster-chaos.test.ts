/**
 * Chaos over 500+ calls: three bridge processes behind the machine's HAProxy on one real
 * redis-server, ten agents that reconnect and apply frames the way the extension does, call events
 * posted by a "PBX" to any live node (retrying another when one dies before answering, as a webhook
 * sender behind a load balancer does), while nodes are SIGKILLed and restarted, Redis is restarted
 * (losing everything) and agents' connections are cut. Every call must pop exactly once at its
 * agent, and end there with the right outcome (answered or not): 0 missed, 0 duplicated, 0 wrong.
 */
import { TokenAuthority } from '../../bridge/src/auth/tokens';
import { SIGNATURE_HEADER, signBody, TIMESTAMP_HEADER } from '../../bridge/src/webhook/signature';
import { FollowingAgent, TestHaproxy } from '../support/haproxy';
import { type BridgeNode, BridgeNodes, TestRedis } from '../support/redis';
import { sleep } from './fixture';

const SECRET = 'chaos-test-webhook-secret-012345';
const TOKEN_SECRET = 'chaos-test-token-secret-0123456789abcdef0';
const CALLS = 520;
const AGENTS = 10;
const SPACING_MS = 70;
jest.setTimeout(150_000);

let redis: TestRedis;
let nodes: BridgeNodes;

beforeAll(async () => {
  redis = await TestRedis.start();
  nodes = new BridgeNodes(redis, TOKEN_SECRET, SECRET);
  await nodes.build();
});
afterAll(async () => {
  await nodes?.close();
  await redis?.stop();
});

const live = new Set<BridgeNode>();

/** Posts one event to a random live node; a node that dies before answering is not an answer. */
async function post(body: unknown): Promise<void> {
  const text = JSON.stringify(body);
  for (let attempt = 0; attempt < 100; attempt++) {
    const choices = [...live];
    const node = choices[Math.floor(Math.random() * choices.length)];
    if (node) {
      const timestamp = Math.floor(Date.now() / 1000);
      try {
        const response = await fetch(`${node.origin}/sources/hooks/events`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            [TIMESTAMP_HEADER]: String(timestamp),
            [SIGNATURE_HEADER]: signBody(SECRET, text, timestamp),
          },
          body: text,
          signal: AbortSignal.timeout(8000),
        });
        await response.text();
        if (response.status === 200) return;
      } catch {
        // Killed, or not listening yet: another node.
      }
    }
    await sleep(100);
  }
  throw new Error(`no node took ${text}`);
}

test('chaos: node kills, Redis restarts and agent drops over 500 calls: 0 missed, 0 duplicated, 0 wrong final state', async () => {
  const started = await Promise.all(['n1', 'n2', 'n3'].map((name) => nodes.start(name)));
  for (const node of started) live.add(node);
  const proxy = await TestHaproxy.start(started.map((n) => n.port));
  const authority = new TokenAuthority({ secret: TOKEN_SECRET });
  const agents = Array.from({ length: AGENTS }, (_, i) => {
    const extension = String(3000 + i);
    const { token } = authority.issue({ extensions: [extension], permissions: ['history'], ttlSeconds: 3600 });
    return new FollowingAgent(proxy.url, token, extension);
  });
  const truth = new Map<string, { agent: FollowingAgent; answered: boolean }>();
  let chaosRunning = true;
  const faults = { nodeKills: 0, redisRestarts: 0, agentDrops: 0 };
  try {
    const deadline = Date.now() + 20_000;
    while (agents.some((a) => a.grants === 0)) {
      if (Date.now() > deadline) throw new Error('agents did not connect');
      await sleep(50);
    }

    const chaos = (async () => {
      const plan: ('kill' | 'redis' | 'drop')[] = [
        'drop',
        'kill',
        'drop',
        'redis',
        'drop',
        'kill',
        'drop',
        'redis',
        'drop',
        'kill',
      ];
      for (const step of plan) {
        await sleep(3500);
        if (!chaosRunning) return;
        if (step === 'drop') {
          for (const agent of agents.filter(() => Math.random() < 0.4)) agent.drop();
          faults.agentDrops += 1;
        } else if (step === 'redis') {
          await redis.restart(300);
          faults.redisRestarts += 1;
        } else {
          const victim = [...live][Math.floor(Math.random() * live.size)] as BridgeNode;
          live.delete(victim);
          await nodes.stop(victim, 'SIGKILL');
          faults.nodeKills += 1;
          // HAProxy keeps its server list: the node comes back on the same port.
          const back = await nodes.startOn(victim.name, victim.port);
          live.add(back);
        }
      }
    })();

    const calls: Promise<void>[] = [];
    for (let i = 0; i < CALLS; i++) {
      const agent = agents[i % AGENTS] as FollowingAgent;
      const callId = `chaos-${i}`;
      const answered = Math.random() < 0.6;
      truth.set(callId, { agent, answered });
      const base = { callId, caller: `+49301${String(i).padStart(5, '0')}`, callee: agent.extension };
      calls.push(
        (async () => {
          await post({ ...base, event: 'ringing', seq: 1 });
          await sleep(300 + Math.random() * 700);
          if (answered) await post({ ...base, event: 'connected', seq: 2 });
          await sleep(500 + Math.random() * 1000);
          await post({
            ...base,
            event: 'ended',
            seq: 3,
            outcome: answered ? 'hungup' : 'cancelled',
            ...(answered ? { talkDuration: 1 } : {}),
          });
        })(),
      );
      await sleep(SPACING_MS);
    }
    await Promise.all(calls);
    chaosRunning = false;
    await chaos;
    // Let every agent settle: all connected, every call ended at its agent (or time out and count).
    const settle = Date.now() + 15_000;
    const unsettled = () =>
      [...truth].filter(([id, t]) => t.agent.call(id)?.endedAt === undefined || t.agent.grants === 0).length;
    while (unsettled() > 0 && Date.now() < settle) await sleep(100);

    let missed = 0;
    let duplicated = 0;
    let wrong = 0;
    const wrongOnes: string[] = [];
    for (const [id, t] of truth) {
      const call = t.agent.call(id);
      const pops = t.agent.pops.get(id) ?? 0;
      if (!call) missed += 1;
      if (pops > 1) duplicated += 1;
      if (call && (call.endedAt === undefined || call.wasConnected !== t.answered)) {
        wrong += 1;
        if (wrongOnes.length < 5) wrongOnes.push(`${id}: ${JSON.stringify(call)} expected answered=${t.answered}`);
      }
    }
    const popped = [...truth].filter(([id, t]) => (t.agent.pops.get(id) ?? 0) === 1).length;
    console.log(
      `chaos: ${CALLS} calls, ${faults.nodeKills} node kills, ${faults.redisRestarts} Redis restarts, ${faults.agentDrops} agent drops, ${agents.reduce((n, a) => n + a.grants - 1, 0)} reconnects; popped once ${popped}; missed ${missed}, duplicated ${duplicated}, wrong final state ${wrong}${wrongOnes.length ? `\n${wrongOnes.join('\n')}` : ''}`,
    );
    expect(popped).toBeGreaterThan(0); // the counts are real
    expect(faults.nodeKills).toBeGreaterThan(0);
    expect(faults.redisRestarts).toBeGreaterThan(0);
    expect({ missed, duplicated, wrong }).toEqual({ missed: 0, duplicated: 0, wrong: 0 });
  } finally {
    chaosRunning = false;
    for (const agent of agents) agent.stop();
    await proxy.stop();
  }
});
