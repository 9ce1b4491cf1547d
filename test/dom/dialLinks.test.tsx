/**
 * The page side of "only a real gesture dials", in jsdom. Events a page makes are never
 * trusted (isTrusted cannot even be redefined), so the tel: link watcher and the gesture
 * evidence ignore them; the decision itself is checked with a click as the browser reports it.
 */
import { gestureOf } from '../../src/content/dial/gesture';
import { dialLinkOf, type LinkClick, watchDialLinks } from '../../src/content/dial/links';

let controller: AbortController;
let dialled: string[];

beforeEach(() => {
  document.body.innerHTML = `
    <a id="tel" href="tel:+1-212-555-0142">call</a>
    <a id="sip" href="sip:1002@pbx"><span id="inner">colleague</span></a>
    <a id="web" href="https://example.com/">web</a>`;
  controller = new AbortController();
  dialled = [];
  watchDialLinks((_event, href) => dialled.push(href), controller.signal);
});

afterEach(() => controller.abort());

const element = (id: string) => document.getElementById(id) as HTMLElement;

/** A click as the browser reports a real one (trusted), on the element with this id. */
function realClick(id: string, extra: Partial<LinkClick> = {}): LinkClick {
  const path: EventTarget[] = [];
  for (let node: Node | null = element(id); node; node = node.parentNode) path.push(node);
  return {
    isTrusted: true,
    defaultPrevented: false,
    button: 0,
    altKey: false,
    ctrlKey: false,
    metaKey: false,
    shiftKey: false,
    detail: 1,
    clientX: 10,
    clientY: 20,
    composedPath: () => path,
    ...extra,
  };
}

test('a real plain click on a tel: or sip: link dials it, where the agent clicked', () => {
  expect(dialLinkOf(realClick('tel'))).toEqual({ href: 'tel:+1-212-555-0142', where: { x: 10, y: 20 } });
  expect(dialLinkOf(realClick('inner'))?.href).toBe('sip:1002@pbx');
});

test('modifier keys, other buttons, clicks the page handled and ordinary links keep the browser default', () => {
  for (const extra of [{ ctrlKey: true }, { altKey: true }, { shiftKey: true }, { metaKey: true }, { button: 1 }]) {
    expect(dialLinkOf(realClick('tel', extra))).toBeNull();
  }
  expect(dialLinkOf(realClick('tel', { defaultPrevented: true }))).toBeNull();
  expect(dialLinkOf(realClick('web'))).toBeNull();
});

test('a click the page makes is not a gesture, however it is made', () => {
  expect(dialLinkOf(realClick('tel', { isTrusted: false }))).toBeNull();
  const tel = element('tel') as HTMLAnchorElement;
  const synthetic = new MouseEvent('click', { bubbles: true, cancelable: true, button: 0, detail: 1, clientX: 5 });
  tel.dispatchEvent(synthetic);
  tel.click();
  element('inner').dispatchEvent(new MouseEvent('click', { bubbles: true, cancelable: true }));
  expect(dialled).toEqual([]);
  expect(synthetic.defaultPrevented).toBe(false);
  expect(() => Object.defineProperty(synthetic, 'isTrusted', { value: true })).toThrow();
});

test('the gesture evidence exists only for trusted events, with the event’s own time', () => {
  expect(gestureOf(new MouseEvent('click'))).toBeNull();
  const now = performance.now();
  const gesture = gestureOf({ isTrusted: true, timeStamp: now - 200, type: 'click' });
  expect(gesture?.kind).toBe('pointer');
  expect(Math.abs((gesture?.at ?? 0) - (Date.now() - 200))).toBeLessThan(50);
  expect(gestureOf({ isTrusted: true, timeStamp: now, type: 'keydown' })?.kind).toBe('key');
});
