/**
 * Where the CRM's CSRF token is, for logging from the CRM tab (docs/crm.md): a CRM that takes
 * writes from its own pages wants a token that only its pages can read, sent back in a header.
 * - `meta`: a `<meta name="…" content="…">` in the page (Rails, Laravel, Django templates);
 * - `cookie`: a cookie the page can read (Angular's XSRF-TOKEN, Django's csrftoken);
 * - `header`: the answer to a GET of an address on the CRM's own site carries it in a header
 *   (SAP's `X-CSRF-Token: Fetch` handshake).
 * Pure: the content script gives the page's parts, this decides what to send.
 */
import { templateOrigin } from '../templates';

export const CSRF_KINDS = ['none', 'meta', 'cookie', 'header'] as const;
export type CsrfKind = (typeof CSRF_KINDS)[number];

export interface CsrfConfig {
  kind: CsrfKind;
  /** The meta tag's name, the cookie's name, or the answer header's name. */
  name: string;
  /** The request header that carries the token back. */
  sendHeader: string;
  /** `header` only: the address on the CRM's site whose answer carries the token. */
  url: string;
}

export const MAX_TOKEN = 4096;
const HEADER_NAME = /^[\w!#$%&'*+.^`|~-]{1,64}$/;
const TOKEN_TEXT = /^[\x21-\x7e]{1,4096}$/;

export type CsrfProblem = 'name' | 'sendHeader' | 'url' | 'foreignUrl';

/** Why a CSRF setting cannot be used with a log address on `origin`, or null. */
export function csrfProblem(config: CsrfConfig, origin: string | null): CsrfProblem | null {
  if (config.kind === 'none') return null;
  if (!/^[\w.:-]{1,128}$/.test(config.name)) return 'name';
  if (!HEADER_NAME.test(config.sendHeader)) return 'sendHeader';
  if (config.kind === 'header') {
    const urlOrigin = templateOrigin(config.url);
    if (!urlOrigin || /[{}]/.test(config.url)) return 'url';
    if (urlOrigin !== origin) return 'foreignUrl';
  }
  return null;
}

/** A cookie's value from `document.cookie` text (decoded), or ''. */
export function cookieValue(cookies: string, name: string): string {
  for (const part of cookies.split(';')) {
    const at = part.indexOf('=');
    if (at < 0 || part.slice(0, at).trim() !== name) continue;
    const raw = part.slice(at + 1).trim();
    try {
      return decodeURIComponent(raw);
    } catch {
      return raw;
    }
  }
  return '';
}

/** The token as something a header may carry, or '' (control characters, too long, empty). */
export const cleanToken = (token: string | null | undefined) => {
  const text = (token ?? '').trim();
  return TOKEN_TEXT.test(text) ? text : '';
};

/** Where the page's parts are read from; the content script passes the live ones. */
export interface CsrfSources {
  meta(name: string): string | null;
  cookies(): string;
  /** `header` only: fetches `url` (same site, the agent's login) and returns the named answer header. */
  fetchHeader(url: string, name: string): Promise<string | null>;
}

/** The headers to add to a log request, or an error in words when a token is expected and not found. */
export async function csrfHeaders(
  config: CsrfConfig,
  sources: CsrfSources,
): Promise<{ ok: true; headers: Record<string, string> } | { ok: false; error: string }> {
  if (config.kind === 'none') return { ok: true, headers: {} };
  let token = '';
  if (config.kind === 'meta') token = cleanToken(sources.meta(config.name));
  else if (config.kind === 'cookie') token = cleanToken(cookieValue(sources.cookies(), config.name));
  else token = cleanToken(await sources.fetchHeader(config.url, config.name).catch(() => null));
  if (!token) return { ok: false, error: `no CSRF token (${config.kind} "${config.name}") on the CRM page` };
  return { ok: true, headers: { [config.sendHeader]: token } };
}
