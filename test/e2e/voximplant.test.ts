/**
 * Voximplant end to end: the shipped scenario in the VoxEngine emulator → the bridge's Voximplant
 * source → the built extension in Chromium. The card pops with the caller, follows the call, its Hold
 * and Hang up buttons reach the scenario through the session's control URL, and each call ends with
 * the outcome its sequence means (answered, busy, missed).
 */
import type { Page } from 'puppeteer-core';
import { VoximplantSource } from '../../bridge/src/sources/voximplant';
import { type Simulator, startSimulator } from '../../sim/server';
import { startTestBridge, type TestBridge } from '../bridge/fixture';
import { clickCardControl, type ExtensionBrowser, launchChromium, waitFor } from '../support/browsers';
import { configure, connectionState, settingsFor } from '../support/extension';
import { waitForCard } from '../support/session';
import { VoxCloud } from '../support/voxengine';

jest.setTimeout(120_000);

const SECRET = 'voximplant-e2e-secret-0123456789';
let bridge: TestBridge;
let crm: Simulator;
let cloud: VoxCloud;
let chromium: ExtensionBrowser;
let page: Page;

beforeAll(async () => {
  bridge = await startTestBridge({
    sources: [
      new VoximplantSource({
        id: 'vox',
        secret: SECRET,
        agents: { '1001': 'user:anna' },
        routes: { '+4930555000': '1001' },
        controlUrl: '^http://127\\.0\\.0\\.1:\\d+/',
      }),
    ],
  });
  cloud = await VoxCloud.start({
    storage: { popline_bridge_url: `${bridge.running.origin}/sources/vox/events`, popline_secret: SECRET },
  });
  crm = await startSimulator({ port: 0 });
  chromium = await launchChromium();
  const worker = await chromium.worker();
  await configure(worker, settingsFor(bridge.url, { cards: { fadeAfterSeconds: 30 } } as never), 'a1001');
  await waitFor(async () => ((await connectionState(worker)) === 'ACCESS_GRANTED' ? true : null), {
    what: 'the extension to connect to the bridge',
  });
  page = await chromium.browser.newPage();
  await page.goto(crm.crmUrl);
  await page.bringToFront();
});

afterAll(async () => {
  await chromium?.close();
  await crm?.close();
  await cloud?.stop();
  await bridge?.stop();
});

test('an inbound call pops the card, follows it, and is held and hung up from the card', async () => {
  const session = cloud.incoming({ callerid: '+4930123456', displayName: 'Anna Schmidt', destination: '+4930555000' });
  const leg = await session.nextCall();
  const id = `vx-${session.id}-1`;
  const card = await waitForCard(page, id);
  expect(card).toMatchObject({ name: 'Anna Schmidt', direction: 'Incoming' });
  expect(card.number.replace(/\D/g, '')).toBe('4930123456');
  leg.remote.ringing();
  leg.remote.answer();
  await waitForCard(page, id, (c) => c.phase === 'connected', 'the connected card');
  await clickCardControl(page, id, 'Hold');
  await waitFor(() => (session.inbound?.mediaTo.has(leg) === false ? true : null), {
    what: 'the hold in the scenario',
  });
  await waitForCard(page, id, (c) => c.phase === 'held', 'the held card');
  await clickCardControl(page, id, 'Hang up');
  await waitForCard(page, id, (c) => c.outcome === 'answered', 'the answered outcome');
  await session.ended();
  expect(session.inbound?.actions).toContain('hangup');
  expect(session.errors).toEqual([]);
});

test('busy and missed calls end with their outcomes', async () => {
  const busy = cloud.incoming({ callerid: '+4930111222', destination: '+4930555000' });
  (await busy.nextCall()).remote.fail(486, 'Busy Here');
  await waitForCard(page, `vx-${busy.id}-1`, (c) => c.outcome === 'busy', 'the busy outcome');
  const missed = cloud.incoming({ callerid: '+4930333444', destination: '+4930555000' });
  (await missed.nextCall()).remote.ringing();
  await waitForCard(page, `vx-${missed.id}-1`);
  missed.inbound?.remote.hangup();
  await waitForCard(page, `vx-${missed.id}-1`, (c) => c.outcome === 'missed', 'the missed outcome');
});
