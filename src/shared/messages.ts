/**
 * The message API between contexts, declared once: name → request, response, and which
 * senders may use it. The background routes with an object of handlers (background/router.ts);
 * callers use `send()` from shared/messenger.ts. Every request is validated on arrival.
 */

import type { CardPosition, CardView, ContentState } from './cards';
import type { CrmLogView } from './crm/log/outbox';
import {
  type DialOutcome,
  type DialQuestion,
  type DialRequest,
  dialConfirmGuard,
  dialRequestGuard,
  type FoundNumbers,
  findNumbersGuard,
  type Gesture,
  gestureGuard,
} from './dial/messages';
import {
  anyOf,
  arrayOf,
  bool,
  type Guard,
  GuardError,
  isRecord,
  literal,
  num,
  obj,
  oneOf,
  optional,
  str,
  stringMap,
} from './guard';
import {
  type HistoryNote,
  type HistoryPage,
  type HistoryQuery,
  type HistoryResult,
  type HistoryView,
  historyImportGuard,
  historyNoteGuard,
  historyPreviousGuard,
  historyQueryGuard,
  historyRangeGuard,
  type ImportSummary,
} from './history';
import { MAX_DISPOSITION, MAX_NOTE } from './history/noteLimits';
import type { ActionResult } from './outcome';
import type { ConnectionTestResult } from './pbx/connectionTest';
import type { EnrolResult } from './pbx/enrol';
import { AVAILABILITIES, type ConnectionState, LIMITS, SESSION_ACTIONS, type SessionAction } from './protocol';
import type { CredentialChanges, OptionsView, SaveOptionsResult } from './settings/options';
import { EXPIRY_CHOICES, type ExpiryChoice } from './team/availability';
import type { ChatMessage } from './team/messages';
import type { ChatSendResult, ConversationSummary, TeamView } from './team/view';

/**
 * Who sent a message: a content script in a tab, one of our extension pages, or the card's text
 * entry (entry.html, our page in a frame of a CRM tab: typing there is not visible to the page).
 */
export type SenderKind = 'content' | 'page' | 'frame';

/** The sender as the router established it from the browser's sender info (never from the message). */
export interface Context {
  kind: SenderKind;
  /** The tab of a content script or of the entry frame. */
  tabId?: number;
  url?: string;
}

