/**
 * The messages from the background to a tab's content script, declared once: name → request,
 * response, and the validators both ends run (the content script on arrival, the background on
 * the answer). The other direction is `MESSAGES` in messages.ts. The background sends with
 * `sendToTab` (background/messaging), the content script answers in one listener (content/index.ts).
 */
import { CALL_PHASES, END_REASONS } from './calls/state';
import type { CardPosition, CardView, ContentState } from './cards';
import { CSRF_KINDS } from './crm/log/csrf';
import type { LogFetchRequest, LogFetchResult } from './crm/log/fetch';
import type { CardCrmLog } from './crm/log/outbox';
import type { CardLookup, CardMatch, LookupFetchResult } from './crm/lookup';
import type { DialOutcome, SiteFeatures } from './dial/messages';
import { CONFIRM_REASONS } from './dial/policy';
import { anyOf, arrayOf, bool, type Guard, GuardError, literal, num, obj, oneOf, optional, str } from './guard';
import { FAILURES } from './outcome';

interface Spec<Req, Res> {
  req: Req;
  res: Res;
}

export interface PushMap {
  /** This tab's whole card list (newest revision wins; applying it twice is harmless). */
  cards: Spec<ContentState, null>;
  /** A context-menu or shortcut dial's outcome, to show near where the agent was; true once shown. */
  dialOutcome: Spec<{ outcome: DialOutcome; near: 'menu' | 'selection' }, boolean>;
  /** Fetch this JSON from the tab's own site with the agent's CRM login (docs/crm.md). */
  lookupFetch: Spec<{ url: string; timeoutMs: number }, LookupFetchResult>;
  /** Send this call-log request to the tab's own site with the agent's CRM login and CSRF token (docs/crm.md). */
  crmLogFetch: Spec<LogFetchRequest, LogFetchResult>;
}

export type PushName = keyof PushMap;
export type PushReq<K extends PushName> = PushMap[K]['req'];
export type PushRes<K extends PushName> = PushMap[K]['res'];

/** The envelope a push travels in; the marker tells ours from anything else. */
export interface PushEnvelope<K extends PushName = PushName> {
  popline: 1;
  push: K;
  body: PushReq<K>;
}

const text = str(1024);
const id = str(1024, { min: 1 });
const time = num({ min: 0, max: 8.64e15 });

const cardMatchGuard: Guard<CardMatch> = obj({
  name: text,
  company: optional(text),
  note: optional(str(4096)),
  hasRecord: bool,
});
const cardLookupGuard: Guard<CardLookup> = obj({
  state: oneOf(['pending', 'found', 'none', 'failed'] as const),
  problem: optional(oneOf(['timeout', 'failed', 'noTab'] as const)),
  matches: optional(arrayOf(cardMatchGuard, { max: 20 })),
  total: optional(num({ min: 0, integer: true })),
  chosen: optional(num({ min: 0, max: 99, integer: true })),
  canCreate: optional(bool),
});
const cardCrmLogGuard: Guard<CardCrmLog> = obj({
  state: oneOf(['wrapUp', 'waiting', 'logged', 'failed', 'manual'] as const),
  dueAt: optional(time),
  since: time,
  reason: optional(str(1024)),
  paused: optional(bool),
});
const cardViewGuard: Guard<CardView> = obj({
  sessionId: id,
  masterSessionId: optional(text),
  phase: oneOf(CALL_PHASES),
  rawState: text,
  stateKnown: bool,
  direction: oneOf(['inbound', 'outbound', 'internal'] as const),
  number: text,
  numberDisplay: text,
  name: optional(text),
  startedAt: time,
  answeredAt: optional(time),
  endedAt: optional(time),
  endReason: optional(oneOf(END_REASONS)),
  transferredFrom: optional(text),
  lookup: optional(cardLookupGuard),
  crmLog: optional(cardCrmLogGuard),
});
const positionGuard: Guard<CardPosition> = obj({
  right: num({ min: 0, max: 10_000 }),
  bottom: num({ min: 0, max: 10_000 }),
});
const featuresGuard: Guard<SiteFeatures> = obj({ detect: bool, links: bool, country: str(8) });
export const contentStateGuard: Guard<ContentState> = obj({
  rev: num({ min: 0 }),
  cards: arrayOf(cardViewGuard, { max: 200 }),
  canControl: bool,
  canAnswer: optional(bool),
  fadeAfterMs: num({ min: 0 }),
  position: optional(positionGuard),
  features: optional(featuresGuard),
});

const dialOutcomeGuard: Guard<DialOutcome> = anyOf<DialOutcome>(
  obj({ status: literal('dialing'), display: text }),
  obj({ status: literal('confirm'), display: text, reasons: arrayOf(oneOf(CONFIRM_REASONS), { max: 4 }) }),
  obj({ status: literal('failed'), code: oneOf(FAILURES), display: optional(text), detail: optional(text) }),
);

const lookupFetchResultGuard: Guard<LookupFetchResult> = anyOf<LookupFetchResult>(
  obj({ ok: literal(true), json: (value: unknown) => value }) as Guard<LookupFetchResult>,
  obj({ ok: literal(false), error: str(4096), status: optional(num({ min: 0, max: 999, integer: true })) }),
);
const logFetchResultGuard: Guard<LogFetchResult> = obj({
  ok: bool,
  status: optional(num({ min: 0, max: 999, integer: true })),
  json: optional((value: unknown) => value),
  error: optional(str(4096)),
  sent: bool,
}) as Guard<LogFetchResult>;
const nothing: Guard<null> = (value, path = '') => {
  if (value === null || value === undefined) return null;
  throw new GuardError('expected no answer', path);
};

/** Request and response validators, one entry per push. */
export const PUSHES: { [K in PushName]: { req: Guard<PushReq<K>>; res: Guard<PushRes<K>> } } = {
  cards: { req: contentStateGuard, res: nothing },
  dialOutcome: { req: obj({ outcome: dialOutcomeGuard, near: oneOf(['menu', 'selection'] as const) }), res: bool },
  lookupFetch: {
    req: obj({ url: str(4096, { min: 1 }), timeoutMs: num({ min: 1, max: 10_000 }) }),
    res: lookupFetchResultGuard,
  },
  crmLogFetch: {
    req: obj({
      method: oneOf(['GET', 'POST', 'PUT', 'PATCH'] as const),
      url: str(4096, { min: 1 }),
      body: str(70_000),
      idempotencyKey: str(1100),
      csrf: obj({ kind: oneOf(CSRF_KINDS), name: str(128), sendHeader: str(64), url: str(2048) }),
      timeoutMs: num({ min: 1, max: 60_000 }),
    }),
    res: logFetchResultGuard,
  },
};

export const pushEnvelopeGuard = obj({
  popline: literal(1),
  push: oneOf(Object.keys(PUSHES) as PushName[]),
  body: (value: unknown) => value,
});
