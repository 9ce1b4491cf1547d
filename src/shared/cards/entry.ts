/**
 * The card's text entry (issue 18, gap 11). The note and transfer forms are not drawn in the
 * page: the card holds an extension frame (entry.html) and the agent types there, where the
 * page's key, input and selection listeners cannot reach. The frame tells the card only what it
 * must to fit and close: its height, "saved" (with the outcome tag), "closed", "done". Those go
 * through `postMessage`, which the page can see too, so they carry nothing the agent typed.
 */
import { MAX_DISPOSITION } from '../history/noteLimits';

export const ENTRY_PAGE = 'entry.html';
export type EntryKind = 'note' | 'transfer';

export interface EntryParams {
  kind: EntryKind;
  sessionId: string;
  dark: boolean;
  /** The call's phase, for the accent colour. */
  phase: string;
  /** Opened by the card itself (the wrap-up), not by a click: the form does not take the focus. */
  quiet?: boolean;
}

/** The frame's address fragment: what to open, for which call, in which colours. */
export function entryHash({ kind, sessionId, dark, phase, quiet }: EntryParams): string {
  return new URLSearchParams({
    k: kind,
    s: sessionId,
    d: dark ? '1' : '0',
    p: phase,
    ...(quiet ? { q: '1' } : {}),
  }).toString();
}

const PHASE = /^[a-z]{1,16}$/;

export function parseEntryHash(hash: string): EntryParams | null {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const kind = params.get('k');
  const sessionId = params.get('s') ?? '';
  if ((kind !== 'note' && kind !== 'transfer') || !sessionId || sessionId.length > 1024) return null;
  const phase = params.get('p') ?? '';
  return {
    kind,
    sessionId,
    dark: params.get('d') === '1',
    phase: PHASE.test(phase) ? phase : 'connected',
    ...(params.get('q') === '1' ? { quiet: true } : {}),
  };
}

export type EntryEvent =
  | { type: 'ready' }
  | { type: 'size'; height: number }
  | { type: 'saved'; disposition: string; noted: boolean }
  | { type: 'closed' }
  | { type: 'done' };

/** The one key the frame's messages carry, so the card tells them from the page's own. */
export const ENTRY_KEY = 'poplineEntry';
/** The tallest the frame may ask to be. */
export const MAX_ENTRY_HEIGHT = 480;

/** The frame's event, or null for anything else (the card also checks that its own frame sent it). */
export function readEntryEvent(data: unknown): EntryEvent | null {
  if (typeof data !== 'object' || data === null || !Object.hasOwn(data, ENTRY_KEY)) return null;
  const event = (data as Record<string, unknown>)[ENTRY_KEY];
  if (typeof event !== 'object' || event === null) return null;
  const { type, height, disposition, noted } = event as Record<string, unknown>;
  switch (type) {
    case 'ready':
    case 'closed':
    case 'done':
      return { type };
    case 'size':
      return typeof height === 'number' && Number.isFinite(height)
        ? { type, height: Math.min(MAX_ENTRY_HEIGHT, Math.max(0, Math.ceil(height))) }
        : null;
    case 'saved':
      return typeof disposition === 'string' && disposition.length <= MAX_DISPOSITION && typeof noted === 'boolean'
        ? { type, disposition, noted }
        : null;
    default:
      return null;
  }
}
