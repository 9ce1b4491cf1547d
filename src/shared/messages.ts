/**
 * The message API between contexts, declared once: name → request, response, and which
 * senders may use it. The background routes with an object of handlers (background/router.ts);
 * callers use `send()` from shared/messenger.ts. Every request is validated on arrival.
 */
import type { CallPhase, EndReason } from './callState';
import type { Direction } from './calls';
import { bool, type Guard, literal, obj, oneOf, optional, str } from './guard';
import { type ConnectionState, SESSION_ACTIONS, type SessionAction } from './protocol';

/** Who sent a message: a content script in a tab, or one of our extension pages. */
export type SenderKind = 'content' | 'page';

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
}

/** Everything a content script needs to draw; pushed whole, so applying it twice is harmless. */
export interface ContentState {
  /** Increases with every push; a content script ignores an older one. */
  rev: number;
  cards: CardView[];
  canControl: boolean;
  /** How long an ended, answered call's card stays. */
  fadeAfterMs: number;
}

export interface StatusView {
  state: ConnectionState | 'DISCONNECTED';
  /** Why, in words, when not connected. */
  detail?: string;
  extension: string;
  serverUrl: string;
  userName?: string;
  calls: CardView[];
  canDial: boolean;
  canControl: boolean;
}

export type ActionResult = { ok: true; sessionId?: string } | { ok: false; code: string; message: string };

interface Spec<Req, Res> {
  req: Req;
  res: Res;
}

export interface MessageMap {
  /** A content script starts (or a page navigated): is this a CRM tab, and what is showing? */
  contentHello: Spec<{ visible: boolean }, ContentState | null>;
  /** The agent is using this tab (focus, visibility, input). */
  tabActive: Spec<{ visible: boolean }, null>;
  /** The agent closed a card in this tab. */
  dismissCard: Spec<{ sessionId: string }, null>;
  callAction: Spec<{ sessionId: string; action: SessionAction; target?: string }, ActionResult>;
  getStatus: Spec<Record<string, never>, StatusView>;
  dial: Spec<{ number: string }, ActionResult>;
  reconnect: Spec<Record<string, never>, null>;
}

export type MessageName = keyof MessageMap;
export type Req<K extends MessageName> = MessageMap[K]['req'];
export type Res<K extends MessageName> = MessageMap[K]['res'];

const empty = obj({}) as Guard<Record<string, never>>;
const visibleFlag = obj({ visible: bool });

/** Request validators and allowed senders, one entry per message. */
export const MESSAGES: { [K in MessageName]: { from: readonly SenderKind[]; req: Guard<Req<K>> } } = {
  contentHello: { from: ['content'], req: visibleFlag },
  tabActive: { from: ['content'], req: visibleFlag },
  dismissCard: { from: ['content'], req: obj({ sessionId: str(1024, { min: 1 }) }) },
  callAction: {
    from: ['content', 'page'],
    req: obj({ sessionId: str(1024, { min: 1 }), action: oneOf(SESSION_ACTIONS), target: optional(str(64)) }),
  },
  getStatus: { from: ['page'], req: empty },
  dial: { from: ['page'], req: obj({ number: str(64, { min: 1 }) }) },
  reconnect: { from: ['page'], req: empty },
};

/** The envelope every message travels in; the marker tells ours from anything else. */
export interface Envelope<K extends MessageName = MessageName> {
  popline: 1;
  type: K;
  body: Req<K>;
}

/** Background → content script pushes. */
export interface Push {
  popline: 1;
  type: 'cards';
  body: ContentState;
}

export const envelopeGuard = obj({ popline: literal(1), type: str(64), body: (v: unknown) => v });
