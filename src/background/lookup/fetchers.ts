import { LookupHttpError, readJsonLimited } from '../../shared/crm/lookup';
import { sendToTab } from '../messaging/sendToTab';
import { getSettings } from '../settings';
import { credentialsStore } from '../storage';

/** The lookup key: the policy's, else the one saved on the options page for this lookup address. */
export async function lookupKey(): Promise<string> {
  return (await credentialsStore.load(await getSettings())).lookupKey;
}

/** Asks a CRM tab's content script for the JSON at `url` (an address on that tab's own site). */
export async function fetchInTab(tabId: number, url: string, timeoutMs: number): Promise<unknown> {
  const result = await sendToTab(tabId, 'lookupFetch', { url, timeoutMs });
  if (result.ok) return result.json;
  if (typeof result.status === 'number') throw new LookupHttpError(result.status);
  throw new Error(String(result.error).slice(0, 200));
}

/** Fetches the JSON at `url` from here, the key in `header`. No cookies: the key is the login. */
export async function fetchFromBackground(url: string, header: string, key: string, signal: AbortSignal) {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (key) headers[header] = key;
  const response = await fetch(url, { headers, credentials: 'omit', redirect: 'error', cache: 'no-store', signal });
  if (!response.ok) {
    await response.body?.cancel().catch(() => undefined);
    throw new LookupHttpError(response.status);
  }
  return readJsonLimited(response);
}
