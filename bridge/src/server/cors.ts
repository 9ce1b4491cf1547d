/**
 * Who may call `/enrol` from a browser: the PopLine extension's own pages and worker, whose
 * origin is `chrome-extension://<id>` (Chrome, Edge) or `moz-extension://<uuid>` (Firefox). A
 * web page's origin gets no CORS headers, so its script cannot read an answer (a page that had a
 * code could still post it; the code is single-use and the token is only in the answer it cannot read).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

const EXTENSION_ORIGIN = /^(chrome|moz)-extension:\/\/[a-z0-9-]{1,64}$/;

/** Adds CORS headers for an extension origin; true when it did. */
export function allowExtension(req: IncomingMessage, res: ServerResponse): boolean {
  const origin = req.headers.origin;
  res.setHeader('vary', 'Origin');
  if (typeof origin !== 'string' || !EXTENSION_ORIGIN.test(origin)) return false;
  res.setHeader('access-control-allow-origin', origin);
  res.setHeader('access-control-allow-methods', 'POST');
  res.setHeader('access-control-allow-headers', 'content-type, accept');
  res.setHeader('access-control-max-age', '600');
  return true;
}

/** Answers a CORS preflight; true when `req` was one. */
export function preflight(req: IncomingMessage, res: ServerResponse): boolean {
  if (req.method !== 'OPTIONS') return false;
  res.writeHead(allowExtension(req, res) ? 204 : 403);
  res.end();
  return true;
}
