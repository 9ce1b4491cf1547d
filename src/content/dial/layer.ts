/**
 * PopLine's dialing layer in a page: one host element with a closed shadow root, put into the
 * page the first time something must show (a call button, a toast) and then left in place, so
 * showing and hiding never touches the page's DOM again. Until then the page is untouched.
 */
import { createElement, render } from 'preact';
import { pageIsDark } from '../cards/theme';
import type { MarkedNumber } from '../detect/api';
import { type Bubble, Overlay } from './Overlay';
import { DIAL_CSS, DIAL_HOST_STYLE } from './styles';

export interface OverlayHandlers {
  onCall(event: MouseEvent, number: MarkedNumber): void;
  onButtonHover(inside: boolean): void;
}

export interface OverlayView {
  showButton(number: MarkedNumber | undefined): void;
  button(): MarkedNumber | undefined;
  showBubble(bubble: Omit<Bubble, 'id'>): void;
  closeBubble(): void;
  /** Whether an event target is PopLine's own host (events from inside it are retargeted to it). */
  isOurs(target: EventTarget | null): boolean;
}

const TOAST_MS = 5000;
const ERROR_MS = 8000;

export function createOverlay(handlers: OverlayHandlers, signal: AbortSignal): OverlayView {
  let host: HTMLElement | undefined;
  let mount: HTMLElement | undefined;
  let button: MarkedNumber | undefined;
  let bubble: Bubble | undefined;
  let dark: boolean | undefined;
  let nextId = 1;
  let bubbleTimer: ReturnType<typeof setTimeout> | undefined;

  function attach(): HTMLElement {
    if (!host) {
      host = document.createElement('popline-dial');
      host.setAttribute('style', DIAL_HOST_STYLE);
      const shadow = host.attachShadow({ mode: 'closed' });
      const style = document.createElement('style');
      style.textContent = DIAL_CSS;
      mount = document.createElement('div');
      shadow.append(style, mount);
      signal.addEventListener('abort', () => host?.remove());
    }
    if (!host.isConnected) document.documentElement.append(host);
    return mount as HTMLElement;
  }

  function draw(): void {
    if (!host && !button && !bubble) return;
    dark ??= pageIsDark();
    const props = {
      dark,
      button,
      bubble,
      ...handlers,
      onClose: closeBubble,
      isOurs: (t: Element | null) => t === host,
    };
    render(createElement(Overlay, props), attach());
  }

  function closeBubble(): void {
    clearTimeout(bubbleTimer);
    bubble = undefined;
    draw();
  }

  return {
    showButton(number) {
      if (number === button) return;
      button = number;
      draw();
    },
    button: () => button,
    showBubble(next) {
      clearTimeout(bubbleTimer);
      bubble = { ...next, id: nextId++ };
      draw();
      const lifetime = next.error ? ERROR_MS : TOAST_MS;
      bubbleTimer = setTimeout(closeBubble, lifetime);
    },
    closeBubble,
    isOurs: (target) => !!host && target === host,
  };
}
