/** Turns stored calls into what cards and the popup show. */

import type { Call, CallBook } from '../calls';
import { displayText } from '../format';
import { formatNumber } from '../phone';
import type { CardView } from '.';

export function cardView(call: Call, country: string, book?: CallBook): CardView {
  const view: CardView = {
    sessionId: call.sessionId,
    phase: call.phase,
    rawState: call.rawState,
    stateKnown: call.stateKnown,
    direction: call.direction,
    number: call.remoteNumber,
    numberDisplay: formatNumber(call.remoteNumber, country),
    startedAt: call.startedAt,
  };
  if (call.masterSessionId) view.masterSessionId = call.masterSessionId;
  if (call.remoteName) view.name = call.remoteName;
  if (call.answeredAt !== undefined) view.answeredAt = call.answeredAt;
  if (call.endedAt !== undefined) view.endedAt = call.endedAt;
  if (call.endReason) view.endReason = call.endReason;
  const master = call.masterSessionId ? book?.calls[call.masterSessionId] : undefined;
  if (master) view.transferredFrom = displayText(master.remoteName) || formatNumber(master.remoteNumber, country);
  return view;
}

/** Newest first, active calls before ended ones. */
export const byRelevance = (a: Call, b: Call) =>
  Number(a.endedAt !== undefined) - Number(b.endedAt !== undefined) || b.startedAt - a.startedAt;
