/**
 * The VoxEngine emulator keeps the documented behaviour the scenario depends on: the 200-byte custom
 * data limit, httpRequestAsync's timeout (a bridge that never answers is code -7, and the customer's call
 * is forwarded anyway), its negative codes, and one request only after Terminating.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CUSTOM_DATA_BYTES, VoxCloud } from '../support/voxengine';

let cloud: VoxCloud;
let stall: Server;
let stallUrl: string;

beforeEach(async () => {
  stall = createServer(() => undefined); // Takes the request, never answers.
  await new Promise<void>((resolve) => stall.listen(0, '127.0.0.1', resolve));
  stallUrl = `http://127.0.0.1:${(stall.address() as AddressInfo).port}/sources/vox/events`;
  cloud = await VoxCloud.start({
    storage: { popline_bridge_url: stallUrl, popline_secret: 'emulator-secret-0123456789' },
  });
});
afterEach(async () => {
  await cloud.stop();
  stall.closeAllConnections();
  await new Promise((resolve) => stall.close(resolve));
});

test('custom data over 200 bytes is refused, as VoxEngine refuses it; 200 bytes pass', () => {
  const call = { callerid: '+4930111', destination: '1001' };
  expect(() => cloud.incoming({ ...call, customData: 'x'.repeat(CUSTOM_DATA_BYTES + 1) })).toThrow(/201 bytes/);
  expect(() => cloud.startScenario('é'.repeat(101))).toThrow(/202 bytes/);
  expect(() => cloud.incoming({ ...call, customData: 'x'.repeat(CUSTOM_DATA_BYTES) })).not.toThrow();
});

test('a bridge that never answers: the request times out (-7) and the call is forwarded all the same', async () => {
  const session = cloud.incoming({ callerid: '+4930222', destination: 'anna' });
  const leg = await session.nextCall();
  expect([leg.kind, leg.target]).toEqual(['user', 'anna']);
  expect(session.http[0]).toMatchObject({ code: -7, url: stallUrl });
  expect(session.logs.some((line) => line.includes('refused "alerting" #1 (-7)'))).toBe(true);
  expect(session.errors).toEqual([]);
}, 15_000);

test('negative codes: a malformed URL is -2, a closed port -4', async () => {
  cloud.storage.popline_bridge_url = 'not a url';
  const malformed = cloud.incoming({ callerid: '+4930333', destination: 'anna' });
  await malformed.nextCall();
  expect(malformed.logs.some((line) => line.includes('(-2)'))).toBe(true);
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise((resolve) => closed.close(resolve));
  cloud.storage.popline_bridge_url = `http://127.0.0.1:${port}/events`;
  const refused = cloud.incoming({ callerid: '+4930333', destination: 'anna' });
  await refused.nextCall();
  expect(refused.http[0]?.code).toBe(-4);
});
