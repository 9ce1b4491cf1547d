/**
 * A call's note and outcome tag, in jsdom: on the card (typed in the entry frame, kept on screen
 * while the agent writes, even after its call is over and would have faded) and in the popup's
 * recent calls. The entry frame's own page is tested in entry.test.tsx.
 */
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { Card, type CardActions } from '../../src/content/cards/Card';
import { CardStack } from '../../src/content/cards/CardStack';
import { RecentCalls } from '../../src/popup/RecentCalls';
import type { CardView, ContentState } from '../../src/shared/cards';
import type { HistoryView } from '../../src/shared/history';
import { mock } from '../support/browserMock';
import { $, freshRootPerTest, root, trustedClick, typeInto, until } from '../support/dom';

jest.mock('webextension-polyfill', () => require('../support/browserMock').browserModule);

freshRootPerTest();

const button = (text: string) =>
  [...root.querySelectorAll('button')].find((b) => b.textContent?.trim() === text) as HTMLButtonElement;
const TAGS = ['callback', 'sale', 'support'];
const NOW = Date.now();

const call = (patch: Partial<CardView> = {}): CardView => ({
  sessionId: 's1',
  phase: 'connected',
  rawState: 'InCall',
  stateKnown: true,
  direction: 'inbound',
  number: '+4930123456',
  numberDisplay: '030 123456',
  name: 'Anna Schmidt',
  startedAt: NOW - 60_000,
  answeredAt: NOW - 50_000,
  ...patch,
});

function cardActions() {
  const kept: [string, boolean][] = [];
  const actions: CardActions = {
    close: jest.fn(),
    minimise: jest.fn(),
    act: jest.fn(async () => null),
    copy: jest.fn(async () => true),
    dragStart: jest.fn(),
    openRecord: jest.fn(async () => null),
    entryUrl: (kind, sessionId, phase) => `chrome-extension://dynamic/entry.html#k=${kind}&s=${sessionId}&p=${phase}`,
    keepOpen: (id, on) => kept.push([id, on]),
  };
  return { actions, kept };
}

/** What the entry frame posts to the card, from the frame's own window (or, for a forgery, another). */
async function fromFrame(event: unknown, source: Window | null = $<HTMLIFrameElement>('iframe').contentWindow) {
  await act(async () => {
    window.dispatchEvent(new MessageEvent('message', { data: { poplineEntry: event }, source }));
  });
}

