/** The click-to-dial messages (docs/dialing.md): from a page's gesture, and the popup's dialer. */
import type { Handlers } from '../../shared/messages';
import { confirmFromWindow, dialFromPage, dialFromPopup, dialQuestion } from '.';
import { callAction } from './control';
import { loadDetector } from './detector';
import { findNumbers } from './findNumbers';

export const dialHandlers: Pick<
  Handlers,
  'dialRequest' | 'dialConfirm' | 'dialQuestion' | 'loadDetector' | 'findNumbers' | 'dial' | 'callAction'
> = {
  dialRequest: dialFromPage,
  dialQuestion: ({ ticket }, context) => dialQuestion(ticket, context),
  dialConfirm: ({ ticket, yes }, context) => confirmFromWindow(ticket, yes, context),
  loadDetector: (_body, context) => loadDetector(context),
  findNumbers: ({ texts }, context) => findNumbers(texts, context),
  dial: ({ number, confirmed }) => dialFromPopup(number, confirmed === true),
  callAction,
};
