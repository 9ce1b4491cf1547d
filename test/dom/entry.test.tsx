/**
 * The card's entry frame (src/dialogs/entry.tsx, entry.html in a frame of the CRM tab), in
 * jsdom: the note and transfer forms talk to the background themselves, and the card (the
 * frame's parent) hears only the height, "saved" with the tag, "closed" and "done": never a
 * word the agent typed.
 */
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { startEntry } from '../../src/dialogs/entry';
import { mock } from '../support/browserMock';
import { trustedClick, typeInto, until } from '../support/dom';

jest.mock('webextension-polyfill', () => require('../support/browserMock').browserModule);

globalThis.ResizeObserver ??= class {
  observe() {}
  unobserve() {}
  disconnect() {}
} as unknown as typeof ResizeObserver;

let posted: unknown[] = [];
let app: HTMLElement;

async function openEntry(hash: string): Promise<void> {
  document.body.innerHTML = '<div id="app"></div>';
  app = document.getElementById('app') as HTMLElement;
  window.location.hash = hash;
  await act(async () => startEntry());
}

const $ = <T extends Element = HTMLElement>(selector: string) => app.querySelector(selector) as T;
const button = (text: string) =>
  [...app.querySelectorAll('button')].find((b) => b.textContent?.trim() === text) as HTMLButtonElement;
const events = () => posted.map((data) => (data as { poplineEntry: unknown }).poplineEntry);

beforeEach(() => {
  mock.reset();
  posted = [];
  jest.spyOn(window, 'postMessage').mockImplementation((data: unknown) => {
    posted.push(data);
  });
});
afterEach(() => {
  render(null, app);
  jest.restoreAllMocks();
});

test('the note form starts from the saved note, saves through the background, and tells the card only the tag', async () => {
  mock.handlers.entryOpen = () => ({ note: 'Old note', disposition: '', dispositions: ['callback', 'sale'] });
  mock.handlers.historySetNote = () => ({ ok: true, sessionId: 's/1 & more' });
  mock.handlers.entryDraft = () => null;
  await openEntry(new URLSearchParams({ k: 'note', s: 's/1 & more', d: '1', p: 'held' }).toString());
  await until(() => $('textarea'));
  expect(mock.sent[0]).toEqual({ type: 'entryOpen', body: { sessionId: 's/1 & more' } });
  expect($<HTMLTextAreaElement>('textarea').value).toBe('Old note');
  expect($('.entry').className).toBe('entry theme dark');
  expect($('.entry').dataset.phase).toBe('held');
  expect(events()[0]).toEqual({ type: 'ready' });
  await typeInto($('textarea'), '  Secret: card ends 4242  ');
  await trustedClick(button('sale'));
  await trustedClick(button('Save note'));
  await until(() => events().some((e) => (e as { type: string }).type === 'saved'));
  // Each change went to the background as a draft (a reloaded frame gets it back from entryOpen).
  expect(mock.sent.filter((m) => m.type === 'entryDraft').at(-1)?.body).toEqual({
    sessionId: 's/1 & more',
    note: '  Secret: card ends 4242  ',
    disposition: 'sale',
  });
  expect(mock.sent.find((m) => m.type === 'historySetNote')).toEqual({
    type: 'historySetNote',
    body: { sessionId: 's/1 & more', note: 'Secret: card ends 4242', disposition: 'sale' },
  });
  expect(events().at(-1)).toEqual({ type: 'saved', disposition: 'sale', noted: true });
  // Nothing the agent typed reaches the parent (the page can see these messages).
  expect(JSON.stringify(posted)).not.toContain('4242');
});

test('a note that cannot be saved says why in the frame and keeps the text; Escape closes', async () => {
  mock.handlers.entryOpen = () => ({ note: '', disposition: '', dispositions: ['<img src=x onerror=alert(1)>'] });
  mock.handlers.historySetNote = () => ({ ok: false, code: 'notFound', message: 'no such call' });
  mock.handlers.entryDraft = () => null;
  await openEntry('k=note&s=s1');
  await until(() => $('textarea'));
  // A tag is text, never markup.
  expect(app.querySelector('img')).toBeNull();
  expect(button('<img src=x onerror=alert(1)>')).toBeTruthy();
  await typeInto($('textarea'), 'Call back');
  await trustedClick(button('Save note'));
  await until(() => $('.message').textContent);
  expect($('.message').textContent).toContain('The note was not saved');
  expect($<HTMLTextAreaElement>('textarea').value).toBe('Call back');
  expect(events().map((e) => (e as { type: string }).type)).not.toContain('saved');
  await act(async () => {
    $('textarea').dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }));
  });
  expect(events().at(-1)).toEqual({ type: 'closed' });
});

test('a call the tab may not note shows no form', async () => {
  mock.handlers.entryOpen = () => null;
  await openEntry('k=note&s=other');
  await until(() => $('.message'));
  expect($('textarea')).toBeNull();
});

test('the transfer form sends the target with the click as evidence; a refusal stays in the frame', async () => {
  const answers = [
    { ok: false, code: 'invalidNumber', message: 'abc' },
    { ok: true, sessionId: 's1' },
  ];
  mock.handlers.callAction = () => answers.shift();
  await openEntry('k=transfer&s=s1&p=connected');
  await until(() => $('input'));
  await typeInto($('input'), 'abc');
  await trustedClick(button('Transfer'));
  await until(() => $('.message').textContent);
  expect(events().map((e) => (e as { type: string }).type)).not.toContain('done');
  await typeInto($('input'), '1002');
  await trustedClick(button('Transfer'));
  await until(() => events().some((e) => (e as { type: string }).type === 'done'));
  const sent = mock.sent.filter((m) => m.type === 'callAction').map((m) => m.body as Record<string, unknown>);
  expect(sent[1]).toMatchObject({ sessionId: 's1', action: 'blindTransfer', target: '1002' });
  expect(JSON.stringify(posted)).not.toContain('1002');
});

test('an address that names no form renders nothing', async () => {
  await openEntry('k=script&s=s1');
  expect(app.innerHTML).toBe('');
  expect(mock.sent).toEqual([]);
});

test('a form the card opened by itself (the wrap-up, q=1) leaves the focus where it is; one opened by a click takes it', async () => {
  mock.handlers.entryOpen = () => ({ note: '', disposition: '', dispositions: ['sale'] });
  await openEntry(new URLSearchParams({ k: 'note', s: 's1', d: '0', p: 'ended' }).toString());
  await until(() => $('textarea'));
  expect(document.activeElement).toBe($('textarea'));
  render(null, app);
  await openEntry(new URLSearchParams({ k: 'note', s: 's1', d: '0', p: 'ended', q: '1' }).toString());
  await until(() => $('textarea'));
  expect(document.activeElement).not.toBe($('textarea'));
});
