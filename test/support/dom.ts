/** Helpers for DOM tests (jsdom + Preact, with webextension-polyfill mocked by browserMock). */
import { options, render } from 'preact';
import { act } from 'preact/test-utils';
import { mock } from './browserMock';

/** Where each test renders (a fresh element per test, once `freshRootPerTest` is called). */
export let root: HTMLElement;

/** Each test gets a fresh #root and a reset browser mock; what it rendered is unmounted after it. */
export function freshRootPerTest(): void {
  beforeEach(() => {
    mock.reset();
    document.body.innerHTML = '<div id="root"></div>';
    root = document.getElementById('root') as HTMLElement;
  });
  afterEach(() => render(null, root));
}

export const $ = <T extends Element = HTMLElement>(selector: string) => root.querySelector(selector) as T;

/** Lets timers and promises run until `check` holds (at most a second). */
export async function until(check: () => unknown): Promise<void> {
  for (let i = 0; i < 100 && !check(); i++) await act(async () => new Promise((resolve) => setTimeout(resolve, 10)));
  expect(check()).toBeTruthy();
}

/**
 * A click the browser would mark trusted. jsdom's events never are (and isTrusted cannot be
 * redefined), so Preact's event hook hands the handler a view of the event that says it is.
 * Events the click causes at once (a form's submit) are seen as trusted too, as in a browser.
 */
export async function trustedClick(element: Element): Promise<void> {
  const previous = options.event;
  options.event = (event: Event) =>
    new Proxy(event, { get: (target, key) => (key === 'isTrusted' ? true : Reflect.get(target, key)) });
  try {
    await act(async () => {
      element.dispatchEvent(new MouseEvent('click', { bubbles: true, cancelable: true }));
    });
  } finally {
    options.event = previous;
  }
}

/** Types into a field as the agent would (one input event with the whole value). */
export async function typeInto(field: HTMLInputElement | HTMLTextAreaElement, value: string): Promise<void> {
  await act(async () => {
    field.value = value;
    field.dispatchEvent(new Event('input', { bubbles: true }));
  });
}
