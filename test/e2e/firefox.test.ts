/**
 * Firefox smoke test: the Firefox build installs in firefox-esr, takes its configuration from
 * an administrator's managed-storage manifest (the policy path; firefoxPages.test.ts configures
 * it through the options page instead), and a simulator call pops the card in the demo CRM. The
 * card is read from its closed shadow root over WebDriver BiDi.
 */
import type { Page } from 'puppeteer-core';
import { type Simulator, startSimulator } from '../../sim/server';
import { FIREFOX_DIST, launchFirefox, readCardsBidi, waitFor } from '../support/browsers';
import { settingsFor } from '../support/extension';

jest.setTimeout(120_000);

let sim: Simulator;
let firefox: Awaited<ReturnType<typeof launchFirefox>>;
let page: Page;

beforeAll(async () => {
  sim = await startSimulator({ port: 0 });
  firefox = await launchFirefox({ managed: { settings: settingsFor(sim.ctiUrl), token: 'popline-demo' } });
  expect(await firefox.browser.installExtension(FIREFOX_DIST)).toBe('popline@popline.dev');
  page = await firefox.browser.newPage();
  await page.goto(sim.crmUrl);
  await waitFor(() => sim.cti.grantedCount > 0, { what: 'the extension to connect', timeout: 30_000 });
});

afterAll(async () => {
  await firefox?.close();
  await sim?.close();
});

const cardOf = async (id: string) => (await readCardsBidi(page)).find((card) => card.sessionId === id);

test('a simulator call pops the card in Firefox and follows the call to its end', async () => {
  const name = 'Kovács Péter <img src=x onerror=alert(1)>';
  const call = sim.pbx.ring({ from: '+36 1 234 5678', name, to: '1001' });
  const card = await waitFor(() => cardOf(call.sessionId), { what: 'the card', timeout: 30_000 });
  expect(card).toMatchObject({ phase: 'ringing', name, state: 'Ringing', number: '+36 1 234 5678' });
  expect(card.html).not.toContain('<img');

  sim.pbx.answer(call.sessionId);
  await waitFor(async () => (await cardOf(call.sessionId))?.state === 'Talking', { what: 'talking' });
  sim.pbx.hangup(call.sessionId);
  await waitFor(async () => (await cardOf(call.sessionId))?.outcome === 'answered', { what: 'ended' });
});
