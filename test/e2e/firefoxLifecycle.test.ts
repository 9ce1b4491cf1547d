/**
 * Firefox's own lifecycle (issue 19): its event page is unloaded when idle, unlike a Chrome
 * service worker that the tests stop by hand. With the idle timeout shortened, the test waits
 * for Firefox to unload PopLine's background (its connection to the PBX closes), then opens a
 * CRM tab: the content script wakes the background, which reconnects, and a call pops. While
 * that tab stays open, the page is not unloaded again.
 */
import type { Page } from 'puppeteer-core';
import { type Simulator, startSimulator } from '../../sim/server';
import { FIREFOX_DIST, launchFirefox, readCardsBidi, waitFor } from '../support/browsers';
import { settingsFor } from '../support/extension';

jest.setTimeout(120_000);

let sim: Simulator;
let firefox: Awaited<ReturnType<typeof launchFirefox>>;

beforeAll(async () => {
  sim = await startSimulator({ port: 0 });
  firefox = await launchFirefox({
    managed: { settings: settingsFor(sim.ctiUrl), token: 'popline-demo' },
    prefs: { 'extensions.background.idle.timeout': 2000 },
  });
  await firefox.browser.installExtension(FIREFOX_DIST);
});
afterAll(async () => {
  await firefox?.close();
  await sim?.close();
});

test('in Firefox, a call still pops after the idle event page was unloaded', async () => {
  // Connected first (the positive control for the drop that follows).
  await waitFor(() => sim.cti.grantedCount === 1, { what: 'the extension to connect', timeout: 30_000 });
  // No CRM tab, nothing to do: Firefox unloads the event page, and its WebSocket closes with it.
  await waitFor(() => sim.cti.grantedCount === 0, { what: 'Firefox to unload the idle event page', timeout: 60_000 });
  const crm: Page = await firefox.browser.newPage();
  await crm.goto(sim.crmUrl);
  await waitFor(() => sim.cti.grantedCount === 1, { what: 'the woken background to reconnect', timeout: 30_000 });
  const call = sim.pbx.ring({ from: '+49 30 1234567', name: 'After Unload', to: '1001' });
  const card = await waitFor(async () => (await readCardsBidi(crm)).find((c) => c.sessionId === call.sessionId), {
    what: 'the card after the unload',
    timeout: 30_000,
  });
  expect(card).toMatchObject({ name: 'After Unload', state: 'Ringing' });
  sim.pbx.hangup(call.sessionId);
  // With the CRM tab open, the page stays: well past the idle timeout it is still connected, and
  // the next call pops at once (README: keep a CRM tab open in Firefox).
  const drops = sim.cti.grantedCount;
  await new Promise((resolve) => setTimeout(resolve, 6000));
  expect(sim.cti.grantedCount).toBe(drops);
  const next = sim.pbx.ring({ from: '+49 30 7654321', name: 'Still Here', to: '1001' });
  await waitFor(async () => (await readCardsBidi(crm)).some((c) => c.sessionId === next.sessionId), {
    what: 'the next card, the tab kept open',
  });
  sim.pbx.hangup(next.sessionId);
});