/** What the card's note form (in the entry frame) starts with: the saved note and the tags offered. */
export interface EntryStart {
  note: string;
  disposition: string;
  dispositions: string[];
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
  /** The PBX can answer the agent's phone (`permissions.accept`). */
  canAnswer?: boolean;
}

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
  /**
   * Call control. From a content script: only a call this tab shows, with a fresh gesture;
   * `confirmed` (a transfer target the dial policy asks about) counts only from extension pages.
   */
  callAction: Spec<
    { sessionId: string; action: SessionAction; target?: string; gesture?: Gesture; confirmed?: boolean },
    ActionResult
  >;
  /** The agent dragged the cards: remember the place for this site. */
  savePosition: Spec<CardPosition, null>;
  getStatus: Spec<Record<string, never>, StatusView>;
  dial: Spec<{ number: string; confirmed?: boolean }, ActionResult>;
  reconnect: Spec<Record<string, never>, null>;
  /** The options page and popup: settings in force, policy locks, load warnings (no secrets). */
  getOptions: Spec<Record<string, never>, OptionsView>;
  /** The options page saves settings and changed credentials (checked again here). */
  saveOptions: Spec<{ settings: Record<string, unknown>; credentials?: CredentialChanges }, SaveOptionsResult>;
  /** A throwaway connection with unsaved values; credentials not given are the saved ones. */
  testConnection: Spec<{ settings: Record<string, unknown>; credentials?: CredentialChanges }, ConnectionTestResult>;
  /** Exchanges a bridge's one-time enrolment code for a token (stored here, never shown) and saves the address. */
  enrol: Spec<{ serverUrl: string; allowInsecure: boolean; code: string }, EnrolResult>;
  // The call history (docs/history.md). Times are milliseconds since 1970.
  /** One page of calls, newest first: recent, missed, or a search by number or name; from/to filter. */
  historyQuery: Spec<HistoryQuery, HistoryPage>;
  /** Earlier calls with the same number as this call, newest first (default 5, at most 20). */
  historyPrevious: Spec<{ sessionId: string; limit?: number }, HistoryView[]>;
  /** Sets a call's note and/or disposition tag (the entry frame: only a call its tab showed, or one ended within 2 hours). */
  historySetNote: Spec<HistoryNote, ActionResult>;
  /** The entry frame opens the note form of a call its tab showed: null when it may not. */
  entryOpen: Spec<{ sessionId: string }, EntryStart | null>;
  /** The entry frame keeps what the agent is typing (not saved yet), so a reloaded frame loses nothing. */
  entryDraft: Spec<{ sessionId: string; note: string; disposition: string }, null>;
  /** The history (optionally a start-time range) as CSV text, formula cells neutralised. */
  historyExport: Spec<{ from?: number; to?: number }, { csv: string; count: number; skipped: number }>;
  /** Removes every call from the history. */
  historyClear: Spec<Record<string, never>, { removed: number }>;
  /** Imports the PBX's own call history (its newest `limit` calls), without duplicates. */
  historyImport: Spec<{ limit?: number }, HistoryResult<ImportSummary>>;
  // Click-to-dial from the page (docs/dialing.md): only from a trusted gesture in this tab.
  /** A tel: link was clicked or a marked number's call button: dial it, or say why not. */
  dialRequest: Spec<DialRequest, DialOutcome>;
  /** The confirmation window (confirm.html) asks what to show for its ticket; null once expired. */
  dialQuestion: Spec<{ ticket: string }, DialQuestion | null>;
  /** The agent answered in the confirmation window (international, premium, burst, browser UI). */
  dialConfirm: Spec<{ ticket: string; yes: boolean }, DialOutcome>;
  /** Number detection is on here: load the detector and its highlight style into this tab. */
  loadDetector: Spec<Record<string, never>, { ok: boolean }>;
  /** This CRM tab has its first card to show: load the card UI (cards.js) into it. */
  loadCards: Spec<Record<string, never>, { ok: boolean }>;
  /** The detector's text nodes with seven digits or more: the numbers in each (found off the page's thread). */
  findNumbers: Spec<{ texts: string[] }, FoundNumbers>;
  /** The agent clicked a looked-up contact (its index) or "create contact" on a card this tab shows. */
  openRecord: Spec<{ sessionId: string; match: number | 'create' }, ActionResult>;
  // Call logging into the CRM (docs/crm.md): the history shows each call's state.
  /** The call-log state of these calls (those with none are left out). */
  crmLogStates: Spec<{ sessionIds: string[] }, Record<string, CrmLogView>>;
  /** "Retry" a failed log, or "Log to CRM" a call waiting for the agent. */
  crmLogRetry: Spec<{ sessionId: string }, ActionResult>;
  /** "Open in CRM": the logged activity, or the call's CRM record. */
  crmLogOpen: Spec<{ sessionId: string }, ActionResult>;
  /** The card's "Log now" (ends the wrap-up) or "Retry": only a call this tab shows, with a fresh gesture. */
  crmLogNow: Spec<{ sessionId: string; gesture: Gesture }, ActionResult>;
  // The team (issue 16): presence, own availability, messages. Extension pages only.
  /** Presence and the directory; only what changed since the revisions given. */
  teamView: Spec<{ dirRev?: number; presRev?: number }, TeamView>;
  /** The agent's own availability, with an expiry (30 min, 1 h, until tomorrow) and a note. */
  teamSetAvailability: Spec<
    { availability: 'available' | 'away' | 'dnd'; expiry: ExpiryChoice; note?: string },
    ActionResult
  >;
  /** A colleague on or off the favourites (kept in storage); answers the favourites. */
  teamFavourite: Spec<{ extension: string; on: boolean }, string[]>;
  /** The conversations, newest first. */
  chatConversations: Spec<Record<string, never>, ConversationSummary[]>;
  /** A conversation's newest messages (oldest first); opening it marks it read. */
  chatConversation: Spec<{ peer: string; before?: number }, ChatMessage[]>;
  /** Sends a message; the result says whether the server took it. */
  chatSend: Spec<{ to: string; content: string }, ChatSendResult>;
  /** Messages matching every word, newest first. */
  chatSearch: Spec<{ query: string }, ChatMessage[]>;
  /** A link in a message was clicked: open it in a new tab (http and https only). */
  openLink: Spec<{ url: string }, ActionResult>;
}

export type MessageName = keyof MessageMap;
export type Req<K extends MessageName> = MessageMap[K]['req'];
export type Res<K extends MessageName> = MessageMap[K]['res'];
/** What the background does for each message: one handler per name, each feature owning its own. */
export type Handlers = { [K in MessageName]: (body: Req<K>, context: Context) => Promise<Res<K>> };

const empty = obj({}) as Guard<Record<string, never>>;
/** A settings object from the options page: any JSON object of bounded size (loadSettings checks it). */
const jsonObject: Guard<Record<string, unknown>> = (value, path = '') => {
  if (!isRecord(value)) throw new GuardError('expected an object', path);
  if (JSON.stringify(value).length > 256 * 1024) throw new GuardError('too large', path);
  return value;
};
const visibleFlag = obj({ visible: bool });

