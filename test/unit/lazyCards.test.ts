/**
 * content/cards/lazy.ts: content.js asks the background for the card UI (cards.js) only once a
 * state has a card to show, hands the UI the newest state once it is there, and asks again after
 * a load that failed.
 */
import { CARDS_KEY, type CardsUi, type CardsView } from '../../src/content/cards/api';
import { createLazyCardsView } from '../../src/content/cards/lazy';
import type { ContentState } from '../../src/shared/cards';

const scope = globalThis as { [CARDS_KEY]?: CardsUi };
const card = { sessionId: 's1', phase: 'ringing' } as ContentState['cards'][number];
const state = (rev: number, cards: ContentState['cards'] = []): ContentState =>
  ({ rev, cards, canControl: true, fadeAfterMs: 8000 }) as ContentState;
const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

function setup({ loads = true } = {}) {
  const drawn: ContentState[] = [];
  const ui: CardsUi = {
    createCardsView: (): CardsView => ({ apply: (s) => drawn.push(s), current: () => drawn.at(-1) }),
  };
  const asked: string[] = [];
  const send = jest.fn(async (type: string) => {
    asked.push(type);
    // What executeScript of cards.js does: the UI registers itself in this world.
    if (loads) scope[CARDS_KEY] = ui;
    return { ok: loads };
  }) as unknown as Parameters<typeof createLazyCardsView>[0];
  const errors: unknown[] = [];
  const view = createLazyCardsView(send, new AbortController().signal, (error) => errors.push(error));
  return { view, drawn, asked, errors, ui };
}

beforeEach(() => {
  delete scope[CARDS_KEY];
});

test('no card, no card UI: the state is kept, nothing is loaded; the first card loads it and is drawn', async () => {
  const { view, drawn, asked } = setup();
  view.apply(state(1));
  await flush();
  expect(asked).toEqual([]);
  expect(view.current()?.rev).toBe(1);
  // Positive control: a state with a card asks once, and the UI draws the newest state.
  view.apply(state(2, [card]));
  view.apply(state(3, [card]));
  view.apply(state(2, [])); // an older revision is ignored
  await flush();
  expect(asked).toEqual(['loadCards']);
  expect(drawn.map((s) => s.rev)).toEqual([3]);
  view.apply(state(4));
  expect(drawn.map((s) => s.rev)).toEqual([3, 4]);
  expect(view.current()?.rev).toBe(4);
});

test('a UI already in this world (a second content.js run) is used without asking', async () => {
  const { view, drawn, asked, ui } = setup();
  scope[CARDS_KEY] = ui;
  view.apply(state(1, [card]));
  await flush();
  expect(asked).toEqual([]);
  expect(drawn.map((s) => s.rev)).toEqual([1]);
});

test('a load that fails is reported, and asked for again with the next state that has cards', async () => {
  const { view, asked, errors } = setup({ loads: false });
  const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  view.apply(state(1, [card]));
  await flush();
  expect(asked).toEqual(['loadCards']);
  expect(errors).toHaveLength(1);
  view.apply(state(2, [card]));
  await flush();
  expect(asked).toEqual(['loadCards', 'loadCards']);
  warn.mockRestore();
});
