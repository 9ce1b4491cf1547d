/**
 * Firefox (issue 18, gap 11): the note is typed in the card's entry frame, and the page's
 * capture-phase key logger sees none of it. Configured by managed storage (Firefox's extension
 * pages cannot be reached from a test); the card is read and clicked over WebDriver BiDi.
 */
import type { Page } from 'puppeteer-core';
import { type Simulator, startSimulator } from '../../sim/server';
import { FIREFOX_DIST, launchFirefox, readCardsBidi, waitFor } from '../support/browsers';
import { cardButtonPointBidi } from '../support/entry';
import { settingsFor } from '../support/extension';

jest.setTimeout(120_000);

let sim: Simulator;
let firefox: Awaited<ReturnType<typeof launchFirefox>>;
let page: Page;

beforeAll(async () => {
  sim = await startSimulator({ port: 0 });
  firefox = await launchFirefox({ managed: { settings: settingsFor(sim.ctiUrl), token: 'popline-demo' } });
  await firefox.browser.installExtension(FIREFOX_DIST);
  page = await firefox.browser.newPage();
  await page.goto(sim.crmUrl);
  await waitFor(() => sim.cti.grantedCount > 0, { what: 'the extension to connect', timeout: 30_000 });
});

afterAll(async () => {
  await firefox?.close();
  await sim?.close();
});

const seen = () => page.evaluate(() => (window as unknown as { pageSaw: string[] }).pageSaw);

async function clickCard(sessionId: string, label: string): Promise<void> {
  const point = await waitFor(() => cardButtonPointBidi(page, sessionId, label), { what: `"${label}" on the card` });
  await page.mouse.click(point.x, point.y);
}

test('in Firefox, a note typed on the card is saved and the page sees none of the keys', async () => {
  await page.evaluate(() => {
    const w = window as unknown as { pageSaw: string[] };
    w.pageSaw = [];
    for (const type of ['keydown', 'keypress', 'keyup', 'beforeinput', 'input']) {
      window.addEventListener(type, (event) => w.pageSaw.push(`${type}:${(event as KeyboardEvent).key ?? ''}`), true);
    }
    const field = document.createElement('input');
    field.id = 'page-field';
    document.body.append(field);
  });
  const call = sim.pbx.ring({ from: '+36 1 234 5678', name: 'Firefox Note', to: '1001' });
  sim.pbx.answer(call.sessionId);
  await waitFor(
    async () => (await readCardsBidi(page)).find((c) => c.sessionId === call.sessionId)?.phase === 'connected',
    {
      what: 'the connected card',
      timeout: 30_000,
    },
  );
  await clickCard(call.sessionId, 'Add a note');
  // The frame opens and takes the focus; the agent types and saves with Ctrl+Enter.
  // (Over BiDi the extension's frame shows as about:blank and cannot be looked into: wait for the frame's field.)
  await waitFor(() => page.evaluate(() => document.activeElement?.localName === 'popline-cards'), {
    what: 'the focus in the card',
  });
  await new Promise((resolve) => setTimeout(resolve, 1000)); // its form drawn and focused (a late field fails the test, never passes it)
  await page.keyboard.type('Wants a quote');
  await page.keyboard.down('Control');
  await page.keyboard.press('Enter');
  await page.keyboard.up('Control');
  // Saved with text: the card says so and offers to edit the note (it would offer "Add a note" for an empty one).
  await waitFor(() => cardButtonPointBidi(page, call.sessionId, 'Edit the note'), { what: 'the note saved' });
  // The one key the page may see is Control's release: Ctrl+Enter saved and closed the form, so
  // the key went up in the page. No key the agent typed in the frame reached it.
  expect((await seen()).filter((event) => event !== 'keyup:Control')).toEqual([]);
  // Positive control: the same listeners hear typing in the page itself.
  await page.click('#page-field');
  await page.keyboard.type('ok');
  expect(await seen()).toContain('keydown:o');
  sim.pbx.hangup(call.sessionId);
});
