/**
 * Finds numbers in the page's text without slowing it down. The page's main thread only walks
 * text nodes (in slices of at most SLICE_MS, yielding between them) and keeps the few that hold
 * seven digits; the finding itself (libphonenumber and all the rules) runs in PopLine's
 * background, off the page's thread, and the answers are painted as highlights. After the
 * first walk a MutationObserver collects what the page adds or changes, and that batch goes the
 * same way. Text in scripts, styles, form fields and editable areas is left alone.
 */

import type { PhoneMatch } from '../../shared/detect/findPhoneNumbers';
import { type FoundSpan, mightHoldNumber } from '../../shared/detect/quickTest';
import { type DetectorStats, emptyStats, type FindInBackground } from './api';
import type { Marks } from './marks';

/** The longest slice of work before giving the page its main thread back. */
const SLICE_MS = 8;
/** How often the clock is read inside a slice (every this many nodes). */
const CLOCK_EVERY = 32;
/** What one message to the background carries at most. */
const MAX_TEXTS = 1000;
const MAX_CHARS = 256 * 1024;
/** Text longer than this (a whole article in one node) is not sent: numbers live in short text. */
const MAX_TEXT_LENGTH = 16 * 1024;
const SKIP_PARENTS = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEXTAREA', 'TITLE', 'OPTION', 'SELECT']);
const MAX_BATCH_STATS = 200;
const SWEEP_EVERY_MS = 1000;
/** Page changes are looked at when the page is idle, and at the latest after this long. */
const IDLE_TIMEOUT_MS = 300;

/**
 * A page making this many changes at once is in the middle of heavy DOM work: PopLine stops
 * observing (every observed change costs the page a little), waits BACK_OFF_MS, and then
 * catches up with a fresh walk of the page, in slices, when it is idle.
 */
const BURST_RECORDS = 2000;
const BACK_OFF_MS = 1000;
const OBSERVE: MutationObserverInit = { childList: true, subtree: true, characterData: true };

/** One piece of incremental work: an observer record, a node, or a walk through a new subtree. */
type Work = MutationRecord | Node | TreeWalker;

/** Yields to the page: a message on a private channel runs after pending tasks, without timer clamping. */
function createYield(): () => Promise<void> {
  const channel = new MessageChannel();
  const waiting: (() => void)[] = [];
  channel.port1.onmessage = () => waiting.shift()?.();
  return () =>
    new Promise<void>((resolve) => {
      waiting.push(resolve);
      channel.port2.postMessage(0);
    });
}

/** Resolves when the page is idle, or after IDLE_TIMEOUT_MS at the latest. */
const whenIdle = () =>
  new Promise<void>((resolve) => {
    if (typeof requestIdleCallback === 'function') requestIdleCallback(() => resolve(), { timeout: IDLE_TIMEOUT_MS });
    else setTimeout(resolve, 0);
  });

/** Main-thread time spent on one piece of work (the first scan, or one batch of page changes). */
interface Bucket {
  ms: number;
  longest: number;
  /** Answers still to come from the background. */
  waiting: number;
  walked: boolean;
  done?: () => void;
}

interface Sent {
  node: Text;
  text: string;
}

const toMatch = ([start, end, e164, ext]: FoundSpan): PhoneMatch =>
  ext ? { start, end, e164, ext } : { start, end, e164 };

export class Scanner {
  private readonly yieldToPage = createYield();
  private observer: MutationObserver | undefined;
  /** What the observer delivered, untouched until the page is idle. */
  private pending: MutationRecord[][] = [];
  private outbox: Sent[] = [];
  private outboxChars = 0;
  private bucket: Bucket = { ms: 0, longest: 0, waiting: 0, walked: false };
  private scheduled = false;
  private removals = false;
  private lastSweep = 0;
  private collectMs = 0;
  /** The next batch walks the whole page (after backing off). */
  private rescan = false;
  private stopped = false;
  readonly stats: DetectorStats = emptyStats();

