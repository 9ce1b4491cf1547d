/**
 * The card's entry frame (issue 18, gap 11) against a hostile page, in Chromium: the page cannot
 * load PopLine's entry page into a frame of its own (to get the agent to type into it), while
 * the card's own frame loads on the same page.
 */
import type { Frame, Page } from 'puppeteer-core';
import { clickCardControl, waitFor } from '../support/browsers';
import { entryFocused, entryFrame } from '../support/entry';
import { type E2E, startE2E, waitForCard } from '../support/session';

jest.setTimeout(120_000);

let e2e: E2E;
let page: Page;

beforeAll(async () => {
  e2e = await startE2E();
  await e2e.setup();
  page = await e2e.openCrm();
});
afterAll(() => e2e?.close());

/** Whether a frame has drawn the note form (an error page or a blocked load has none). */
const hasForm = (frame: Frame) => frame.evaluate(() => !!document.querySelector('textarea, input')).catch(() => false);

test('a page cannot frame the entry page itself; the card can', async () => {
  const { pbx } = e2e.sim;
  const call = pbx.ring({ from: '+49 30 1234567', name: 'Frame Test', to: '1001' });
  pbx.answer(call.sessionId);
  await waitForCard(page, call.sessionId, (c) => c.phase === 'connected');
  // Positive control: the card's own frame loads and draws its form on this page.
  await clickCardControl(page, call.sessionId, 'Add a note');
  const own = await entryFrame(page, 'note');
  await entryFocused(own, 'Note about this call');
  expect(await hasForm(own)).toBe(true);
  const address = own.url();
  // The page tries the same address (it can learn the extension's address by other means).
  await page.evaluate((src) => {
    const frame = document.createElement('iframe');
    frame.id = 'forged';
    frame.src = src.replace('k=note', 'k=transfer');
    document.body.append(frame);
  }, address);
  // Chrome refuses the load: the frame ends on its error page, with no form in it.
  const forged = await waitFor(
    () =>
      page
        .frames()
        .find((f) => f !== own && f.parentFrame() === page.mainFrame() && f.url().startsWith('chrome-error:')),
    { what: "the page's own entry frame to be refused" },
  );
  expect(await hasForm(forged)).toBe(false);
  expect(page.frames().filter((f) => /entry\.html/.test(f.url()))).toEqual([own]);
  // And the card's frame still works on the page that tried.
  expect(await hasForm(own)).toBe(true);
});
