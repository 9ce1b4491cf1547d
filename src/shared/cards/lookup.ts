/** What a card shows of a call's lookup: text and flags, never an address. */

import { CARD_MATCHES, type CallLookup, type CardLookup } from '../crm/lookup';
import { shownMatch } from '../crm/recordPop';
import type { CardView } from '.';

export function cardLookup(entry: CallLookup): CardLookup | undefined {
  if (entry.state === 'off') return undefined;
  const lookup: CardLookup = { state: entry.state };
  if (entry.problem) lookup.problem = entry.problem;
  if (entry.matches?.length) {
    lookup.matches = entry.matches.slice(0, CARD_MATCHES).map((match) => ({
      name: match.name,
      ...(match.company ? { company: match.company } : {}),
      ...(match.note ? { note: match.note } : {}),
      hasRecord: !!match.recordUrl,
    }));
    lookup.total = entry.total ?? entry.matches.length;
  }
  if (entry.chosen !== undefined) lookup.chosen = entry.chosen;
  if (entry.createUrl) lookup.canCreate = true;
  return lookup;
}

/** A card with its lookup; the looked-up name replaces the PBX's once the match is clear. */
export function withLookup(view: CardView, entry: CallLookup | undefined): CardView {
  const lookup = entry && cardLookup(entry);
  if (!entry || !lookup) return view;
  const match = shownMatch(entry);
  return { ...view, lookup, ...(match?.name ? { name: match.name } : {}) };
}
