/**
 * WebExtension match patterns (`<scheme>://<host>/<path>`), used to decide whether a tab is a
 * CRM site the user chose. Like the browsers, a pattern without a port matches any port.
 */
export function patternToRegExp(pattern: string): RegExp | null {
  const match = /^(\*|https?):\/\/(\*|(?:\*\.)?[^/*:]+)(?::(\d+|\*))?(\/.*)$/.exec(pattern.trim());
  if (!match) return null;
  const [, scheme = '', host = '', port, path = '/'] = match;
  const escapeRe = (text: string) => text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  const schemeRe = scheme === '*' ? 'https?' : scheme;
  let hostRe: string;
  if (host === '*') hostRe = '[^/:]+';
  else if (host.startsWith('*.')) hostRe = `(?:[^/:]+\\.)?${escapeRe(host.slice(2))}`;
  else hostRe = escapeRe(host);
  const portRe = port && port !== '*' ? `:${port}` : '(?::\\d+)?';
  const pathRe = escapeRe(path).replace(/\*/g, '.*');
  return new RegExp(`^${schemeRe}://${hostRe}${portRe}${pathRe}$`, 'i');
}

export function matchesPattern(url: string, pattern: string): boolean {
  const re = patternToRegExp(pattern);
  if (!re) return false;
  try {
    const parsed = new URL(url);
    return re.test(`${parsed.protocol}//${parsed.host}${parsed.pathname}${parsed.search}`);
  } catch {
    return false;
  }
}

export const isValidPattern = (pattern: string) => patternToRegExp(pattern) !== null;
