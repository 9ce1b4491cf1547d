/**
 * The content script's part of call logging (docs/crm.md): the background asks this CRM tab to
 * send a log request to its own site, so it carries the agent's CRM login, with the CSRF token
 * the CRM's own pages use (a meta tag, a cookie, or an answer header). Only our own background
 * may ask (content/pushes.ts checks), only for an address on this page's origin; a redirect off
 * the site is no answer, and the answer is size-limited and returned parsed.
 */
import { type CsrfSources, csrfHeaders } from '../../shared/crm/log/csrf';
import { type LogFetchRequest, type LogFetchResult, readLogAnswer, requestHeaders } from '../../shared/crm/log/fetch';

/** Firefox's content scripts fetch as the page with `content.fetch`; elsewhere `fetch` already does. */
const pageFetch: typeof fetch = (() => {
  const pageScope = (globalThis as { content?: { fetch?: typeof fetch } }).content;
  return typeof pageScope?.fetch === 'function' ? pageScope.fetch.bind(pageScope) : fetch.bind(globalThis);
})();

const sameSite = (url: string) => {
  try {
    return new URL(url).origin === location.origin;
  } catch {
    return false;
  }
};

const pageSources: CsrfSources = {
  meta: (name) => document.querySelector(`meta[name="${CSS.escape(name)}"]`)?.getAttribute('content') ?? null,
  cookies: () => document.cookie,
  async fetchHeader(url, name) {
    if (!sameSite(url)) return null;
    const response = await pageFetch(url, {
      credentials: 'include',
      cache: 'no-store',
      headers: { 'x-csrf-token': 'Fetch' },
      signal: AbortSignal.timeout(5000),
    });
    await response.body?.cancel().catch(() => undefined);
    return sameSite(response.url || url) ? response.headers.get(name) : null;
  },
};

export async function sendLogRequest(request: LogFetchRequest): Promise<LogFetchResult> {
  if (!sameSite(request.url)) return { ok: false, error: 'not this site', sent: false };
  const token = await csrfHeaders(request.csrf, pageSources);
  if (!token.ok) return { ok: false, error: token.error, sent: false };
  try {
    const response = await pageFetch(request.url, {
      method: request.method,
      credentials: 'include',
      headers: requestHeaders(request, token.headers),
      ...(request.body ? { body: request.body } : {}),
      cache: 'no-store',
      signal: AbortSignal.timeout(request.timeoutMs),
    });
    // A redirect to a login page on another site is not an answer: the agent must log in.
    if (response.url && !sameSite(response.url)) {
      await response.body?.cancel().catch(() => undefined);
      return { ok: false, status: 401, error: 'redirected off the site (logged out?)', sent: true };
    }
    return await readLogAnswer(response);
  } catch (error) {
    const name = (error as Error)?.name;
    const text = name === 'TimeoutError' ? 'no answer in time' : String((error as Error)?.message ?? error);
    return { ok: false, error: text.slice(0, 200), sent: true };
  }
}
