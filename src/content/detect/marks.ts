/**
 * The numbers marked in the page, painted with the CSS Custom Highlight API: each number is a
 * StaticRange in one Highlight registered as `popline-phone`. Nothing is added to, moved in or
 * changed in the page's DOM. StaticRanges, unlike live Ranges, cost the page nothing when it
 * changes its DOM; the ones the page invalidates are rescanned or swept.
 *
 * The browser revisits every range of a highlight whenever the page's DOM changes (a few µs
 * each), so a page with very many numbers gets only those near the viewport painted (the
 * window follows scrolling). Every marked number can still be hovered and dialled.
 */
import type { PhoneMatch } from '../../shared/detect/findPhoneNumbers';

export const HIGHLIGHT = 'popline-phone';
export const HOVER_HIGHLIGHT = 'popline-phone-hover';
/**
 * Up to this many numbers are all painted; with more, only those within a screen of the viewport
 * (each painted range costs the page a few µs whenever its DOM changes).
 */
export const PAINT_ALL = 250;

export interface Mark {
  node: Text;
  range: StaticRange;
  match: PhoneMatch;
}

export class Marks {
  private readonly byNode = new Map<Text, Mark[]>();
  /** Elements whose own text holds a mark: the quick "is there anything here" for hit testing. */
  private readonly parents = new WeakMap<Element, number>();
  private readonly highlight = new Highlight();
  private readonly hover = new Highlight();
  count = 0;
  /** Whether only the numbers near the viewport are painted (the page has more than PAINT_ALL). */
  private windowed = false;

  constructor() {
    CSS.highlights.set(HIGHLIGHT, this.highlight);
    CSS.highlights.set(HOVER_HIGHLIGHT, this.hover);
  }

  set(node: Text, matches: PhoneMatch[]): void {
    if (this.byNode.has(node)) this.remove(node);
    if (!matches.length) return;
    const marks = matches.map((match) => {
      const range = new StaticRange({
        startContainer: node,
        startOffset: match.start,
        endContainer: node,
        endOffset: match.end,
      });
      if (!this.windowed) this.highlight.add(range);
      return { node, range, match };
    });
    this.byNode.set(node, marks);
    this.count += marks.length;
    const parent = node.parentElement;
    if (parent) this.parents.set(parent, (this.parents.get(parent) ?? 0) + 1);
  }

  has(node: Text): boolean {
    return this.byNode.has(node);
  }

  remove(node: Text): void {
    const marks = this.byNode.get(node);
    if (!marks) return;
    this.byNode.delete(node);
    this.count -= marks.length;
    for (const mark of marks) {
      this.highlight.delete(mark.range);
      this.hover.delete(mark.range);
    }
    const parent = node.parentElement;
    const left = (parent && this.parents.get(parent)) || 0;
    if (parent && left <= 1) this.parents.delete(parent);
    else if (parent) this.parents.set(parent, left - 1);
  }

  /**
   * Decides what is painted: everything, or, past PAINT_ALL, the numbers whose element lies
   * within one screen height of the viewport. Reads layout (once clean, each read is cheap).
   * Returns whether there was anything to do.
   */
  repaint(): boolean {
    if (this.count <= PAINT_ALL && !this.windowed) return false;
    if (this.count <= PAINT_ALL) {
      for (const marks of this.byNode.values()) for (const mark of marks) this.highlight.add(mark.range);
      this.windowed = false;
      return true;
    }
    this.windowed = true;
    this.highlight.clear();
    const top = -innerHeight;
    const bottom = 2 * innerHeight;
    for (const [node, marks] of this.byNode) {
      const box = node.parentElement?.getBoundingClientRect();
      if (!box || box.bottom < top || box.top > bottom || (!box.width && !box.height)) continue;
      for (const mark of marks) this.highlight.add(mark.range);
    }
    return true;
  }

  /** How many ranges the browser paints now. */
  get painted(): number {
    return this.highlight.size;
  }

  /** Drops marks of text the page removed from the document. */
  sweep(): void {
    for (const node of this.byNode.keys()) if (!node.isConnected) this.remove(node);
  }

  hasMarksIn(element: Element): boolean {
    return this.parents.has(element);
  }

  at(node: Text, offset: number): Mark | undefined {
    return this.byNode.get(node)?.find((mark) => offset >= mark.match.start && offset <= mark.match.end);
  }

  setHover(mark: Mark | undefined): void {
    this.hover.clear();
    if (mark) this.hover.add(mark.range);
  }

  clear(): void {
    this.highlight.clear();
    this.hover.clear();
    this.byNode.clear();
    this.count = 0;
    CSS.highlights.delete(HIGHLIGHT);
    CSS.highlights.delete(HOVER_HIGHLIGHT);
  }
}
