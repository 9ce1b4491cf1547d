/**
 * The contract between the content script (content.js) and the number detector (detect.js),
 * which the background injects into the same isolated world only where detection is on. The
 * detector registers itself under DETECTOR_KEY on the isolated world's global, which the page
 * cannot see.
 */
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

/** What the detector has done, for benchmarks and diagnostics. */
export interface DetectorStats {
  textNodes: number;
  marked: number;
  /** Main-thread time spent by the initial scan, and its longest slice, in milliseconds. */
  initialScanMs: number;
  initialLongestSliceMs: number;
  initialDone: boolean;
  /** Per processed batch of page changes: milliseconds of work, newest last (at most 200 kept). */
  batchMs: number[];
}

export interface Detector {
  start(options: { country: string }): void;
  stop(): void;
  /** The marked number at a viewport point; `target` is the element under the pointer. */
  numberAt(x: number, y: number, target: EventTarget | null): MarkedNumber | null;
  /** Emphasises the number the call button belongs to (null: none). */
  setHover(number: MarkedNumber | null): void;
  stats(): DetectorStats;
}
