/**
 * WebExtension match patterns (`<scheme>://<host>/<path>`), used to decide whether a tab is a
 * CRM site the user chose. Like the browsers, a pattern without a port matches any port.
 * The page chooses its own address (history.pushState), so matching uses no regular
 * expression built from the pattern: a path with several `*` would backtrack polynomially.
 * The glob match below costs at most (path length × pattern length).
 */
interface Pattern {
  schemes: readonly string[];
  /** '*' any host; `*.example.com` that host and its subdomains; else exactly this host. */
  host: string;
  port?: string;
  path: string;
}

const PATTERN = /^(\*|https?):\/\/(\*|(?:\*\.)?[^/*:]+)(?::(\d+|\*))?(\/.*)$/;

function parsePattern(pattern: string): Pattern | null {
  const match = PATTERN.exec(pattern.trim());
  if (!match) return null;
  const [, scheme = '', host = '', port, path = '/'] = match;
  return {
    schemes: scheme === '*' ? ['http', 'https'] : [scheme],
    host: host.toLowerCase(),
    ...(port && port !== '*' ? { port } : {}),
    path: path.toLowerCase(),
  };
}

/** Whether `text` matches `glob`, where `*` is any run of characters: greedy, one backtrack point. */
export function globMatch(glob: string, text: string): boolean {
  let g = 0;
  let t = 0;
  let star = -1;
  let resume = 0;
  while (t < text.length) {
    if (g < glob.length && glob[g] === '*') {
      star = g++;
      resume = t;
    } else if (g < glob.length && glob[g] === text[t]) {
      g += 1;
      t += 1;
    } else if (star >= 0) {
      g = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (g < glob.length && glob[g] === '*') g += 1;
  return g === glob.length;
}

function hostMatches(host: string, hostname: string): boolean {
  if (host === '*') return true;
  if (host.startsWith('*.')) {
    const base = host.slice(2);
    return hostname === base || hostname.endsWith(`.${base}`);
  }
  return hostname === host;
}

export function matchesPattern(url: string, pattern: string): boolean {
  const parsed = parsePattern(pattern);
  if (!parsed) return false;
  let address: URL;
  try {
    address = new URL(url);
  } catch {
    return false;
  }
  const scheme = address.protocol.slice(0, -1).toLowerCase();
  if (!parsed.schemes.includes(scheme)) return false;
  if (!hostMatches(parsed.host, address.hostname.toLowerCase())) return false;
  if (parsed.port !== undefined && address.port !== parsed.port) return false;
  return globMatch(parsed.path, `${address.pathname}${address.search}`.toLowerCase());
}

export const isValidPattern = (pattern: string) => parsePattern(pattern) !== null;