  constructor(
    private readonly marks: Marks,
    private readonly find: FindInBackground,
    /** Called after new marks are painted: the painted window may need an update. */
    private readonly changed: () => void,
  ) {}

  start(): void {
    // Observe first: whatever changes while the first scan runs is queued and scanned after it.
    this.observer = new MutationObserver((records) => this.collect(records));
    this.observer.observe(document, OBSERVE);
    void this.initialScan();
  }

  stop(): void {
    this.stopped = true;
    this.observer?.disconnect();
    this.pending = [];
    this.outbox = [];
  }

  /** Runs `work` as one slice of main-thread time, counted in the current bucket. */
  private timed<T>(bucket: Bucket, work: () => T): T {
    const began = performance.now();
    try {
      return work();
    } finally {
      const spent = performance.now() - began;
      bucket.ms += spent;
      bucket.longest = Math.max(bucket.longest, spent);
    }
  }

  private scanText(node: Text): void {
    this.stats.textNodes += 1;
    const text = node.data;
    // Most text holds no run of seven digits: decided without touching the DOM again.
    if (!mightHoldNumber(text) || text.length > MAX_TEXT_LENGTH) {
      if (this.marks.has(node)) this.marks.remove(node);
      return;
    }
    const parent = node.parentElement;
    if (!parent || SKIP_PARENTS.has(parent.nodeName)) return;
    this.outbox.push({ node, text });
    this.outboxChars += text.length;
    if (this.outbox.length >= MAX_TEXTS || this.outboxChars >= MAX_CHARS) this.flush();
  }

  /** Sends the collected text to the background; the answer is painted when it comes. */
  private flush(): void {
    if (!this.outbox.length || this.stopped) return;
    const batch = this.outbox;
    const bucket = this.bucket;
    this.outbox = [];
    this.outboxChars = 0;
    this.stats.sent += batch.length;
    bucket.waiting += 1;
    this.find(batch.map((sent) => sent.text))
      .then(
        (found) => this.timed(bucket, () => this.paint(batch, found)),
        () => undefined, // The extension went away or was reloaded: nothing to paint.
      )
      .finally(() => {
        bucket.waiting -= 1;
        this.settle(bucket);
      });
  }

  private paint(batch: Sent[], found: FoundSpan[][]): void {
    if (this.stopped) return;
    batch.forEach(({ node, text }, index) => {
      const spans = found[index] ?? [];
      // Most text sent holds no number: nothing to paint, and nothing to touch in the DOM.
      if (!spans.length && !this.marks.has(node)) return;
      // Changed or gone meanwhile: the observer has queued it again.
      if (!node.isConnected || node.data !== text) return;
      // Editable text (a field the agent types in) is not marked.
      if (spans.length && node.parentElement?.isContentEditable) return;
      this.marks.set(node, spans.map(toMatch));
    });
    this.stats.marked = this.marks.count;
    this.changed();
  }

  /** A bucket is finished when its walk is done and every answer is painted. */
  private settle(bucket: Bucket): void {
    if (bucket.walked && bucket.waiting === 0) bucket.done?.();
  }

  /** Scans text nodes from a walker until the slice's time is up; true when the walker is done. */
  private walkSlice(walker: TreeWalker, deadline: number): boolean {
    for (let i = 1; ; i++) {
      const node = walker.nextNode() as Text | null;
      if (!node) return true;
      this.scanText(node);
      if (i % CLOCK_EVERY === 0 && performance.now() >= deadline) return false;
    }
  }

  private async initialScan(): Promise<void> {
    const bucket = this.bucket;
    const root = document.body ?? document.documentElement;
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (;;) {
      const done = this.timed(bucket, () => {
        const finished = this.walkSlice(walker, performance.now() + SLICE_MS);
        this.flush();
        return finished;
      });
      if (done || this.stopped) break;
      await this.yieldToPage();
      // The page may have removed the node the walker stood on: the observer has the rest.
      if (!walker.currentNode.isConnected) break;
    }
    await new Promise<void>((resolve) => {
      bucket.walked = true;
      bucket.done = resolve;
      this.settle(bucket);
    });
    this.stats.initialScanMs = bucket.ms;
    this.stats.initialLongestSliceMs = bucket.longest;
    this.stats.initialDone = true;
    this.schedule();
  }

