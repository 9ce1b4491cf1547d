/**
 * The wrap-up on the card (docs/crm.md, issue 17), in jsdom: an ended call whose log waits shows
 * the countdown, offers the note and tag form (the entry frame, opened by the card without taking
 * the focus) and "Log now"; then the log's state: logged, waiting (paused), failed with the CRM's
 * reason (as text) and "Retry". The card stays while the wrap-up runs and a failed log shows; a
 * logged one fades from when it was logged.
 */
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { Card, type CardActions } from '../../src/content/cards/Card';
import { CardStack } from '../../src/content/cards/CardStack';
import type { CardView, ContentState } from '../../src/shared/cards';
import type { CardCrmLog } from '../../src/shared/crm/log/outbox';
import type { Gesture } from '../../src/shared/dial/messages';
import { $, freshRootPerTest, root, trustedClick } from '../support/dom';

jest.mock('webextension-polyfill', () => require('../support/browserMock').browserModule);

freshRootPerTest();

const NOW = Date.now();
const $$ = (selector: string) => [...root.querySelectorAll(selector)];
const button = (text: string) =>
  [...root.querySelectorAll('button')].find((b) => b.textContent?.trim() === text) as HTMLButtonElement | undefined;

const ended = (crmLog?: CardCrmLog, patch: Partial<CardView> = {}): CardView => ({
  sessionId: 's1',
  phase: 'ended',
  rawState: 'Completed',
  stateKnown: true,
  direction: 'inbound',
  number: '+4930123456',
  numberDisplay: '030 123456',
  name: 'Anna Schmidt',
  startedAt: NOW - 120_000,
  answeredAt: NOW - 100_000,
  endedAt: NOW - 5_000,
  endReason: 'answered',
  ...(crmLog ? { crmLog } : {}),
  ...patch,
});
const wrapUp = (dueIn = 42_000): CardCrmLog => ({ state: 'wrapUp', since: NOW - 5_000, dueAt: NOW + dueIn });

function cardActions(logNow: (id: string, gesture: Gesture | null) => Promise<string | null> = async () => null) {
  const kept: [string, boolean][] = [];
  const logged: [string, Gesture | null][] = [];
  const actions: CardActions = {
    close: jest.fn(),
    minimise: jest.fn(),
    act: jest.fn(async () => null),
    copy: jest.fn(async () => true),
    dragStart: jest.fn(),
    openRecord: jest.fn(async () => null),
    entryUrl: (kind, sessionId, phase, quiet) =>
      `chrome-extension://dynamic/entry.html#k=${kind}&s=${sessionId}&p=${phase}${quiet ? '&q=1' : ''}`,
    keepOpen: (id, on) => kept.push([id, on]),
    logNow: (id, gesture) => {
      logged.push([id, gesture]);
      return logNow(id, gesture);
    },
  };
  return { actions, kept, logged };
}

const draw = (call: CardView, actions: CardActions, now = NOW) =>
  act(() => {
    render(<Card call={call} now={now} fading={false} canControl actions={actions} />, root);
  });

/** The frame tells the card it is ready, from its own window. */
async function frameReady() {
  const frame = $<HTMLIFrameElement>('iframe');
  await act(async () => {
    window.dispatchEvent(
      new MessageEvent('message', { data: { poplineEntry: { type: 'ready' } }, source: frame.contentWindow }),
    );
  });
}

