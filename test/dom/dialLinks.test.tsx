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
  watchDialLinks(
    (_event, href) => dialled.push(href),
    () => undefined,
    controller.signal,
  );
  // jsdom lays nothing out: every link gets a plain 60×18 box, and is what is under the pointer.
  jest.spyOn(HTMLElement.prototype, 'getBoundingClientRect').mockReturnValue(new DOMRect(0, 0, 60, 18));
  document.elementFromPoint = () => document.getElementById('tel');
});

afterEach(() => {
  controller.abort();
  jest.restoreAllMocks();
});

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
  expect(dialLinkOf(realClick('tel'))).toEqual({
    href: 'tel:+1-212-555-0142',
    where: { x: 10, y: 20 },
    visible: true,
  });
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
  // Both clocks frozen: the gesture's time is the wall clock less the event's age, exactly.
  const wall = jest.spyOn(Date, 'now').mockReturnValue(1_700_000_000_000);
  const monotonic = jest.spyOn(performance, 'now').mockReturnValue(5_000);
  try {
    const gesture = gestureOf({ isTrusted: true, timeStamp: 4_800, type: 'click' });
    expect(gesture).toEqual({ at: 1_700_000_000_000 - 200, kind: 'pointer' });
    expect(gestureOf({ isTrusted: true, timeStamp: 5_000, type: 'keydown' })).toEqual({
      at: 1_700_000_000_000,
      kind: 'key',
    });
    // An event stamped after "now" (clock skew) is never dated in the future.
    expect(gestureOf({ isTrusted: true, timeStamp: 6_000, type: 'click' })?.at).toBe(1_700_000_000_000);
  } finally {
    wall.mockRestore();
    monotonic.mockRestore();
  }
});

test('a tiny, transparent, hidden, clipped or covered tel: link is refused (docs/security.md)', () => {
  const tel = element('tel');
  expect(dialLinkOf(realClick('tel'))?.visible).toBe(true); // the control: a plain link is fine
  jest.spyOn(tel, 'getBoundingClientRect').mockReturnValue(new DOMRect(0, 0, 4, 4));
  expect(dialLinkOf(realClick('tel'))?.visible).toBe(false);
  jest.restoreAllMocks();
  jest.spyOn(HTMLElement.prototype, 'getBoundingClientRect').mockReturnValue(new DOMRect(0, 0, 60, 18));
  for (const style of ['opacity: 0', 'opacity: 0.1', 'visibility: hidden', 'clip-path: inset(50%)']) {
    tel.setAttribute('style', style);
    expect([style, dialLinkOf(realClick('tel'))?.visible]).toEqual([style, false]);
  }
  tel.removeAttribute('style');
  document.elementFromPoint = () => document.body; // something of the page's lies over it
  expect(dialLinkOf(realClick('tel'))?.visible).toBe(false);
});