  /** The observer's callback, run right after the page's own script: it only files the records. */
  private collect(records: MutationRecord[]): void {
    const began = performance.now();
    if (records.length >= BURST_RECORDS) this.backOff();
    else {
      this.pending.push(records);
      this.schedule();
    }
    this.collectMs += performance.now() - began;
  }

  /** Heavy DOM work going on: stop costing the page anything, and catch up later. */
  private backOff(): void {
    this.observer?.disconnect();
    this.pending = [];
    this.stats.backOffs += 1;
    setTimeout(() => {
      if (this.stopped) return;
      this.observer?.observe(document, OBSERVE);
      this.rescan = true;
      this.removals = true;
      this.schedule();
    }, BACK_OFF_MS);
  }

  /** The batch is walked when the page is idle (or after IDLE_TIMEOUT_MS), after the page's own tasks. */
  private schedule(): void {
    if (this.scheduled || this.stopped || !this.stats.initialDone) return;
    if (!this.pending.length && !this.removals && !this.rescan) return;
    this.scheduled = true;
    void whenIdle().then(() => this.processPending());
  }

  /** Walks what the page added or changed since the last batch, in slices. */
  private async processPending(): Promise<void> {
    // The observer callbacks' own time counts toward the batch they collected.
    const bucket: Bucket = { ms: this.collectMs, longest: this.collectMs, waiting: 0, walked: false };
    this.collectMs = 0;
    this.bucket = bucket;
    const seen = new Set<Node>();
    const work: Work[] = this.pending.flat();
    this.pending = [];
    if (this.rescan) {
      this.rescan = false;
      work.push(document.createTreeWalker(document.body ?? document.documentElement, NodeFilter.SHOW_TEXT));
    }
    while (work.length && !this.stopped) {
      this.timed(bucket, () => this.walkBatch(work, seen, performance.now() + SLICE_MS));
      // What arrived meanwhile joins this batch.
      if (this.pending.length) work.push(...this.pending.splice(0).flat());
      // The page's own tasks go first: the rest of the batch waits for the page to be idle.
      if (work.length) await whenIdle();
    }
    if (this.removals && performance.now() - this.lastSweep > SWEEP_EVERY_MS) {
      this.timed(bucket, () => this.marks.sweep());
      this.changed();
      this.removals = false;
      this.lastSweep = performance.now();
    }
    bucket.walked = true;
    bucket.done = () => {
      this.stats.marked = this.marks.count;
      this.stats.batchMs.push(bucket.ms);
      if (this.stats.batchMs.length > MAX_BATCH_STATS) this.stats.batchMs.shift();
    };
    this.settle(bucket);
    this.scheduled = false;
    if (this.pending.length) this.schedule();
    else if (this.removals) setTimeout(() => this.schedule(), SWEEP_EVERY_MS);
  }

  private walkBatch(work: Work[], seen: Set<Node>, deadline: number): void {
    while (work.length && performance.now() < deadline) {
      const item = work[0] as Work;
      if (item instanceof TreeWalker) {
        // A big subtree (a new page section) is walked across slices too.
        if (this.walkSlice(item, deadline)) work.shift();
        continue;
      }
      work.shift();
      if (item instanceof MutationRecord) {
        if (item.type === 'characterData') work.unshift(item.target);
        else {
          if (item.removedNodes.length) this.removals = true;
          work.unshift(...item.addedNodes);
        }
        continue;
      }
      if (seen.has(item) || !item.isConnected) continue;
      seen.add(item);
      if (item.nodeType === Node.TEXT_NODE) this.scanText(item as Text);
      else if (item.nodeType === Node.ELEMENT_NODE && !SKIP_PARENTS.has(item.nodeName)) {
        work.unshift(document.createTreeWalker(item, NodeFilter.SHOW_TEXT));
      }
    }
    this.flush();
  }
}
