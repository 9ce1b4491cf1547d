import type { Contact } from './lookupMap';

/** A lookup that has not answered by then leaves the card as it is, with a quiet note. */
export const LOOKUP_TIMEOUT_MS = 3000;
/** A bigger answer is refused unread. */
export const LOOKUP_MAX_BYTES = 1_000_000;
/** The card lists at most this many matches. */
export const CARD_MATCHES = 5;

export type LookupState = 'pending' | 'found' | 'none' | 'failed';
/** Why a lookup failed: no answer in time, an error, or no CRM tab to ask (content-script mode). */
export type LookupProblem = 'timeout' | 'failed' | 'noTab';

/** A match as a card shows it: text only, no addresses (opening goes through the background). */
export interface CardMatch {
  name: string;
  company?: string;
  note?: string;
  hasRecord: boolean;
}

export interface CardLookup {
  state: LookupState;
  problem?: LookupProblem;
  matches?: CardMatch[];
  /** How many the CRM found (more than `matches` holds when it found many). */
  total?: number;
  /** The match the agent chose among several. */
  chosen?: number;
  /** No match, and a "create contact" address is set. */
  canCreate?: boolean;
}

/** What the background keeps per call (storage.session), with the addresses a card never sees. */
export interface CallLookup {
  /** 'off': no lookup for this call; the entry only remembers the record pop. */
  state: LookupState | 'off';
  startedAt: number;
  problem?: LookupProblem;
  matches?: Contact[];
  total?: number;
  chosen?: number;
  createUrl?: string;
  /** The record was opened for this call (or there was none to open): never again. */
  recordDone?: boolean;
}

export type LookupFetchResult = { ok: true; json: unknown } | { ok: false; error: string; status?: number };

export class LookupHttpError extends Error {
  constructor(readonly status: number) {
    super(`the CRM answered HTTP ${status}`);
    this.name = 'LookupHttpError';
  }
}

/** Reads a response as JSON, refusing more than `maxBytes` without reading the rest. */
export async function readJsonLimited(response: Response, maxBytes = LOOKUP_MAX_BYTES): Promise<unknown> {
  const declared = Number(response.headers.get('content-length'));
  if (declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw new Error('the answer is too large');
  }
  const reader = response.body?.getReader();
  if (!reader) throw new Error('the answer is empty');
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new Error('the answer is too large');
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new Error('the answer is not JSON');
  }
}
