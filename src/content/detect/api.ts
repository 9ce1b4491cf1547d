/**
 * The contract between the content script (content.js) and the number detector (detect.js),
 * which the background injects into the same isolated world only where detection is on. The
 * detector registers itself under DETECTOR_KEY on the isolated world's global, which the page
 * cannot see.
 */
import type { FoundSpan } from '../../shared/detect/quickTest';

export const DETECTOR_KEY = Symbol.for('popline.detector');

/** A marked number under the pointer: what to dial, and where it is on screen. */
export interface MarkedNumber {
  /** The number as the page writes it (extension included). */
  text: string;
  e164: string;
  ext?: string;
  /** Viewport rectangle of the number's last line box: where the call button goes. */
  rect: { left: number; top: number; right: number; bottom: number };
}

/** Finds the numbers in some texts: the background does it, off the page's main thread. */
export type FindInBackground = (texts: string[]) => Promise<FoundSpan[][]>;

/** What the detector has done, for benchmarks and diagnostics. */
/** Fresh counters, before any scan. */
export const emptyStats = (): DetectorStats => ({
  textNodes: 0,
  sent: 0,
  marked: 0,
  painted: 0,
  initialScanMs: 0,
  initialLongestSliceMs: 0,
  initialDone: false,
  batchMs: [],
  repaint: { count: 0, ms: 0, longest: 0 },
  backOffs: 0,
});

export interface DetectorStats {
  textNodes: number;
  /** Text nodes sent to the background (those with seven digits or more). */
  sent: number;
  marked: number;
  /** Numbers painted now (all of them, or those near the viewport on a page with very many). */
  painted: number;
  /** Main-thread time the initial scan spent in the page (walk, send, paint), and its longest slice, in ms. */
  initialScanMs: number;
  initialLongestSliceMs: number;
  initialDone: boolean;
  /** Per processed batch of page changes: milliseconds of work, newest last (at most 200 kept). */
  batchMs: number[];
  /** Bringing the painted window up to date (pages with more than 1,000 numbers): times, ms in all, longest. */
  repaint: { count: number; ms: number; longest: number };
  /** How often the page's heavy DOM work made the detector stop observing for a while. */
  backOffs: number;
}

export interface Detector {
  start(options: { find: FindInBackground }): void;
  stop(): void;
  /** The marked number at a viewport point; `target` is the element under the pointer. */
  numberAt(x: number, y: number, target: EventTarget | null): MarkedNumber | null;
  /** Emphasises the number the call button belongs to (null: none). */
  setHover(number: MarkedNumber | null): void;
  stats(): DetectorStats;
}
