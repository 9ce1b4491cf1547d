/**
 * What a card shows, as the background builds it for a tab: display data only, never an address
 * or a secret. Pushed whole (shared/pushes.ts), so applying it twice is harmless.
 */
import type { Direction } from '../calls';
import type { CallPhase, EndReason } from '../calls/state';
import type { CardCrmLog } from '../crm/log/outbox';
import type { CardLookup } from '../crm/lookup';
import type { SiteFeatures } from '../dial/messages';

/** A call as a card shows it. Built by the background; no secrets, only display data. */
export interface CardView {
  sessionId: string;
  masterSessionId?: string;
  phase: CallPhase;
  rawState: string;
  stateKnown: boolean;
  direction: Direction;
  number: string;
  numberDisplay: string;
  name?: string;
  startedAt: number;
  answeredAt?: number;
  endedAt?: number;
  endReason?: EndReason;
  /** For a transferred call: who the original call was with. */
  transferredFrom?: string;
  /** What the CRM lookup found (docs/crm.md); absent when lookups are off. */
  lookup?: CardLookup;
  /** The call's log into the CRM (docs/crm.md): the wrap-up's countdown, then its state; absent when not logged. */
  crmLog?: CardCrmLog;
}

/** Where the agent dragged the card stack on this site (px from the bottom-right corner). */
export interface CardPosition {
  right: number;
  bottom: number;
}

/** Everything a content script needs to draw; pushed whole, so applying it twice is harmless. */
export interface ContentState {
  /** Increases with every push; a content script ignores an older one. */
  rev: number;
  cards: CardView[];
  canControl: boolean;
  /** The PBX can answer the agent's phone: the ringing card offers "Answer" (issue 16). */
  canAnswer?: boolean;
  /** How long an ended, answered call's card stays. */
  fadeAfterMs: number;
  position?: CardPosition;
  /** Click-to-dial switches for this site (docs/dialing.md); absent in pushes. */
  features?: SiteFeatures;
}

/** The answer to a tab on a site that dials but shows no cards: no cards, only the switches. */
export const featuresOnly = (features: SiteFeatures): ContentState => ({
  rev: 0,
  cards: [],
  canControl: false,
  fadeAfterMs: 0,
  features,
});
