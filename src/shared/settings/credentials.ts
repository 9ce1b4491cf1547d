/**
 * Credentials are bound to where they were entered (docs/security.md): each saved secret carries
 * the origin of the server it is for, and is used only while the settings still point there.
 * A changed or imported address therefore never receives the old address's secret.
 */
import type { Settings } from '.';

/** The secrets the options page can save; each is for one server of the settings. */
export const CREDENTIAL_KEYS = ['token', 'ozekiUsername', 'ozekiPassword', 'lookupKey', 'crmLogKey'] as const;
export type CredentialKey = (typeof CREDENTIAL_KEYS)[number];

/** The origin of an address (a template's placeholders filled with digits), or '' when it has none. */
export function originOf(address: string): string {
  try {
    const url = new URL(address.replace(/\{[a-z0-9]+\}/gi, '0'));
    return /^(wss?|https?):$/.test(url.protocol) && url.host ? `${url.protocol}//${url.host}` : '';
  } catch {
    return '';
  }
}

/** Where a credential may be sent under these settings ('' when nowhere: no valid address). */
export function credentialOrigin(key: string, settings: Settings): string {
  if (key === 'token') return originOf(settings.connection.serverUrl);
  if (key === 'ozekiUsername' || key === 'ozekiPassword') return originOf(settings.ozeki.apiUrl);
  if (key === 'lookupKey') return originOf(settings.lookup.urlTemplate);
  if (key === 'crmLogKey') return originOf(settings.crmlog.createUrl);
  return '';
}

/** The stored credentials that may be used with these settings: the others read as ''. */
export function boundCredentials(
  values: Record<string, string>,
  origins: Record<string, string>,
  settings: Settings,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(values)) {
    const origin = credentialOrigin(key, settings);
    if (value && origin && origins[key] === origin) out[key] = value;
  }
  return out;
}

/** Saved credentials whose server changed in `next`: they must be entered again. */
export function staleCredentials(origins: Record<string, string>, saved: string[], next: Settings): string[] {
  return saved.filter((key) => origins[key] !== credentialOrigin(key, next));
}
