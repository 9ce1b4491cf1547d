/**
 * From the settings to the requests a call's log makes (docs/crm.md). Every address of the log
 * (create, update, find, open, the CSRF address) must be on the create address's origin: one
 * CRM, one login, one key. A setting that breaks that is refused as a whole, with the reason.
 */

import { displayText } from '../../format';
import type { Settings } from '../../settings';
import { templateOrigin } from '../../templates';
import { valueAt } from '../lookupMap';
import { type CsrfConfig, csrfProblem } from './csrf';
import type { LogOp } from './outbox';
import { fillLogBody, fillLogUrl, type LogMethod, type LogValues, logBodyProblem, logUrlProblem } from './template';

export interface LogConfig {
  mode: 'content' | 'background';
  origin: string;
  create: { method: LogMethod; url: string; body: string };
  update?: { method: LogMethod; url: string; body: string };
  find?: { url: string; idPath: string };
  openUrl?: string;
  idPath: string;
  keyHeader: string;
  csrf: CsrfConfig;
}

export type LogConfigProblem = 'off' | 'noCreate' | 'badTemplate' | 'foreignOrigin' | 'csrf';

/** The log configuration, or why there is none ('off' when logging is simply not set up). */
export function logConfig(
  settings: Settings,
): { ok: true; config: LogConfig } | { ok: false; problem: LogConfigProblem; detail: string } {
  const s = settings.crmlog;
  if (s.mode === 'off') return { ok: false, problem: 'off', detail: 'call logging is off' };
  if (!s.createUrl) return { ok: false, problem: 'noCreate', detail: 'no address to create the activity' };
  const checks: [string, string | null][] = [
    ['crmlog.createUrl', logUrlProblem(s.createUrl, 'create')],
    ['crmlog.createBody', logBodyProblem(s.createBody, 'create')],
    ['crmlog.updateUrl', logUrlProblem(s.updateUrl, 'update')],
    ['crmlog.updateBody', logBodyProblem(s.updateBody, 'update')],
    ['crmlog.findUrl', logUrlProblem(s.findUrl, 'find')],
    ['crmlog.openUrl', logUrlProblem(s.openUrl, 'open')],
  ];
  const bad = checks.find(([, problem]) => problem);
  if (bad) return { ok: false, problem: 'badTemplate', detail: `${bad[0]}: ${bad[1]}` };
  const origin = templateOrigin(s.createUrl);
  if (!origin) return { ok: false, problem: 'badTemplate', detail: 'crmlog.createUrl: originNotFixed' };
  const others = [s.updateUrl, s.findUrl, s.openUrl].filter(Boolean);
  const foreign = others.find((url) => templateOrigin(url) !== origin);
  if (foreign) return { ok: false, problem: 'foreignOrigin', detail: `${templateOrigin(foreign)} is not ${origin}` };
  const csrf: CsrfConfig = { kind: s.csrf, name: s.csrfName, sendHeader: s.csrfHeader, url: s.csrfUrl };
  const csrfBad = s.mode === 'content' ? csrfProblem(csrf, origin) : null;
  if (csrfBad) return { ok: false, problem: 'csrf', detail: `CSRF: ${csrfBad}` };
  return {
    ok: true,
    config: {
      mode: s.mode,
      origin,
      create: { method: s.createMethod, url: s.createUrl, body: s.createBody },
      ...(s.updateUrl ? { update: { method: s.updateMethod, url: s.updateUrl, body: s.updateBody } } : {}),
      ...(s.findUrl && s.findIdPath ? { find: { url: s.findUrl, idPath: s.findIdPath } } : {}),
      ...(s.openUrl ? { openUrl: s.openUrl } : {}),
      idPath: s.idPath,
      keyHeader: s.keyHeader,
      csrf: s.mode === 'content' ? csrf : { kind: 'none', name: '', sendHeader: '', url: '' },
    },
  };
}

export interface LogRequest {
  method: 'GET' | LogMethod;
  url: string;
  /** JSON text, or '' for none. */
  body: string;
}

/** The request for an operation, or null when a value the address needs is missing. */
export function logRequest(config: LogConfig, op: LogOp, values: LogValues): LogRequest | null {
  const spec = op === 'create' ? config.create : op === 'update' ? config.update : undefined;
  if (op === 'find') {
    const url = config.find ? fillLogUrl(config.find.url, values) : null;
    return url ? { method: 'GET', url, body: '' } : null;
  }
  if (!spec) return null;
  const url = fillLogUrl(spec.url, values);
  const body = fillLogBody(spec.body, values);
  return url !== null && body !== null ? { method: spec.method, url, body } : null;
}

const MAX_ID = 200;

/**
 * The activity id in a CRM's answer: a string or a number at the path, as clean text of at most
 * 200 characters; anything else (an object, markup, a huge string) is no id.
 */
export function activityIdIn(answer: unknown, path: string): string | undefined {
  const value = valueAt(answer, path.trim());
  const text =
    typeof value === 'string' ? value : typeof value === 'number' && Number.isFinite(value) ? String(value) : '';
  if (!text || text.length > MAX_ID || !/^[\w.:@~-]+$/.test(text)) return undefined;
  return displayText(text, MAX_ID) || undefined;
}

/** The CRM's reason for a refusal, from its answer (`error`, `message`, `errors[0].message`…), as clipped text. */
export function crmReason(answer: unknown, status?: number): string {
  const candidates = ['error.message', 'error', 'message', 'errors.message', 'errors', 'detail', 'title', '0.message'];
  for (const path of candidates) {
    const value = valueAt(answer, path);
    if (typeof value === 'string' && value.trim()) return displayText(value, 300);
  }
  return status ? `HTTP ${status}` : 'the CRM refused the request';
}
