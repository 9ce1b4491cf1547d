/** The addresses the Ozeki connector uses: the PBX's HTTP API, and the OzML URL of a dial. */
import { dialDigits } from '../phone/numbers';
import { isLoopbackHost } from '../protocol';

/**
 * Checks the HTTP API address against the transport rules; returns a reason when refused.
 * Plain `http://` carries the office user's password readably, so, as for `ws://`, it is
 * allowed for this computer and otherwise only when the user allows insecure servers (the
 * HTTP API of many Ozeki installations is plain HTTP on the office network).
 */
export function apiUrlProblem(url: string, allowInsecure: boolean): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'not a valid URL';
  }
  if (parsed.username || parsed.password)
    return 'put the user name and password in their own fields, not in the address';
  if (parsed.protocol === 'https:') return null;
  if (parsed.protocol !== 'http:') return 'the address must start with https:// or http://';
  if (isLoopbackHost(parsed.hostname) || allowInsecure) return null;
  return 'plain http:// to another computer is only allowed when insecure servers are allowed (the password would travel unencrypted); use https:// or allow insecure servers';
}

/** The origin pattern a host permission must cover to reach the API. */
export function apiOriginPattern(url: string): string | null {
  try {
    const { protocol, hostname } = new URL(url);
    return `${protocol}//${hostname}/*`;
  } catch {
    return null;
  }
}

/** The number as the PBX dials it: digits, with a leading `+` kept; '' when there are none. */
export const dialString = (number: string) => dialDigits(number);

/** The OzML URL for one dial: the template with `{number}` filled in, URL-encoded. */
export function ozmlUrlFor(template: string, number: string): string {
  return template.replaceAll('{number}', encodeURIComponent(dialString(number)));
}
