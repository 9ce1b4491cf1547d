/**
 * A call's note and outcome tag, in jsdom: on the card (kept on screen while the agent writes,
 * even after its call is over and would have faded) and in the popup's recent calls.
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

function cardActions(saveNote: CardActions['saveNote'] = async () => null) {
  const kept: [string, boolean][] = [];
  const actions: CardActions = {
    close: jest.fn(),
    minimise: jest.fn(),
    act: jest.fn(async () => null),
    copy: jest.fn(async () => true),
    dragStart: jest.fn(),
    openRecord: jest.fn(async () => null),
    saveNote: jest.fn(saveNote),
    keepOpen: (id, on) => kept.push([id, on]),
  };
  return { actions, kept };
}

describe('on the card', () => {
  test('the agent opens the note, writes it, picks a tag and saves; the card shows it', async () => {
    const { actions, kept } = cardActions();
    render(<Card call={call()} now={NOW} fading={false} canControl dispositions={TAGS} actions={actions} />, root);
    button('Add a note').click(); // A page's synthetic click does nothing.
    expect($('textarea')).toBeNull();
    await trustedClick(button('Add a note'));
    expect(kept).toEqual([['s1', true]]);
    expect(document.activeElement).toBe($('textarea'));
    // The stack redraws every second with a new actions object: the card stays kept.
    render(
      <Card call={call()} now={NOW + 1000} fading={false} canControl dispositions={TAGS} actions={{ ...actions }} />,
      root,
    );
    expect(kept).toEqual([['s1', true]]);
    await typeInto($('textarea'), '  Wants a quote by Friday  ');
    await trustedClick(button('sale'));
    expect(button('sale').getAttribute('aria-pressed')).toBe('true');
    await trustedClick(button('Save note'));
    expect(actions.saveNote).toHaveBeenCalledWith('s1', { note: 'Wants a quote by Friday', disposition: 'sale' });
    await until(() => !$('textarea'));
    expect(kept).toEqual([
      ['s1', true],
      ['s1', false],
    ]);
    expect($('.saved-note').textContent).toBe('sale · Wants a quote by Friday');
    expect($('.message').textContent).toBe('Note saved');
    // Open again: what was saved is there to change; a second click on the tag clears it.
    await trustedClick(button('Edit the note'));
    expect($<HTMLTextAreaElement>('textarea').value).toBe('Wants a quote by Friday');
    await trustedClick(button('sale'));
    expect(button('sale').getAttribute('aria-pressed')).toBe('false');
  });

  test('a note that cannot be saved says why and keeps the text', async () => {
    const { actions, kept } = cardActions(async () => 'no such call in the history');
    render(<Card call={call()} now={NOW} fading={false} canControl dispositions={TAGS} actions={actions} />, root);
    await trustedClick(button('Add a note'));
    await typeInto($('textarea'), 'Call back');
    await trustedClick(button('Save note'));
    await until(() => $('.message').textContent);
    expect($('.message').textContent).toBe('The note was not saved: no such call in the history');
    expect($<HTMLTextAreaElement>('textarea').value).toBe('Call back');
    expect(button('Save note').disabled).toBe(false);
    expect(kept).toEqual([['s1', true]]);
  });

  test('Escape cancels; a tag from the PBX or an old list is text, and can be removed', async () => {
    const { actions, kept } = cardActions();
    const hostile = '<img src=x onerror=alert(1)>';
    render(
      <Card call={call()} now={NOW} fading={false} canControl dispositions={[...TAGS, hostile]} actions={actions} />,
      root,
    );
    await trustedClick(button('Add a note'));
    expect(root.querySelector('img')).toBeNull();
    expect(button(hostile)).toBeTruthy();
    await act(async () => {
      $('textarea').dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }));
    });
    expect($('textarea')).toBeNull();
    expect(kept.at(-1)).toEqual(['s1', false]);
    expect(actions.saveNote).not.toHaveBeenCalled();
  });

  test('a card being noted neither fades nor goes once its call is over', () => {
    const ended = call({ phase: 'ended', endedAt: NOW - 60_000, endReason: 'answered' });
    const state: ContentState = { rev: 1, cards: [ended], canControl: true, fadeAfterMs: 8000, dispositions: TAGS };
    const { actions } = cardActions();
    render(<CardStack state={state} isDark={() => false} actions={actions} />, root);
    expect($('.card')).toBeNull();
    render(<CardStack state={state} isDark={() => false} actions={actions} kept={new Set(['s1'])} />, root);
    expect($('.card').className).toBe('card');
  });

  test('a card being noted never folds behind newer calls', () => {
    const ringing = [2, 3, 4].map((n) => call({ sessionId: `s${n}`, phase: 'ringing', answeredAt: undefined }));
    const cards = [...ringing, call()];
    const state: ContentState = { rev: 1, cards, canControl: true, fadeAfterMs: 8000, dispositions: TAGS };
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