describe('on the card', () => {
  test('the note is typed in the entry frame, not in the page; the card learns the tag and that it was saved', async () => {
    const { actions, kept } = cardActions();
    render(<Card call={call()} now={NOW} fading={false} canControl actions={actions} />, root);
    button('Add a note').click(); // A page's synthetic click does nothing.
    expect($('iframe')).toBeNull();
    await trustedClick(button('Add a note'));
    expect(kept).toEqual([['s1', true]]);
    // No text field in the page's document: the form is the extension's frame.
    expect(root.querySelector('textarea, input')).toBeNull();
    expect($<HTMLIFrameElement>('iframe').src).toBe('chrome-extension://dynamic/entry.html#k=note&s=s1&p=connected');
    // The stack redraws every second with a new actions object: the card stays kept.
    render(<Card call={call()} now={NOW + 1000} fading={false} canControl actions={{ ...actions }} />, root);
    expect(kept).toEqual([['s1', true]]);
    await fromFrame({ type: 'size', height: 150 });
    expect($<HTMLIFrameElement>('iframe').style.height).toBe('150px');
    // A look-alike message from the page's own window counts for nothing; the frame's does.
    await fromFrame({ type: 'saved', disposition: 'forged', noted: true }, window);
    expect($('iframe')).not.toBeNull();
    await fromFrame({ type: 'saved', disposition: 'sale', noted: true });
    expect($('iframe')).toBeNull();
    expect(kept).toEqual([
      ['s1', true],
      ['s1', false],
    ]);
    expect($('.saved-note').textContent).toBe('sale');
    expect($('.message').textContent).toBe('Note saved');
    expect(button('Edit the note')).toBeTruthy();
  });

  test('closing the frame (Escape or Cancel there) closes the form and lets the card go', async () => {
    const { actions, kept } = cardActions();
    render(<Card call={call()} now={NOW} fading={false} canControl actions={actions} />, root);
    await trustedClick(button('Add a note'));
    await fromFrame({ type: 'bogus' });
    await fromFrame({ type: 'size', height: 'tall' });
    expect($('iframe')).not.toBeNull();
    await fromFrame({ type: 'closed' });
    expect($('iframe')).toBeNull();
    expect(kept.at(-1)).toEqual(['s1', false]);
    expect(button('Add a note')).toBeTruthy();
  });

  test('the transfer target is typed in the entry frame too; "done" closes it', async () => {
    const { actions } = cardActions();
    render(<Card call={call()} now={NOW} fading={false} canControl actions={actions} />, root);
    await trustedClick(button('Transfer'));
    expect(root.querySelector('input')).toBeNull();
    expect($<HTMLIFrameElement>('iframe').src).toContain('entry.html#k=transfer&s=s1');
    await fromFrame({ type: 'done' });
    expect($('iframe')).toBeNull();
    expect(button('Hang up')).toBeTruthy();
  });

  test('a card being noted neither fades nor goes once its call is over', () => {
    const ended = call({ phase: 'ended', endedAt: NOW - 60_000, endReason: 'answered' });
    const state: ContentState = { rev: 1, cards: [ended], canControl: true, fadeAfterMs: 8000 };
    const { actions } = cardActions();
    render(<CardStack state={state} isDark={() => false} actions={actions} />, root);
    expect($('.card')).toBeNull();
    render(<CardStack state={state} isDark={() => false} actions={actions} kept={new Set(['s1'])} />, root);
    expect($('.card').className).toBe('card');
  });

  test('a card being noted never folds behind newer calls', () => {
    const ringing = [2, 3, 4].map((n) => call({ sessionId: `s${n}`, phase: 'ringing', answeredAt: undefined }));
    const cards = [...ringing, call()];
    const state: ContentState = { rev: 1, cards, canControl: true, fadeAfterMs: 8000 };
    const { actions } = cardActions();
    const shown = () => [...root.querySelectorAll<HTMLElement>('.card')].map((card) => card.dataset.session);
    render(<CardStack state={state} isDark={() => false} actions={actions} />, root);
    expect(shown()).toEqual(['s2', 's3', 's4']);
    render(<CardStack state={state} isDark={() => false} actions={actions} kept={new Set(['s1'])} />, root);
    expect(shown()).toEqual(['s2', 's3', 's1']);
    expect(root.textContent).toContain('More calls: 1');
  });
});

describe('in the popup', () => {
  const record = (patch: Partial<HistoryView> = {}): HistoryView => ({
    sessionId: 'h1',
    source: 'live',
    direction: 'inbound',
    number: '030123456',
    e164: '+4930123456',
    numberDisplay: '030 123456',
    name: 'Anna Schmidt',
    startedAt: NOW - 60_000,
    endedAt: NOW - 30_000,
    outcome: 'answered',
    updatedAt: NOW,
    ...patch,
  });
  const page = (records: HistoryView[]) => ({ records, page: 0, pageSize: 20, hasMore: false, skipped: 0 });

  test('a recent call gets a note and a tag; the row shows them', async () => {
    mock.handlers.historyQuery = () => page([record({ disposition: 'support' })]);
    mock.handlers.historySetNote = () => ({ ok: true, sessionId: 'h1' });
    render(<RecentCalls canDial dispositions={TAGS} />, root);
    await until(() => $('.recent-row'));
    expect($('.noted').textContent).toBe('support');
    await trustedClick($('.note-button'));
    expect($('.note-button').getAttribute('aria-expanded')).toBe('true');
    expect(button('support').getAttribute('aria-pressed')).toBe('true');
    await typeInto($('textarea'), 'Sent the manual');
    await trustedClick(button('callback'));
    await trustedClick(button('Save note'));
    await until(() => !$('textarea'));
    expect(mock.sent.at(-1)).toEqual({
      type: 'historySetNote',
      body: { sessionId: 'h1', note: 'Sent the manual', disposition: 'callback' },
    });
    expect($('.noted').textContent).toBe('callback · Sent the manual');
    expect(root.textContent).toContain('Note saved');
  });

  test('a failed save says why and keeps the form', async () => {
    mock.handlers.historyQuery = () => page([record()]);
    mock.handlers.historySetNote = () => ({ ok: false, code: 'notFound', message: 'no such call in the history' });
    render(<RecentCalls canDial dispositions={TAGS} />, root);
    await until(() => $('.recent-row'));
    await trustedClick($('.note-button'));
    await typeInto($('textarea'), 'x');
    await trustedClick(button('Save note'));
    await until(() => root.textContent?.includes('not saved'));
    expect(root.textContent).toContain('The note was not saved: no such call in the history');
    expect($('textarea')).not.toBeNull();
  });
});