/** Request validators and allowed senders, one entry per message. */
export const MESSAGES: { [K in MessageName]: { from: readonly SenderKind[]; req: Guard<Req<K>> } } = {
  contentHello: { from: ['content'], req: visibleFlag },
  tabActive: { from: ['content'], req: visibleFlag },
  dismissCard: { from: ['content'], req: obj({ sessionId: str(1024, { min: 1 }) }) },
  callAction: {
    from: ['content', 'page', 'frame'],
    req: obj({
      sessionId: str(1024, { min: 1 }),
      action: oneOf(SESSION_ACTIONS),
      target: optional(str(64)),
      gesture: optional(gestureGuard),
      confirmed: optional(bool),
    }),
  },
  savePosition: {
    from: ['content'],
    req: obj({ right: num({ min: 0, max: 10_000 }), bottom: num({ min: 0, max: 10_000 }) }),
  },
  getStatus: { from: ['page'], req: empty },
  dial: { from: ['page'], req: obj({ number: str(64, { min: 1 }), confirmed: optional(bool) }) },
  reconnect: { from: ['page'], req: empty },
  getOptions: { from: ['page'], req: empty },
  saveOptions: { from: ['page'], req: obj({ settings: jsonObject, credentials: optional(stringMap(16, 4096)) }) },
  testConnection: { from: ['page'], req: obj({ settings: jsonObject, credentials: optional(stringMap(16, 4096)) }) },
  enrol: {
    from: ['page'],
    req: obj({ serverUrl: str(2048, { min: 1 }), allowInsecure: bool, code: str(64, { min: 1 }) }),
  },
  historyQuery: { from: ['page'], req: historyQueryGuard },
  historyPrevious: { from: ['page'], req: historyPreviousGuard },
  // Notes are typed in the entry frame, not in the page: a content script has no use for this.
  historySetNote: { from: ['frame', 'page'], req: historyNoteGuard },
  entryOpen: { from: ['frame'], req: obj({ sessionId: str(1024, { min: 1 }) }) },
  entryDraft: {
    from: ['frame'],
    req: obj({ sessionId: str(1024, { min: 1 }), note: str(MAX_NOTE), disposition: str(MAX_DISPOSITION) }),
  },
  historyExport: { from: ['page'], req: historyRangeGuard },
  historyClear: { from: ['page'], req: empty },
  historyImport: { from: ['page'], req: historyImportGuard },
  dialRequest: { from: ['content'], req: dialRequestGuard },
  // Only the confirmation window answers (docs/security.md): no content script gets or redeems a ticket.
  dialQuestion: { from: ['page'], req: obj({ ticket: str(64, { min: 8 }) }) },
  dialConfirm: { from: ['page'], req: dialConfirmGuard },
  loadDetector: { from: ['content'], req: empty },
  loadCards: { from: ['content'], req: empty },
  findNumbers: { from: ['content'], req: findNumbersGuard },
  openRecord: {
    from: ['content'],
    req: obj({
      sessionId: str(1024, { min: 1 }),
      match: anyOf<number | 'create'>(num({ min: 0, max: 99, integer: true }), literal('create')),
    }),
  },
  crmLogStates: { from: ['page'], req: obj({ sessionIds: arrayOf(str(1024, { min: 1 }), { max: 200 }) }) },
  crmLogRetry: { from: ['page'], req: obj({ sessionId: str(1024, { min: 1 }) }) },
  crmLogOpen: { from: ['page'], req: obj({ sessionId: str(1024, { min: 1 }) }) },
  crmLogNow: { from: ['content'], req: obj({ sessionId: str(1024, { min: 1 }), gesture: gestureGuard }) },
  teamView: {
    from: ['page'],
    req: obj({ dirRev: optional(num({ min: 0 })), presRev: optional(num({ min: 0 })) }),
  },
  teamSetAvailability: {
    from: ['page'],
    req: obj({ availability: oneOf(AVAILABILITIES), expiry: oneOf(EXPIRY_CHOICES), note: optional(str(LIMITS.note)) }),
  },
  teamFavourite: { from: ['page'], req: obj({ extension: str(LIMITS.extension, { min: 1 }), on: bool }) },
  chatConversations: { from: ['page'], req: empty },
  chatConversation: {
    from: ['page'],
    req: obj({ peer: str(LIMITS.extension, { min: 1 }), before: optional(num({ min: 0 })) }),
  },
  // Length is checked by the handler, so an over-long message is answered in words, not dropped.
  chatSend: { from: ['page'], req: obj({ to: str(LIMITS.extension, { min: 1 }), content: str(4 * LIMITS.message) }) },
  chatSearch: { from: ['page'], req: obj({ query: str(256) }) },
  openLink: { from: ['page'], req: obj({ url: str(2048, { min: 1 }) }) },
};

/** The envelope every message travels in; the marker tells ours from anything else. */
export interface Envelope<K extends MessageName = MessageName> {
  popline: 1;
  type: K;
  body: Req<K>;
}

export const envelopeGuard = obj({ popline: literal(1), type: str(64), body: (v: unknown) => v });
