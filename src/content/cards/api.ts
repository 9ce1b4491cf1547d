/**
 * The contract between the content script (content.js) and the card UI (cards.js: Preact, the
 * cards, their styles), which the background injects into the same isolated world when the tab
 * has its first card to show (`loadCards`), so that CRM tabs without a call never parse it. The
 * UI registers itself under CARDS_KEY on the isolated world's global, which the page cannot see.
 */
import type { ContentState } from '../../shared/cards';
import type { createMessenger } from '../../shared/messenger';

export const CARDS_KEY = Symbol.for('popline.cards');

export type Send = ReturnType<typeof createMessenger>;

export interface CardsView {
  apply(state: ContentState): void;
  current(): ContentState | undefined;
}

export interface CardsUi {
  createCardsView(send: Send, signal: AbortSignal, onError: (error: unknown) => void): CardsView;
}
