/**
 * The card's host element: a closed shadow root on an element reset with `all: initial`,
 * fixed in a corner, so the page's CSS cannot touch the card, the card cannot touch the page,
 * and the page's layout never shifts. It is attached only while a card shows.
 */
import type { CardPosition } from '../../shared/cards';
import { CARD_CSS, hostStyle } from './styles';

export interface Host {
  mount: HTMLElement;
  /** Puts the host in the page (idempotent). */
  show(): void;
  /** Takes it out, leaving the page as it was. */
  hide(): void;
  /** Moves the stack (px from the bottom-right corner, kept inside the window). */
  move(position: CardPosition): CardPosition;
  position(): CardPosition;
}

const MAX_REPAIRS = 20;
const MARGIN = 16;

export function createHost(signal: AbortSignal): Host {
  const element = document.createElement('popline-cards');
  let position: CardPosition = { right: MARGIN, bottom: MARGIN };
  let style = hostStyle(position);
  element.setAttribute('style', style);
  const shadow = element.attachShadow({ mode: 'closed' });
  const css = document.createElement('style');
  css.textContent = CARD_CSS;
  const mount = document.createElement('div');
  shadow.append(css, mount);
  // Typing in the card's fields is not for the page's keyboard shortcuts: those keys stop here.
  for (const type of ['keydown', 'keypress', 'keyup'] as const) {
    mount.addEventListener(type, (event) => {
      if ((event.target as Element).closest?.('input, textarea')) event.stopPropagation();
    });
  }
  let wanted = false;
  // A page that removes or restyles our host gets it back, a limited number of times, so we
  // never fight a page forever.
  let repairs = 0;
  const observer = new MutationObserver(() => {
    if (!wanted || (element.isConnected && element.getAttribute('style') === style)) return;
    if (repairs++ >= MAX_REPAIRS) return observer.disconnect();
    element.setAttribute('style', style);
    if (!element.isConnected) document.documentElement.append(element);
  });
  observer.observe(element, { attributes: true });
  observer.observe(document.documentElement, { childList: true });
  signal.addEventListener('abort', () => {
    wanted = false;
    observer.disconnect();
    element.remove();
  });
  return {
    mount,
    show() {
      wanted = true;
      if (!element.isConnected) document.documentElement.append(element);
    },
    hide() {
      wanted = false;
      element.remove();
    },
    move(next) {
      const { width, height } = element.getBoundingClientRect();
      position = {
        right: Math.round(Math.min(Math.max(0, next.right), Math.max(0, innerWidth - Math.max(width, 48)))),
        bottom: Math.round(Math.min(Math.max(0, next.bottom), Math.max(0, innerHeight - Math.max(height, 48)))),
      };
      style = hostStyle(position);
      element.setAttribute('style', style);
      return position;
    },
    position: () => position,
  };
}
