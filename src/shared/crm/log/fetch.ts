/**
 * One call-log request and its answer, as the content script (in-tab mode) and the background
 * (key mode) both send it: the same headers (`Idempotency-Key`, JSON), the same size limit on
 * the answer, the same result shape, so the outbox judges both alike.
 */
import { readJsonLimited } from '../lookup';
import type { CsrfConfig } from './csrf';
import { LOG_ANSWER_MAX_BYTES } from './template';

export interface LogFetchRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH';
  url: string;
  /** JSON text, '' for none. */
  body: string;
  idempotencyKey: string;
  csrf: CsrfConfig;
  timeoutMs: number;
}

export interface LogFetchResult {
  /** A 2xx answer. */
  ok: boolean;
  status?: number;
  /** The parsed answer (2xx), or the error answer when it was JSON (the CRM's reason). */
  json?: unknown;
  /** Why there is no usable answer, in words. */
  error?: string;
  /** Whether the request may have reached the CRM (false: refused before sending, or offline). */
  sent: boolean;
}

export const requestHeaders = (request: LogFetchRequest, extra: Record<string, string>): Record<string, string> => ({
  accept: 'application/json',
  ...(request.body ? { 'content-type': 'application/json' } : {}),
  ...(request.method !== 'GET' ? { 'idempotency-key': request.idempotencyKey } : {}),
  ...extra,
});

/** Reads an answer: JSON when 2xx (an empty 2xx is `null`), and the reason of an error when it has one. */
export async function readLogAnswer(response: Response): Promise<LogFetchResult> {
  const status = response.status;
  if (status === 204) return { ok: true, status, json: null, sent: true };
  let json: unknown;
  try {
    json = await readJsonLimited(response, LOG_ANSWER_MAX_BYTES);
  } catch (error) {
    const text = String((error as Error)?.message ?? error).slice(0, 200);
    if (response.ok && text === 'the answer is empty') return { ok: true, status, json: null, sent: true };
    return { ok: false, status, error: text, sent: true };
  }
  return { ok: response.ok, status, json, sent: true };
}
