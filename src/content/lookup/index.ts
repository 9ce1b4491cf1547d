/**
 * The content script's part of a caller lookup (docs/crm.md): the background asks this CRM tab
 * to fetch JSON from its own site, so the request carries the agent's CRM login and no key is
 * stored. Only our own background may ask (content/pushes.ts checks), only for an address on
 * this page's origin; the answer is size-limited and returned parsed, for the background to map.
 */
import { type LookupFetchResult, readJsonLimited } from '../../shared/crm/lookup';

/** Firefox's content scripts fetch as the page with `content.fetch`; elsewhere `fetch` already does. */
const pageFetch: typeof fetch = (() => {
  const pageScope = (globalThis as { content?: { fetch?: typeof fetch } }).content;
  return typeof pageScope?.fetch === 'function' ? pageScope.fetch.bind(pageScope) : fetch.bind(globalThis);
})();

export async function fetchOwnSite(url: string, timeoutMs: number): Promise<LookupFetchResult> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return { ok: false, error: 'not an address' };
  }
  if (target.origin !== location.origin) return { ok: false, error: 'not this site' };
  try {
    const response = await pageFetch(target.href, {
      credentials: 'include',
      headers: { accept: 'application/json' },
      cache: 'no-store',
      signal: AbortSignal.timeout(timeoutMs),
    });
    // A redirect to a login page on another site is not an answer.
    if (response.url && new URL(response.url).origin !== location.origin) {
      return { ok: false, error: 'redirected off the site' };
    }
    if (!response.ok) return { ok: false, error: `HTTP ${response.status}`, status: response.status };
    return { ok: true, json: await readJsonLimited(response) };
  } catch (error) {
    return { ok: false, error: String((error as Error)?.message ?? error).slice(0, 200) };
  }
}
