import type { Page } from 'puppeteer-core';
import { type Simulator, startSimulator } from '../../sim/server';
import { type ExtensionBrowser, launchChromium, readCards, waitFor } from '../support/browsers';
import { configure, connectionState, settingsFor } from '../support/extension';

jest.setTimeout(90_000);

let sim: Simulator;
let chromium: ExtensionBrowser;
let page: Page;

beforeAll(async () => {
  sim = await startSimulator({ port: 0 });
  chromium = await launchChromium();
  const worker = await chromium.worker();
  await configure(worker, settingsFor(sim.ctiUrl), 'popline-demo');
  await waitFor(async () => (await connectionState(worker)) === 'ACCESS_GRANTED', { what: 'connection' });
  page = await chromium.browser.newPage();
  await page.goto(sim.crmUrl);
  await page.bringToFront();
});

afterAll(async () => {
  await chromium?.close();
  await sim?.close();
});

test('a simulator call pops a card that follows ringing, talking, held and ended', async () => {
  const call = sim.pbx.ring({ from: '+49 30 1234567', name: 'Anna Schmidt', to: '1001' });
  const [ringing] = await waitFor(
    async () => {
      const cards = await readCards(page);
      return cards.length ? cards : null;
    },
    { what: 'the card' },
  );
  expect(ringing).toMatchObject({
    sessionId: call.sessionId,
    phase: 'ringing',
    name: 'Anna Schmidt',
    state: 'Ringing',
  });
  expect(ringing?.number).toBe('+49 30 1234567');

  sim.pbx.answer(call.sessionId);
  await waitFor(async () => (await readCards(page))[0]?.phase === 'connected', { what: 'talking' });
  sim.pbx.hold(call.sessionId);
  await waitFor(async () => (await readCards(page))[0]?.state === 'On hold', { what: 'on hold' });
  sim.pbx.unhold(call.sessionId);
  await waitFor(async () => (await readCards(page))[0]?.phase === 'connected', { what: 'talking again' });
  sim.pbx.hangup(call.sessionId);
  const [ended] = await waitFor(
    async () => {
      const cards = await readCards(page);
      return cards[0]?.phase === 'ended' ? cards : null;
    },
    { what: 'ended' },
  );
  expect(ended).toMatchObject({ outcome: 'answered', state: 'Call ended' });
});
