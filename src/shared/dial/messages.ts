/**
 * The click-to-dial part of the message API (added to MessageMap in messages.ts): what a
 * content script may ask, what it gets back, and what the background pushes to a tab after a
 * context-menu or shortcut dial. See docs/dialing.md.
 */

import type { FoundSpan } from '../detect/quickTest';
import { arrayOf, bool, type Guard, GuardError, num, obj, oneOf, str } from '../guard';
import type { Failure } from '../outcome';
import type { ConfirmReason } from './policy';

/** What a CRM site has switched on for PopLine's dialing, sent with the content state. */
export interface SiteFeatures {
  /** Find and mark phone numbers in the page text. */
  detect: boolean;
  /** Clicking a `tel:`/`callto:`/`sip:` link dials through the PBX. */
  links: boolean;
  /** The agent's default country (ISO 3166) for national numbers. */
  country: string;
}

/**
 * Evidence of the trusted user gesture a content-script dial comes from: when it happened
 * (milliseconds since 1970, from the event's own timestamp) and what it was. The background
 * accepts each gesture once, and only while it is fresh.
 */
export interface Gesture {
  at: number;
  kind: 'pointer' | 'key';
}

export const DIAL_SOURCES = ['link', 'detected'] as const;
export type DialSource = (typeof DIAL_SOURCES)[number];

export type DialOutcome =
  | { status: 'dialing'; display: string }
  /** Asked in a PopLine window (confirm.html), which the page cannot reach: the page never gets the ticket. */
  | { status: 'confirm'; display: string; reasons: ConfirmReason[] }
  | { status: 'failed'; code: Failure; display?: string; detail?: string };

export interface DialRequest {
  /** The link's href or the found number's text, as on the page. */
  input: string;
  source: DialSource;
  gesture: Gesture;
}

export const gestureGuard: Guard<Gesture> = obj({
  at: num({ min: 0, max: 8.64e15 }),
  kind: oneOf(['pointer', 'key'] as const),
});

export const dialRequestGuard: Guard<DialRequest> = obj({
  input: str(256, { min: 1 }),
  source: oneOf(DIAL_SOURCES),
  gesture: gestureGuard,
});

/** The confirmation window's answer (an extension page: no page or content script can send it). */
export const dialConfirmGuard: Guard<{ ticket: string; yes: boolean }> = obj({
  ticket: str(64, { min: 8 }),
  yes: bool,
});

/** What the confirmation window shows for its ticket. */
export interface DialQuestion {
  display: string;
  reasons: ConfirmReason[];
}

/** Text nodes a tab sends for number finding: at most 1,000 texts, 16 KiB each, 256 KiB in all. */
export const findNumbersGuard: Guard<{ texts: string[] }> = (value, path = '') => {
  const body = obj({ texts: arrayOf(str(16 * 1024), { max: 1000 }) })(value, path);
  const total = body.texts.reduce((sum, text) => sum + text.length, 0);
  if (total > 256 * 1024) throw new GuardError('more than 256 KiB of text', path);
  return body;
};

export type FoundNumbers = { found: FoundSpan[][] };
