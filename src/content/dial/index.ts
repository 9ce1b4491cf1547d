/**
 * Click-to-dial in a page: `tel:` links, marked numbers with their call button, and the
 * outcome of every dial shown where the agent clicked (including dials from the context menu
 * and the shortcut, which the background pushes here). Started once per content script; the
 * site's switches arrive with the content state and can change at any time.
 */
import { t } from '../../i18n';
import type { DialOutcome, DialSource, SiteFeatures } from '../../shared/dial/messages';
import type { createMessenger } from '../../shared/messenger';
import { isContextInvalidated } from '../../shared/messenger';
import { failureKey } from '../../shared/outcome';
import { DETECTOR_KEY, type Detector } from '../detect/api';
import { gestureOf } from './gesture';
import { type HoverControl, watchHover } from './hover';
import { createOverlay } from './layer';
import { watchDialLinks } from './links';

type Send = ReturnType<typeof createMessenger>;
type Point = { x: number; y: number };

export interface Dialing {
  /** The site's dial switches, from each content state (undefined: all off). */
  configure(features: SiteFeatures | undefined): void;
  /** A context-menu or shortcut dial's outcome, from the background: shown near where the agent was. */
  showOutcome(outcome: DialOutcome, near: 'menu' | 'selection'): boolean;
}

/** How recent a right-click must be for a context-menu outcome to show at its place. */
const MENU_CLICK_MS = 60_000;

function selectionPoint(): Point | null {
  const selection = getSelection();
  if (selection?.rangeCount) {
    const box = selection.getRangeAt(0).getBoundingClientRect();
    if (box.width || box.height) return { x: box.left, y: box.bottom };
  }
  const field = document.activeElement;
  if (field && field !== document.body) {
    const box = field.getBoundingClientRect();
    return { x: box.left, y: box.bottom };
  }
  return null;
}

export function startDialing(send: Send): Dialing {
  const controller = new AbortController();
  const { signal } = controller;
  let linksOff: AbortController | undefined;
  let detectOff: AbortController | undefined;
  let detector: Detector | undefined;
  let hover: HoverControl | undefined;
  let loading: Promise<void> | undefined;
  let menuClick: (Point & { at: number }) | undefined;

  const failed = (error: unknown) => {
    if (isContextInvalidated(error)) controller.abort();
  };

  const overlay = createOverlay(
    {
      onCall: (event, number) =>
        void request(number.text, 'detected', event, { x: number.rect.left, y: number.rect.bottom }),
      onButtonHover: (inside) => hover?.onButtonHover(inside),
    },
    signal,
  );

  function show(outcome: DialOutcome, where: Point): void {
    if (outcome.status === 'dialing') {
      overlay.showBubble({
        ...where,
        kind: 'toast',
        title: t('clickDialCalling', outcome.display),
        text: t('clickDialRingsFirst'),
      });
    } else if (outcome.status === 'confirm') {
      // The question is in PopLine's own window (docs/security.md): nothing here can answer it.
      overlay.showBubble({ ...where, kind: 'toast', title: t('clickDialAskedInWindow', outcome.display) });
    } else {
      const title = t(failureKey(outcome.code), outcome.detail ?? outcome.display ?? '');
      overlay.showBubble({ ...where, kind: 'toast', error: true, title });
    }
  }

  async function request(input: string, source: DialSource, event: MouseEvent, where: Point): Promise<void> {
    const gesture = gestureOf(event);
    if (!gesture) return;
    try {
      show(await send('dialRequest', { input, source, gesture }), where);
    } catch (error) {
      failed(error);
      show({ status: 'failed', code: 'failed' }, where);
    }
  }

  window.addEventListener(
    'contextmenu',
    (event) => {
      if (event.isTrusted) menuClick = { x: event.clientX, y: event.clientY, at: Date.now() };
    },
    { capture: true, passive: true, signal },
  );

  function setLinks(on: boolean): void {
    if (on === !!linksOff) return;
    if (!on) {
      linksOff?.abort();
      linksOff = undefined;
      return;
    }
    linksOff = new AbortController();
    signal.addEventListener('abort', () => linksOff?.abort());
    watchDialLinks(
      (event, href, where) => void request(href, 'link', event, where),
      (where) => show({ status: 'failed', code: 'refused' }, where),
      linksOff.signal,
    );
  }

  async function loadDetector(): Promise<Detector | undefined> {
    const scope = globalThis as { [DETECTOR_KEY]?: Detector };
    if (!scope[DETECTOR_KEY]) {
      const { ok } = await send('loadDetector', {});
      if (!ok) return undefined;
    }
    return scope[DETECTOR_KEY];
  }

  function setDetect(on: boolean): void {
    if (on === !!detectOff) return;
    if (!on) {
      detectOff?.abort();
      detectOff = undefined;
      detector?.stop();
      return;
    }
    const off = new AbortController();
    detectOff = off;
    signal.addEventListener('abort', () => off.abort());
    loading = (loading ?? Promise.resolve()).then(async () => {
      detector ??= await loadDetector().catch((error) => {
        failed(error);
        return undefined;
      });
      if (!detector || off.signal.aborted) return;
      detector.start({ find: (texts) => send('findNumbers', { texts }).then((answer) => answer.found) });
      hover = watchHover(detector, overlay, off.signal);
    });
  }

  return {
    configure(features) {
      if (signal.aborted) return;
      setLinks(!!features?.links);
      setDetect(!!features?.detect);
    },
    showOutcome(outcome, near) {
      if (signal.aborted) return false;
      const fromMenu = near === 'menu' && menuClick && Date.now() - menuClick.at < MENU_CLICK_MS ? menuClick : null;
      show(outcome, fromMenu ?? selectionPoint() ?? { x: innerWidth / 2 - 150, y: 16 });
      return true;
    },
  };
}
