/**
 * Sends one outbox operation to the CRM and says what the answer means (shared/crm/log/outbox
 * decides what follows): from the CRM tab (the agent's login, the CSRF token) or from here
 * (the key, no cookies). Nothing is sent while the browser is offline.
 */
import type { LogFetchRequest, LogFetchResult } from '../../shared/crm/log/fetch';
import { readLogAnswer, requestHeaders } from '../../shared/crm/log/fetch';
import { classifyStatus, type LogOp, type SendResult } from '../../shared/crm/log/outbox';
import { activityIdIn, crmReason, type LogConfig, type LogRequest } from '../../shared/crm/log/plan';
import { LOG_TIMEOUT_MS } from '../../shared/crm/log/template';
import { sendToTab } from '../messaging/sendToTab';
import type { TabInfo } from '../storage';
import { lastUsedTab } from '../tabs';

export interface SendContext {
  config: LogConfig;
  tabs: Record<string, TabInfo>;
  key: string;
  online: boolean;
}

async function fromBackground(request: LogFetchRequest, config: LogConfig, key: string): Promise<LogFetchResult> {
  try {
    const response = await fetch(request.url, {
      method: request.method,
      headers: requestHeaders(request, key ? { [config.keyHeader]: key } : {}),
      ...(request.body ? { body: request.body } : {}),
      credentials: 'omit',
      redirect: 'error',
      cache: 'no-store',
      signal: AbortSignal.timeout(request.timeoutMs),
    });
    return await readLogAnswer(response);
  } catch (error) {
    const name = (error as Error)?.name;
    const text = name === 'TimeoutError' ? 'no answer in time' : String((error as Error)?.message ?? error);
    return { ok: false, error: text.slice(0, 200), sent: true };
  }
}

async function inTab(
  request: LogFetchRequest,
  config: LogConfig,
  tabs: Record<string, TabInfo>,
): Promise<LogFetchResult> {
  const onSite = Object.fromEntries(Object.entries(tabs).filter(([, tab]) => tab.origin === config.origin));
  const tabId = lastUsedTab(onSite);
  if (tabId === undefined) return { ok: false, error: 'open the CRM to log calls', sent: false };
  try {
    return await sendToTab(tabId, 'crmLogFetch', request);
  } catch (error) {
    // The tab may have started the request before it went away.
    return { ok: false, error: String((error as Error)?.message ?? error).slice(0, 200), sent: true };
  }
}

/** What an answer means for the outbox. */
export function judge(op: LogOp, config: LogConfig, result: LogFetchResult): SendResult {
  const { status } = result;
  if (op === 'find' && status === 404) return { kind: 'ok' };
  if (status !== undefined && classifyStatus(status) === 'ok') {
    if (!result.ok)
      return {
        kind: 'rejected',
        status,
        reason: `the CRM's answer could not be read: ${result.error ?? ''}`,
        landed: true,
      };
    if (op === 'update') return { kind: 'ok' };
    const path = op === 'find' ? (config.find?.idPath ?? '') : config.idPath;
    const activityId = activityIdIn(result.json, path);
    return activityId
      ? { kind: 'ok', activityId }
      : op === 'find'
        ? { kind: 'ok' }
        : { kind: 'rejected', status, reason: 'the CRM answered without an activity id', landed: true };
  }
  if (status !== undefined) {
    const reason = result.json !== undefined ? crmReason(result.json, status) : (result.error ?? `HTTP ${status}`);
    const kind = classifyStatus(status);
    if (kind === 'auth') return { kind, status, reason };
    if (kind === 'retry') return { kind, status, reason, maybeSent: true };
    return { kind: 'rejected', status, reason };
  }
  const reason = result.error ?? 'no answer';
  return result.sent ? { kind: 'retry', reason, maybeSent: true } : { kind: 'notSent', reason };
}

export async function sendOp(
  op: LogOp,
  request: LogRequest,
  idempotencyKey: string,
  context: SendContext,
): Promise<SendResult> {
  if (!context.online) return { kind: 'notSent', reason: 'the browser is offline' };
  const { config } = context;
  const fetchRequest: LogFetchRequest = { ...request, idempotencyKey, csrf: config.csrf, timeoutMs: LOG_TIMEOUT_MS };
  const result =
    config.mode === 'content'
      ? await inTab(fetchRequest, config, context.tabs)
      : await fromBackground(fetchRequest, config, context.key);
  return judge(op, config, result);
}
