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

/**
 * Firefox: the centre of a card's button (by its text or label) in PopLine's closed shadow root,
 * found over WebDriver BiDi (which can serialise closed shadow trees; page scripts cannot), for a
 * real click with the mouse. Null while there is no such button.
 */
export async function cardButtonPointBidi(
  page: Page,
  sessionId: string,
  label: string,
): Promise<{ x: number; y: number } | null> {
  type Remote = { type: string; value?: { shadowRoot?: { sharedId?: string } | null } | unknown };
  type Evaluated = { type: 'success'; result: Remote } | { type: 'exception' };
  type CoreRealm = { callFunction(fn: string, awaitPromise: boolean, options?: object): Promise<Evaluated> };
  const realm = (page.mainFrame() as unknown as { mainRealm(): { realm: CoreRealm } }).mainRealm().realm;
  const host = await realm.callFunction("() => document.querySelector('popline-cards')", false, {
    serializationOptions: { includeShadowTree: 'all', maxDomDepth: 0 },
  });
  const node = host.type === 'success' ? host.result : undefined;
  const shadowId = (node?.value as { shadowRoot?: { sharedId?: string } | null } | undefined)?.shadowRoot?.sharedId;
  if (!shadowId) return null;
  const found = await realm.callFunction(
    `(root, id, label) => {
      const card = [...root.querySelectorAll('.card')].find((c) => c.dataset.session === id);
      const button = [...(card?.querySelectorAll('button') ?? [])].find(
        (b) => b.textContent.trim() === label || b.getAttribute('aria-label') === label);
      if (!button) return '';
      const r = button.getBoundingClientRect();
      return JSON.stringify({ x: r.x + r.width / 2, y: r.y + r.height / 2 });
    }`,
    false,
    { arguments: [{ sharedId: shadowId }, { type: 'string', value: sessionId }, { type: 'string', value: label }] },
  );
  const text = found.type === 'success' ? (found.result as { value?: unknown }).value : '';
  return typeof text === 'string' && text ? (JSON.parse(text) as { x: number; y: number }) : null;
}
