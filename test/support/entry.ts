/**
 * The card's entry frame (entry.html, issue 18 gap 11) in a CRM tab: where the note and the
 * transfer target are typed. Puppeteer lists it among the page's frames (an out-of-process
 * frame of the extension's origin); the page's own scripts cannot reach into it.
 */
import type { Frame, Page } from 'puppeteer-core';
import { waitFor } from './browsers';

export async function entryFrame(page: Page, kind: 'note' | 'transfer'): Promise<Frame> {
  let found: Frame | undefined;
  await waitFor(
    () => {
      found = page
        .frames()
        .find((frame) => /-extension:\/\/[^/]+\/entry\.html#/.test(frame.url()) && frame.url().includes(`k=${kind}`));
      return !!found;
    },
    { what: `the ${kind} entry frame` },
  );
  return found as Frame;
}

/** Waits until the frame's field has the keyboard focus (the card moves it there when the form opens). */
export async function entryFocused(frame: Frame, label: string): Promise<void> {
  await waitFor(
    () =>
      frame
        .evaluate((want) => document.hasFocus() && document.activeElement?.getAttribute('aria-label') === want, label)
        .catch(() => false),
    { what: `the entry frame's "${label}" field to take focus` },
  );
}

/** A real click on the frame's button with this text (the page could not make one). */
export async function clickInFrame(frame: Frame, text: string): Promise<void> {
  const button = await waitFor(
    () =>
      frame
        .evaluateHandle(
          (want) => [...document.querySelectorAll('button')].find((b) => b.textContent?.trim() === want) ?? null,
          text,
        )
        .then((handle) => (handle.asElement() ? handle : null)),
    { what: `the "${text}" button in the entry frame` },
  );
  await (button as unknown as import('puppeteer-core').ElementHandle<Element>).click();
}
