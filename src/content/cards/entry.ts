/** cards.js: the card UI, injected by the background into a CRM tab with a card to show (./api.ts). */

import { createCardsView } from '.';
import { CARDS_KEY, type CardsUi } from './api';

const scope = globalThis as { [CARDS_KEY]?: CardsUi };
scope[CARDS_KEY] ??= { createCardsView };
