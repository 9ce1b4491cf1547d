/**
 * Redis loses its data (a restart without persistence) while nodes still hold changes the others
 * had not read: the node that puts the calls back knows only its own mirror, so every node writes
 * again what it wrote lately, and a call that ended stays ended whatever order those replays land in.
 * Books of the cluster (bridge/src/cluster/book.ts) on a real redis-server; the data loss is a
 * FLUSHALL, then each book's `connected()` as after its writer's reconnect, in a chosen order.
 */
import { Redis } from 'ioredis';
import { type ClusterKeys, clusterKeys, defineScripts, SharedBook } from '../../bridge/src/cluster/book';
import type { CtiSession } from '../../src/shared/protocol';
import { TestRedis } from '../support/redis';
import { sleep } from './fixture';

let redis: TestRedis;
const clients: Redis[] = [];
const books: SharedBook[] = [];
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

beforeAll(async () => {
  redis = await TestRedis.start();
});
afterAll(async () => {
  // Closed together, their connections cut: each reader may be in a blocking read of up to a second.
  const closing = books.map((book) => book.close());
  for (const client of clients) client.disconnect();
  await Promise.all(closing);
  await redis?.stop();
}, 20_000);

function client(): Redis {
  const c = new Redis(redis.url, { maxRetriesPerRequest: null, lazyConnect: false });
  defineScripts(c);
  clients.push(c);
  return c;
}

/** A node's book; its reader runs only when `reading` (a node that has not read the others' events yet). */
async function book(node: string, keys: ClusterKeys, reading = true): Promise<SharedBook> {
  const b = new SharedBook(client(), client(), { keys, node, streamLength: 1000, maxBuffered: 10_000, log: quiet });
  books.push(b);
  await b.connected();
  if (reading) b.start({ event() {}, closed() {}, resynced() {}, revoked() {} });
  return b;
}

const session = (sessionId: string, state: string): CtiSession => ({
  sessionId,
  state,
  caller: '+4930123456',
  callee: '1001',
  startTime: new Date(0).toISOString(),
});

async function written(b: SharedBook): Promise<void> {
  expect(await b.whenWritten(b.mark, 5000)).toBe(true);
}
/** The kinds (field t) of the stream's entries, in order. */
const kinds = (keys: ClusterKeys) =>
  [...redis.cli('XRANGE', keys.events, '-', '+').matchAll(/^t\n(\w)$/gm)].map((m) => m[1]);
const calls = (keys: ClusterKeys) => redis.cli('HKEYS', keys.calls).split('\n').filter(Boolean).sort();

test('the calls another node wrote come back after Redis lost its data, and an ended one stays ended', async () => {
  const keys = clusterKeys('replay1:');
  // A put the calls back first, knowing none of them (its reader never read the others' events).
  const a = await book('a', keys, false);
  const b = await book('b', keys);
  const c = await book('c', keys);
  b.upsert('hooks', session('kept', 'Ringing'));
  b.upsert('hooks', session('ended-later', 'Ringing'));
  await written(b);
  c.end('hooks', 'ended-later', session('ended-later', 'Completed'));
  await written(c);
  expect(calls(keys)).toEqual(['kept']); // positive control: in Redis before the loss

  redis.cli('FLUSHALL');
  expect(calls(keys)).toEqual([]);
  // The end is replayed first (C), then the ringing it ended (B): the ended call must not come back.
  await a.connected();
  await c.connected();
  await sleep(200);
  await b.connected();
  const deadline = Date.now() + 5000;
  while (!calls(keys).includes('kept') && Date.now() < deadline) await sleep(25);
  expect(calls(keys)).toEqual(['kept']);
  expect(redis.cli('ZSCORE', keys.ended, 'ended-later')).not.toBe('');
});

test('a replayed older change never overwrites a newer one: the call stays answered', async () => {
  const keys = clusterKeys('replay3:');
  const a = await book('a', keys, false);
  const b = await book('b', keys);
  const c = await book('c', keys);
  b.upsert('hooks', session('z', 'Ringing'));
  await written(b);
  await sleep(5);
  c.upsert('hooks', session('z', 'Connected'));
  await written(c);
  redis.cli('FLUSHALL');
  await a.connected();
  await c.connected(); // the newer change first
  const deadline = Date.now() + 5000;
  while (!redis.cli('HGET', keys.calls, 'z') && Date.now() < deadline) await sleep(25);
  await b.connected(); // then the older ring, from another node
  await sleep(300);
  expect(JSON.parse(redis.cli('HGET', keys.calls, 'z'))).toMatchObject({ state: 'Connected' });
  // Positive control: a live (not replayed) change after it still goes in.
  b.upsert('hooks', session('z', 'OnHold'));
  await written(b);
  expect(JSON.parse(redis.cli('HGET', keys.calls, 'z'))).toMatchObject({ state: 'OnHold' });
});

test('an end that reaches Redis before its ring (held by another node) makes the call and ends it; the ring then stays out', async () => {
  const keys = clusterKeys('replay4:');
  const c = await book('c', keys);
  const b = await book('b', keys);
  c.end('hooks', 'late-ring', session('late-ring', 'Completed'));
  await written(c);
  expect(kinds(keys)).toEqual(['c', 'x']);
  b.upsert('hooks', session('late-ring', 'Ringing'));
  await written(b);
  expect(calls(keys)).toEqual([]);
  expect(kinds(keys)).toEqual(['c', 'x']);
});

test('without a data loss nothing is replayed: a reconnect writes no change again', async () => {
  const keys = clusterKeys('replay2:');
  const b = await book('b', keys);
  b.upsert('hooks', session('once', 'Ringing'));
  await written(b);
  const before = Number(redis.cli('XLEN', keys.events));
  expect(before).toBe(1);
  b.disconnected();
  await b.connected(); // the same epoch: Redis kept its data
  await sleep(200);
  expect(Number(redis.cli('XLEN', keys.events))).toBe(before);
  // Positive control: a real change after the reconnect is written.
  b.upsert('hooks', session('once', 'Connected'));
  await written(b);
  expect(Number(redis.cli('XLEN', keys.events))).toBe(before + 1);
});