describe('the wrap-up on the card', () => {
  test('an ended call in its wrap-up: the countdown, the note and tag form opened by the card, "Log now"', async () => {
    const { actions, kept } = cardActions();
    await draw(ended(wrapUp(42_000)), actions);
    expect($('.crm-log').dataset.crmLog).toBe('wrapUp');
    expect($('.crm-log-text').textContent).toBe('Logs to CRM in 0:42');
    // The form is the extension's frame (the page never sees the note), opened quietly by the card
    // (no focus taken); the wrap-up holds the card, so the form does not claim a kept place.
    expect($<HTMLIFrameElement>('iframe').src).toBe('chrome-extension://dynamic/entry.html#k=note&s=s1&p=ended&q=1');
    expect(root.querySelector('textarea, input')).toBeNull();
    expect(kept).toEqual([]);
    expect(button('Log now')).toBeTruthy();
    // A second later, the countdown has moved on; the form is offered once, not again.
    await draw(ended(wrapUp(42_000)), { ...actions }, NOW + 1000);
    expect($('.crm-log-text').textContent).toBe('Logs to CRM in 0:41');
    expect($$('iframe')).toHaveLength(1);
    await draw(ended(wrapUp(42_000)), actions, NOW + 60_000);
    expect($('.crm-log-text').textContent).toBe('Logs to CRM in 0:00');
  });

  test('the form the wrap-up opened does not take the focus from the page; one opened by a click does', async () => {
    const field = document.createElement('input');
    document.body.append(field);
    field.focus();
    const { actions } = cardActions();
    await draw(ended(wrapUp()), actions);
    const frame = $<HTMLIFrameElement>('iframe');
    const focus = jest.spyOn(frame, 'focus');
    await frameReady();
    expect(focus).not.toHaveBeenCalled();
    expect(document.activeElement).toBe(field);
    // Positive control: closed, then opened by the agent's click, the frame takes the focus when ready.
    await act(async () => {
      window.dispatchEvent(
        new MessageEvent('message', { data: { poplineEntry: { type: 'closed' } }, source: frame.contentWindow }),
      );
    });
    expect($('iframe')).toBeNull();
    await trustedClick(button('Add a note') as HTMLButtonElement);
    const clicked = $<HTMLIFrameElement>('iframe');
    expect(clicked.src).not.toContain('q=1');
    const clickedFocus = jest.spyOn(clicked, 'focus');
    await frameReady();
    expect(clickedFocus).toHaveBeenCalled();
    field.remove();
  });

  test('"Log now" goes to the background only from a real click, with its evidence', async () => {
    const { actions, logged } = cardActions();
    await draw(ended(wrapUp()), actions);
    button('Log now')?.click(); // A page's synthetic click does nothing.
    expect(logged).toEqual([]);
    await trustedClick(button('Log now') as HTMLButtonElement);
    expect(logged).toHaveLength(1);
    expect(logged[0]?.[0]).toBe('s1');
    expect(logged[0]?.[1]).toMatchObject({ kind: 'pointer', at: expect.any(Number) });
  });

  test('the wrap-up ends: the form it opened goes, and the card says the call is logged', async () => {
    const { actions, kept } = cardActions();
    await draw(ended(wrapUp()), actions);
    expect($('iframe')).not.toBeNull();
    await draw(ended({ state: 'waiting', since: NOW }), actions);
    expect($('iframe')).toBeNull();
    expect(kept).toEqual([]);
    expect($('.crm-log-text').textContent).toBe('Waiting to be logged in the CRM');
    expect(button('Log now')).toBeUndefined();
    await draw(ended({ state: 'logged', since: NOW }), actions);
    expect($('.crm-log').dataset.crmLog).toBe('logged');
    expect($('.crm-log-text').textContent).toBe('Logged in the CRM');
    expect(root.querySelector('.crm-log button')).toBeNull();
  });

  test('the wrap-up ends while the agent is in the form: it stays', async () => {
    const { actions, kept } = cardActions();
    // As in the tab: keeping a card redraws the stack at once, from inside the card's own effect.
    let shown = ended(wrapUp());
    const keepOpen = actions.keepOpen;
    actions.keepOpen = (id, on) => {
      keepOpen(id, on);
      if (on) render(<Card call={shown} now={NOW} fading={false} canControl actions={actions} />, root);
    };
    await draw(shown, actions);
    const frame = $<HTMLIFrameElement>('iframe');
    frame.tabIndex = 0;
    frame.focus();
    expect(document.activeElement).toBe(frame);
    shown = ended({ state: 'logged', since: NOW });
    await draw(shown, actions);
    expect($('iframe')).toBe(frame);
    // Now the card keeps its place while the agent finishes (the log no longer holds it).
    expect(kept).toEqual([['s1', true]]);
  });

  test('failed: the CRM’s reason as text, and "Retry"; its refusal is said', async () => {
    const { actions, logged } = cardActions(async () => 'The background refused it');
    const hostile = '<img src=x onerror=alert(1)> quota exceeded';
    await draw(ended({ state: 'failed', since: NOW, reason: hostile }), actions);
    expect($('.crm-log').dataset.crmLog).toBe('failed');
    expect($('.crm-log-text').textContent).toBe(`Not logged in the CRM: ${hostile}`);
    expect(root.querySelector('img')).toBeNull();
    await trustedClick(button('Retry') as HTMLButtonElement);
    expect(logged).toHaveLength(1);
    expect($('.message').textContent).toBe('The background refused it');
  });

  test('waiting: while the CRM refuses PopLine, and after an attempt that did not land', async () => {
    const { actions } = cardActions();
    await draw(ended({ state: 'waiting', since: NOW, paused: true, reason: 'HTTP 401' }), actions);
    expect($('.crm-log').dataset.crmLog).toBe('paused');
    expect($('.crm-log-text').textContent).toBe('Waiting: log in to the CRM again, then it is logged');
    await draw(ended({ state: 'waiting', since: NOW, reason: 'HTTP 503' }), actions);
    expect($('.crm-log-text').textContent).toBe('Waiting to be logged in the CRM: HTTP 503');
    // By hand only: "Log to CRM".
    await draw(ended({ state: 'manual', since: NOW }), actions);
    expect(button('Log to CRM')).toBeTruthy();
  });

  test('no call log: no line, no form opened', async () => {
    const { actions, kept } = cardActions();
    await draw(ended(), actions);
    expect($('.crm-log')).toBeNull();
    expect($('iframe')).toBeNull();
    expect(kept).toEqual([]);
  });
});

describe('in the stack', () => {
  const stack = (cards: CardView[], now = NOW) => {
    const state: ContentState = { rev: 1, cards, canControl: true, fadeAfterMs: 8000 };
    const { actions } = cardActions();
    jest.setSystemTime(now);
    render(null, root); // A fresh stack, whose clock starts at `now`.
    render(<CardStack state={state} isDark={() => false} actions={actions} />, root);
    return [...root.querySelectorAll<HTMLElement>('.card')].map((card) => card.dataset.session);
  };
  beforeEach(() => jest.useFakeTimers({ now: NOW }));
  afterEach(() => jest.useRealTimers());

  test('a card in its wrap-up or with a failed log stays long after its call ended; a logged one fades from its logging', () => {
    const long = NOW + 10 * 60_000;
    // Positive control: without a log, an answered call's card has gone by then.
    expect(stack([ended()], long)).toEqual([]);
    expect(stack([ended(wrapUp(20 * 60_000))], long)).toEqual(['s1']);
    expect(stack([ended({ state: 'failed', since: NOW, reason: 'no' })], long)).toEqual(['s1']);
    const logged = ended({ state: 'logged', since: long - 2000 });
    expect(stack([logged], long)).toEqual(['s1']);
    expect(stack([logged], long + 9000)).toEqual([]);
  });
});
