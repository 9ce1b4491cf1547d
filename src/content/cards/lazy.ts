/**
 * The cards' side of content.js: it keeps the newest pushed state, and asks the background for
 * the card UI (cards.js, ./api.ts) only when there is a card to show; from then on the UI draws.
 * A load that fails is tried again with the next state that has cards (the sync every few
 * seconds during a call), so a card is late at worst, never lost.
 */
import type { ContentState } from '../../shared/cards';
import { isContextInvalidated } from '../../shared/messenger';
import { CARDS_KEY, type CardsUi, type CardsView, type Send } from './api';

export type { CardsView } from './api';

export function createLazyCardsView(send: Send, signal: AbortSignal, onError: (error: unknown) => void): CardsView {
  const scope = globalThis as { [CARDS_KEY]?: CardsUi };
  let view: CardsView | undefined;
  let latest: ContentState | undefined;
  let loading = false;

  async function load(): Promise<void> {
    if (!scope[CARDS_KEY]) {
      const { ok } = await send('loadCards', {});
      if (!ok) throw new Error('the background did not load the card UI');
    }
    const ui = scope[CARDS_KEY];
    if (!ui) throw new Error('the card UI did not register');
    if (signal.aborted || view) return;
    view = ui.createCardsView(send, signal, onError);
    if (latest) view.apply(latest);
  }

  return {
    apply(state) {
      if (view) return view.apply(state);
      if (latest && state.rev < latest.rev) return;
      latest = state;
      if (!state.cards.length || loading) return;
      loading = true;
      load()
        .catch((error: unknown) => {
          if (!isContextInvalidated(error)) console.warn('PopLine: could not load the card UI', error);
          onError(error);
        })
        .finally(() => {
          loading = false;
        });
    },
    current: () => (view ? view.current() : latest),
  };
}
