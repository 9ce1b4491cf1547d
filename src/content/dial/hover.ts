/**
 * The call button over marked numbers: the pointer's position is checked once per animation
 * frame at most, and only costs a caret lookup over an element that holds a mark. The button
 * stays while the pointer is on the number or on the button, and goes on scrolling.
 */
import type { Detector } from '../detect/api';
import type { OverlayView } from './layer';

const HIDE_AFTER_MS = 400;

export interface HoverControl {
  /** The pointer entered or left the call button. */
  onButtonHover(inside: boolean): void;
}

export function watchHover(detector: Detector, overlay: OverlayView, signal: AbortSignal): HoverControl {
  let last: PointerEvent | undefined;
  let frame = 0;
  let hideTimer: ReturnType<typeof setTimeout> | undefined;
  let onButton = false;

  const hideSoon = () => {
    if (hideTimer || !overlay.button()) return;
    hideTimer = setTimeout(() => {
      hideTimer = undefined;
      if (onButton) return;
      overlay.showButton(undefined);
      detector.setHover(null);
    }, HIDE_AFTER_MS);
  };
  const keep = () => {
    clearTimeout(hideTimer);
    hideTimer = undefined;
  };

  const check = () => {
    frame = 0;
    const event = last;
    if (!event) return;
    if (overlay.isOurs(event.target)) return keep();
    const number = detector.numberAt(event.clientX, event.clientY, event.target);
    if (!number) return hideSoon();
    keep();
    const shown = overlay.button();
    if (
      shown &&
      shown.text === number.text &&
      shown.rect.top === number.rect.top &&
      shown.rect.left === number.rect.left
    )
      return;
    overlay.showButton(number);
    detector.setHover(number);
  };

  const onMove = (event: PointerEvent) => {
    // The page's own synthetic pointer events move nothing of ours.
    if (!event.isTrusted || event.pointerType === 'touch') return;
    last = event;
    frame ||= requestAnimationFrame(check);
  };
  const onScroll = () => {
    keep();
    if (!overlay.button()) return;
    overlay.showButton(undefined);
    detector.setHover(null);
  };

  document.addEventListener('pointermove', onMove, { capture: true, passive: true, signal });
  window.addEventListener('scroll', onScroll, { capture: true, passive: true, signal });
  signal.addEventListener('abort', () => {
    cancelAnimationFrame(frame);
    keep();
    overlay.showButton(undefined);
  });
  return {
    onButtonHover(inside) {
      onButton = inside;
      if (inside) keep();
      else hideSoon();
    },
  };
}
