/**
 * `tel:`, `callto:` and `sip:` links on a CRM site with "links" on: a plain click dials through
 * the PBX instead of asking the operating system for a phone app. A click with a modifier key
 * (Ctrl, Alt, Shift, Meta), a middle click, a click the page already handled, and any click the
 * page made itself keep the browser's default.
 */
const DIAL_SCHEMES = /^\s*(?:tel|callto|sips?):/i;

/** What of a click the decision reads (a real MouseEvent in the page; a plain object in tests). */
export type LinkClick = Pick<
  MouseEvent,
  | 'isTrusted'
  | 'defaultPrevented'
  | 'button'
  | 'altKey'
  | 'ctrlKey'
  | 'metaKey'
  | 'shiftKey'
  | 'detail'
  | 'clientX'
  | 'clientY'
  | 'composedPath'
>;

function linkTarget(event: LinkClick): { element: Element; href: string } | null {
  for (const item of event.composedPath()) {
    if (!(item instanceof Element)) continue;
    if (item instanceof HTMLAnchorElement || item instanceof HTMLAreaElement) {
      return item.hasAttribute('href') ? { element: item, href: item.getAttribute('href') ?? '' } : null;
    }
    if (item.localName === 'a' && item.namespaceURI === 'http://www.w3.org/2000/svg') {
      const href = item.getAttribute('href') ?? item.getAttribute('xlink:href');
      return href ? { element: item, href } : null;
    }
  }
  return null;
}

/** The dial link a click is on, if PopLine should dial it instead of the browser's default. */
export function dialLinkOf(
  event: LinkClick,
): { href: string; where: { x: number; y: number }; visible: boolean } | null {
  if (!event.isTrusted || event.defaultPrevented || event.button !== 0) return null;
  if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return null;
  const link = linkTarget(event);
  if (!link || !DIAL_SCHEMES.test(link.href)) return null;
  // A link activated from the keyboard has no pointer position: use the link's own place.
  const box = link.element.getBoundingClientRect();
  const where = event.detail === 0 ? { x: box.left, y: box.bottom } : { x: event.clientX, y: event.clientY };
  const visible = linkIsVisible(link.element, event.detail === 0 ? null : where);
  return { href: link.href.trim(), where, visible };
}

/** Smaller than this (CSS px) either way, a link is not something the agent meant to click. */
export const MIN_LINK_PX = 8;

/**
 * Whether a dial link is plainly visible where it was clicked (docs/security.md, attacker A):
 * a page could lay an invisible, tiny, transparent or clipped `tel:` link over its own button
 * to turn an ordinary click into a call. Such a link is refused.
 */
export function linkIsVisible(element: Element, at: { x: number; y: number } | null): boolean {
  const box = element.getBoundingClientRect();
  if (box.width < MIN_LINK_PX || box.height < MIN_LINK_PX) return false;
  let opacity = 1;
  for (let node: Element | null = element; node; node = node.parentElement) {
    const style = getComputedStyle(node);
    const own = Number.parseFloat(style.opacity);
    opacity *= Number.isNaN(own) ? 1 : own;
    if ((style.visibility === 'hidden' || style.visibility === 'collapse') && node === element) return false;
    if ((style.clipPath && style.clipPath !== 'none') || (style.clip && style.clip !== 'auto')) return false;
  }
  if (opacity < 0.5) return false;
  if (!at) return true;
  // What the agent saw under the pointer must be the link (not a page element laid over it, nor it over one).
  const top = document.elementFromPoint(at.x, at.y);
  return !!top && (top === element || element.contains(top));
}

export type LinkHandler = (event: MouseEvent, href: string, where: { x: number; y: number }) => void;

export function watchDialLinks(
  onLink: LinkHandler,
  onHidden: (where: { x: number; y: number }) => void,
  signal: AbortSignal,
): void {
  const onClick = (event: MouseEvent) => {
    const link = dialLinkOf(event);
    if (!link) return;
    event.preventDefault();
    if (!link.visible) return onHidden(link.where);
    onLink(event, link.href, link.where);
  };
  window.addEventListener('click', onClick, { capture: true, signal });
}
