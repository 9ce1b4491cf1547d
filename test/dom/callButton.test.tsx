/**
 * The call button next to a marked number (src/content/dial/Overlay.tsx, issue 18 gap 3): a
 * click counts only once the button has been on screen and uncovered in the page's own hit test
 * for ARM_AFTER_MS, and only at a point that is PopLine's. Clocks are Jest's fake ones; the
 * click's time is the event's own `timeStamp`, as in the browser.
 */
import { options, render } from 'preact';
import { act } from 'preact/test-utils';
import { ARM_AFTER_MS, Overlay } from '../../src/content/dial/Overlay';
import { freshRootPerTest, root } from '../support/dom';

jest.mock('webextension-polyfill', () => require('../support/browserMock').browserModule);

freshRootPerTest();

const number = { text: '(212) 555-0198', e164: '+12125550198', rect: { left: 100, top: 100, right: 200, bottom: 116 } };
let covered = false;
let onCall: jest.Mock;
const ours = document.createElement('popline-dial');
const popover = document.createElement('div');

beforeEach(() => {
  jest.useFakeTimers({ now: 1_000_000 });
  // jsdom has no layout: the page's hit test finds PopLine's host unless the page covers it.
  document.elementFromPoint = () => (covered ? popover : ours);
  window.requestAnimationFrame = (run) => setTimeout(() => run(performance.now()), 16) as unknown as number;
  window.cancelAnimationFrame = (id) => clearTimeout(id);
  covered = false;
  onCall = jest.fn();
  render(
    <Overlay
      dark={false}
      button={number}
      onCall={onCall}
      onClose={() => undefined}
      onButtonHover={() => undefined}
      isOurs={(element) => element === ours}
    />,
    root,
  );
});
afterEach(() => jest.useRealTimers());

/** A click the browser marks trusted, at this moment on the page's clock. */
async function click(): Promise<void> {
  const previous = options.event;
  const at = performance.now();
  options.event = (event: Event) =>
    new Proxy(event, {
      get: (target, key) => (key === 'isTrusted' ? true : key === 'timeStamp' ? at : Reflect.get(target, key, target)),
    });
  try {
    await act(async () => {
      root
        .querySelector('button.call')
        ?.dispatchEvent(new MouseEvent('click', { bubbles: true, clientX: 210, clientY: 108 }));
    });
  } finally {
    options.event = previous;
  }
}
const wait = (ms: number) => act(async () => void jest.advanceTimersByTime(ms));

test('a click on a button that only just appeared does nothing; the same click a moment later dials', async () => {
  await wait(ARM_AFTER_MS / 2);
  await click();
  expect(onCall).not.toHaveBeenCalled();
  await wait(ARM_AFTER_MS);
  await click();
  expect(onCall).toHaveBeenCalledTimes(1);
});

test('a button the page covered (a top-layer popover) must be uncovered for the whole time again', async () => {
  await wait(ARM_AFTER_MS * 2);
  covered = true;
  await wait(100);
  // Lifted at the last moment, just before the click: refused.
  covered = false;
  await wait(50);
  await click();
  expect(onCall).not.toHaveBeenCalled();
  // Positive control: left uncovered long enough, the same click dials.
  await wait(ARM_AFTER_MS);
  await click();
  expect(onCall).toHaveBeenCalledTimes(1);
});

test('a click whose point is not PopLine in the page’s hit test is refused', async () => {
  await wait(ARM_AFTER_MS * 2);
  document.elementFromPoint = (x) => (x === 210 ? popover : ours);
  await click();
  expect(onCall).not.toHaveBeenCalled();
  document.elementFromPoint = () => ours;
  await click();
  expect(onCall).toHaveBeenCalledTimes(1);
});
