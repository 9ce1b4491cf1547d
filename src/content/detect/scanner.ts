/**
 * Finds numbers in the page's text without ever blocking it: the first scan walks every text
 * node in slices of at most SLICE_MS and yields between them; afterwards a MutationObserver
 * collects what the page adds or changes, and the batch is scanned in the next task, in slices
 * again. Text in scripts, styles, form fields and editable areas is left alone.
 */
import { findPhoneNumbers } from '../../shared/detect/findPhoneNumbers';
import type { DetectorStats } from './api';
import type { Marks } from './marks';

/** The longest slice of work before giving the page its main thread back. */
const SLICE_MS = 8;
/** How often the clock is read inside a slice (every this many nodes). */
const CLOCK_EVERY = 32;
const SKIP_PARENTS = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEXTAREA', 'TITLE', 'OPTION', 'SELECT']);
const MAX_BATCH_STATS = 200;
const SWEEP_EVERY_MS = 1000;

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

export class Scanner {
  private readonly yieldToPage = createYield();
  private observer: MutationObserver | undefined;
  private pending: Node[] = [];
  private scheduled = false;
  private removals = false;
  private lastSweep = 0;
  private collectMs = 0;
  private stopped = false;
  readonly stats: DetectorStats = {
    textNodes: 0,
    marked: 0,
    initialScanMs: 0,
    initialLongestSliceMs: 0,
    initialDone: false,
    batchMs: [],
  };

  constructor(
    private readonly marks: Marks,
    private readonly country: string,
  ) {}

  start(): void {
    // Observe first: whatever changes while the first scan runs is queued and scanned after it.
    this.observer = new MutationObserver((records) => this.collect(records));
    this.observer.observe(document, { childList: true, subtree: true, characterData: true });
    void this.initialScan();
  }

  stop(): void {
    this.stopped = true;
    this.observer?.disconnect();
    this.pending = [];
  }

  private scanText(node: Text): void {
    this.stats.textNodes += 1;
    const parent = node.parentElement;
    if (!parent || SKIP_PARENTS.has(parent.nodeName)) return;
    const matches = findPhoneNumbers(node.data, { defaultCountry: this.country });
    if (matches.length && parent.isContentEditable) return;
    this.marks.set(node, matches);
  }

  /** Scans text nodes from a walker until the slice's time is up; true when the walker is done. */
  private scanSlice(walker: TreeWalker, deadline: number): boolean {
    for (let i = 1; ; i++) {
      const node = walker.nextNode() as Text | null;
      if (!node) return true;
      this.scanText(node);
      if (i % CLOCK_EVERY === 0 && performance.now() >= deadline) return false;
    }
  }

  private async initialScan(): Promise<void> {
    const root = document.body ?? document.documentElement;
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (;;) {
      const began = performance.now();
      const done = this.scanSlice(walker, began + SLICE_MS);
      const spent = performance.now() - began;
      this.stats.initialScanMs += spent;
      this.stats.initialLongestSliceMs = Math.max(this.stats.initialLongestSliceMs, spent);
      this.stats.marked = this.marks.count;
      if (done || this.stopped) break;
      await this.yieldToPage();
      // The page may have removed the node the walker stood on: the observer has the rest.
      if (!walker.currentNode.isConnected) break;
    }
    this.stats.initialDone = true;
    this.schedule();
  }

  private collect(records: MutationRecord[]): void {
    const began = performance.now();
    for (const record of records) {
      if (record.type === 'characterData') this.pending.push(record.target);
      else {
        for (const node of record.addedNodes) this.pending.push(node);
        if (record.removedNodes.length) this.removals = true;
      }
    }
    this.schedule();
    this.collectMs += performance.now() - began;
  }

  private schedule(): void {
    if (this.scheduled || this.stopped || !this.stats.initialDone) return;
    if (!this.pending.length && !this.removals) return;
    this.scheduled = true;
    void this.yieldToPage().then(() => this.processPending());
  }

  /** Scans what the page added or changed since the last batch, in slices. */
  private async processPending(): Promise<void> {
    // The observer callbacks' own time counts toward the batch they collected.
    let spent = this.collectMs;
    this.collectMs = 0;
    const seen = new Set<Node>();
    const work: (Node | TreeWalker)[] = this.pending;
    this.pending = [];
    while (work.length && !this.stopped) {
      const began = performance.now();
      const deadline = began + SLICE_MS;
      while (work.length && performance.now() < deadline) {
        const item = work[0] as Node | TreeWalker;
        if (item instanceof TreeWalker) {
          // A big subtree (a new page section) is walked across slices too.
          if (this.scanSlice(item, deadline)) work.shift();
          continue;
        }
        work.shift();
        if (seen.has(item) || !item.isConnected) continue;
        seen.add(item);
        if (item.nodeType === Node.TEXT_NODE) this.scanText(item as Text);
        else if (item.nodeType === Node.ELEMENT_NODE && !SKIP_PARENTS.has(item.nodeName)) {
          work.unshift(document.createTreeWalker(item, NodeFilter.SHOW_TEXT));
        }
      }
      spent += performance.now() - began;
      // What arrived meanwhile joins this batch.
      if (this.pending.length) work.push(...this.pending.splice(0));
      if (work.length) await this.yieldToPage();
    }
    const now = performance.now();
    if (this.removals && now - this.lastSweep > SWEEP_EVERY_MS) {
      this.marks.sweep();
      this.removals = false;
      this.lastSweep = now;
      spent += performance.now() - now;
    }
    this.stats.marked = this.marks.count;
    this.stats.batchMs.push(spent);
    if (this.stats.batchMs.length > MAX_BATCH_STATS) this.stats.batchMs.shift();
    this.scheduled = false;
    if (this.pending.length) this.schedule();
    else if (this.removals) setTimeout(() => this.schedule(), SWEEP_EVERY_MS);
  }
}
