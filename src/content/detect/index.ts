/**
 * detect.js: number detection for one tab, injected by the background only where the CRM site
 * has detection on (see background/detector.ts). It marks numbers with the CSS Custom Highlight
 * API and answers the content script's hit tests; it never changes the page's DOM.
 */
import { DETECTOR_KEY, type Detector, emptyStats, type MarkedNumber } from './api';
import { type Mark, Marks } from './marks';
import { Scanner } from './scanner';

/** Pointer slack around a number's line boxes, in CSS pixels. */
const SLACK = 2;
/** After scrolling or new marks, the painted window is brought up to date this much later. */
const REPAINT_AFTER_MS = 150;

type CaretDocument = Document & {
  caretPositionFromPoint?: (x: number, y: number) => { offsetNode: Node; offset: number } | null;
  caretRangeFromPoint?: (x: number, y: number) => Range | null;
};

/** The text position under a viewport point (Firefox and Chrome 128+ have the standard call). */
function caretAt(x: number, y: number): { node: Node; offset: number } | null {
  const doc = document as CaretDocument;
  if (doc.caretPositionFromPoint) {
    const position = doc.caretPositionFromPoint(x, y);
    return position ? { node: position.offsetNode, offset: position.offset } : null;
  }
  const range = doc.caretRangeFromPoint?.(x, y);
  return range ? { node: range.startContainer, offset: range.startOffset } : null;
}

/** The line boxes of a mark, if the point is on one of them; the last one places the button. */
function boxesUnder(mark: Mark, x: number, y: number): DOMRect | null {
  const range = document.createRange();
  range.setStart(mark.node, mark.match.start);
  range.setEnd(mark.node, mark.match.end);
  const boxes = [...range.getClientRects()];
  range.detach();
  const hit = boxes.some(
    (box) => x >= box.left - SLACK && x <= box.right + SLACK && y >= box.top - SLACK && y <= box.bottom + SLACK,
  );
  return hit ? (boxes.at(-1) ?? null) : null;
}

function createDetector(): Detector {
  let marks: Marks | undefined;
  let scanner: Scanner | undefined;
  let hovered: { number: MarkedNumber; mark: Mark } | undefined;
  let repaintTimer: ReturnType<typeof setTimeout> | undefined;
  let listening: AbortController | undefined;

  /** Brings the painted window up to date when the page is idle (debounced). */
  const scheduleRepaint = () => {
    clearTimeout(repaintTimer);
    repaintTimer = setTimeout(() => {
      const run = () => {
        if (!marks || !scanner) return;
        const began = performance.now();
        if (!marks.repaint()) return;
        const spent = performance.now() - began;
        const { repaint } = scanner.stats;
        repaint.count += 1;
        repaint.ms += spent;
        repaint.longest = Math.max(repaint.longest, spent);
      };
      if (typeof requestIdleCallback === 'function') requestIdleCallback(run, { timeout: 500 });
      else run();
    }, REPAINT_AFTER_MS);
  };

  return {
    start({ find }) {
      if (scanner) return;
      marks = new Marks();
      scanner = new Scanner(marks, find, scheduleRepaint);
      scanner.start();
      listening = new AbortController();
      // Scrolling in any scroller (scroll events do not bubble, capture sees them) or resizing moves the window.
      const options = { capture: true, passive: true, signal: listening.signal };
      document.addEventListener('scroll', scheduleRepaint, options);
      window.addEventListener('resize', scheduleRepaint, options);
    },
    stop() {
      listening?.abort();
      clearTimeout(repaintTimer);
      scanner?.stop();
      marks?.clear();
      scanner = undefined;
      marks = undefined;
    },
    numberAt(x, y, target) {
      if (!marks || !(target instanceof Element) || !marks.hasMarksIn(target)) return null;
      const caret = caretAt(x, y);
      if (!caret || caret.node.nodeType !== Node.TEXT_NODE) return null;
      const mark = marks.at(caret.node as Text, caret.offset);
      const box = mark && boxesUnder(mark, x, y);
      if (!mark || !box) return null;
      const number: MarkedNumber = {
        text: mark.node.data.slice(mark.match.start, mark.match.end),
        e164: mark.match.e164,
        rect: { left: box.left, top: box.top, right: box.right, bottom: box.bottom },
      };
      if (mark.match.ext) number.ext = mark.match.ext;
      hovered = { number, mark };
      return number;
    },
    setHover(number) {
      marks?.setHover(number && hovered?.number === number ? hovered.mark : undefined);
    },
    stats() {
      if (scanner && marks) scanner.stats.painted = marks.painted;
      return scanner?.stats ?? emptyStats();
    },
  };
}

const scope = globalThis as { [DETECTOR_KEY]?: Detector };
scope[DETECTOR_KEY] ??= createDetector();
