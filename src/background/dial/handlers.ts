/** The click-to-dial messages from content scripts (docs/dialing.md). */

import type { SiteFeatures } from '../../shared/dial/messages';
import type { ContentState } from '../../shared/messages';
import type { Handlers } from '../messaging/router';
import { confirmFromPage, dialFromPage } from '.';
import { loadDetector } from './detector';
import { findNumbers } from './findNumbers';

export const dialHandlers: Pick<Handlers, 'dialRequest' | 'dialConfirm' | 'loadDetector' | 'findNumbers'> = {
  dialRequest: (request, context) => dialFromPage(request, context),
  dialConfirm: ({ ticket, gesture }, context) => confirmFromPage(ticket, gesture, context),
  loadDetector: (_body, context) => loadDetector(context),
  findNumbers: ({ texts }, context) => findNumbers(texts, context),
};

/** The answer to a tab on a site that dials but shows no cards: no cards, only the switches. */
export const featuresOnly = (features: SiteFeatures): ContentState => ({
  rev: 0,
  cards: [],
  canControl: false,
  fadeAfterMs: 0,
  dispositions: [],
  features,
});
