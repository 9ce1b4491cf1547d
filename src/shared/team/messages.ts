/**
 * Internal messages between colleagues: the record kept in the history, delivery state, and the
 * text rules. Message text is untrusted: it is length-limited, drawn as text, and its links are
 * recognised (http and https only) but followed only on a click.
 */
import { LIMITS } from '../protocol';

export type Delivery = 'sending' | 'sent' | 'delivered' | 'read' | 'failed';
const RANK: Record<Delivery, number> = { failed: 0, sending: 1, sent: 2, delivered: 3, read: 4 };

export interface ChatMessage {
  /** The server's id; `local:…` until the server answered. */
  id: string;
  /** The colleague of the conversation. */
  peer: string;
  direction: 'in' | 'out';
  content: string;
  /** Milliseconds since 1970. */
  time: number;
  /** Outgoing: how far it got. */
  delivery?: Delivery;
  /** Outgoing that failed: why (a `Failure` code), and the server's (untrusted) words. */
  error?: import('../outcome').Failure;
  detail?: string;
  /** Incoming: the agent has seen it. */
  read?: boolean;
}

export const MESSAGE_MAX = LIMITS.message;

export function messageProblem(content: string): 'empty' | 'tooLong' | null {
  if (!content.trim()) return 'empty';
  return [...content].length > MESSAGE_MAX || content.length > MESSAGE_MAX ? 'tooLong' : null;
}

/** A delivery state only moves forward (a late "delivered" never undoes "read"). */
export function advance(current: Delivery | undefined, next: Delivery): Delivery {
  if (!current) return next;
  if (next === 'failed') return current === 'sending' ? 'failed' : current;
  return RANK[next] > RANK[current] ? next : current;
}

export type TextPart = { kind: 'text'; text: string } | { kind: 'link'; text: string; href: string };

/** The address a link may open: only http(s), parsed and normalised; null for anything else. */
export function safeLink(raw: string): string | null {
  if (raw.length > 2048) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  if (url.username || url.password) return null;
  return url.href;
}

// Linear: one character class, no nesting, so no backtracking on hostile text.
const LINK = /\bhttps?:\/\/[^\s<>"'`]+/giu;
const TRAILING = /[.,;:!?)\]}]+$/u;

/** Splits message text into plain text and links (for drawing as text, links as buttons). */
export function splitLinks(content: string): TextPart[] {
  const parts: TextPart[] = [];
  let last = 0;
  for (const match of content.matchAll(LINK)) {
    const start = match.index ?? 0;
    const text = match[0].replace(TRAILING, '');
    const href = safeLink(text);
    if (!href) continue;
    if (start > last) parts.push({ kind: 'text', text: content.slice(last, start) });
    parts.push({ kind: 'link', text, href });
    last = start + text.length;
  }
  if (last < content.length) parts.push({ kind: 'text', text: content.slice(last) });
  return parts;
}

/** Whether a message matches a search (every word, case- and accent-insensitive). */
export function matchesMessage(message: Pick<ChatMessage, 'content' | 'peer'>, query: string): boolean {
  const fold = (text: string) => text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
  const haystack = fold(`${message.content} ${message.peer}`);
  return fold(query)
    .split(/\s+/)
    .filter(Boolean)
    .every((word) => haystack.includes(word));
}
