/**
 * The extension in Chromium connected through the machine's HAProxy (bridge/deploy/haproxy.cfg) to a
 * cluster of two bridge processes on one real redis-server: a webhook into node B pops the card
 * of the extension connected to node A; node A is SIGKILLed while the call rings, the extension
 * reconnects through HAProxy to node B, and the card stays and follows the call to its end.
 */
import { TokenAuthority } from '../../bridge/src/auth/tokens';
import { SIGNATURE_HEADER, signBody, TIMESTAMP_HEADER } from '../../bridge/src/webhook/signature';
import { type Simulator, startSimulator } from '../../sim/server';
import { type ExtensionBrowser, launchChromium, readCards, waitFor } from '../support/browsers';
import { configure, settingsFor } from '../support/extension';
import { TestHaproxy } from '../support/haproxy';
import { type BridgeNode, BridgeNodes, TestRedis } from '../support/redis';
import { waitForCard } from '../support/session';

jest.setTimeout(120_000);

const SECRET = 'cluster-e2e-webhook-secret-0123';
const TOKEN_SECRET = 'cluster-e2e-token-secret-0123456789abcdef';
let redis: TestRedis;
let nodes: BridgeNodes;
let proxy: TestHaproxy;
let crm: Simulator;
let chromium: ExtensionBrowser;

beforeAll(async () => {
  redis = await TestRedis.start();
  nodes = new BridgeNodes(redis, TOKEN_SECRET, SECRET);
  await nodes.build();
  crm = await startSimulator({ port: 0 });
  chromium = await launchChromium();
});
afterAll(async () => {
  await chromium?.close();
  await crm?.close();
  await proxy?.stop();
  await nodes?.close();
  await redis?.stop();
});

async function hook(node: BridgeNode, body: unknown): Promise<void> {
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
  expect(response.status).toBe(200);
}

const event = (kind: string, seq: number, extra: Record<string, unknown> = {}) => ({
  callId: 'cluster-call-1',
  event: kind,
  seq,
  caller: '+4930123456',
  callee: '1001',
  callerName: 'Anna Schmidt',
  ...extra,
});

test('a webhook into node B pops the card of an extension on node A; A is killed while it rings; the card follows', async () => {
  const first = await nodes.start('a');
  const second = await nodes.start('b');
  proxy = await TestHaproxy.start([first.port, second.port]);
  const { token } = new TokenAuthority({ secret: TOKEN_SECRET }).issue({
    extensions: ['1001'],
    permissions: ['control', 'history'],
    ttlSeconds: 3600,
  });
  await configure(await chromium.worker(), settingsFor(proxy.url, { connection: { extension: '1001' } }), token);
  const home = await waitFor(() => nodes.holding('1001') ?? null, { what: 'the extension on a node', timeout: 20_000 });
  const other = home === first ? second : first;

  const crmTab = await chromium.browser.newPage();
  await crmTab.goto(crm.crmUrl);
  await crmTab.bringToFront();
  await hook(other, event('ringing', 1));
  const card = await waitForCard(crmTab, 'cluster-call-1');
  expect(card.name).toBe('Anna Schmidt');

  await nodes.stop(home, 'SIGKILL');
  // Back through HAProxy, on the node that is left.
  await waitFor(() => (nodes.holding('1001') === other ? true : null), {
    what: 'the extension on the other node',
    timeout: 30_000,
  });
  expect((await readCards(crmTab)).filter((c) => c.sessionId === 'cluster-call-1')).toHaveLength(1); // the card stayed
  await hook(other, event('connected', 2));
  await waitForCard(crmTab, 'cluster-call-1', (c) => c.phase === 'connected', 'the answered card');
  await hook(other, event('ended', 3, { outcome: 'hungup' }));
  await waitForCard(crmTab, 'cluster-call-1', (c) => c.phase === 'ended', 'the ended card');
  expect((await readCards(crmTab)).filter((c) => c.sessionId === 'cluster-call-1')).toHaveLength(1); // never twice
});
