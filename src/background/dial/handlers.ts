/** The click-to-dial messages (docs/dialing.md): from a page's gesture, and the popup's dialer. */
import type { Handlers } from '../../shared/messages';
import { confirmFromPage, dialFromPage, dialFromPopup } from '.';
import { loadDetector } from './detector';
import { findNumbers } from './findNumbers';

export const dialHandlers: Pick<Handlers, 'dialRequest' | 'dialConfirm' | 'loadDetector' | 'findNumbers' | 'dial'> = {
  dialRequest: dialFromPage,
  dialConfirm: ({ ticket, gesture }, context) => confirmFromPage(ticket, gesture, context),
  loadDetector: (_body, context) => loadDetector(context),
  findNumbers: ({ texts }, context) => findNumbers(texts, context),
  dial: ({ number, confirmed }) => dialFromPopup(number, confirmed === true),
};
