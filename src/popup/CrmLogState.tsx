/**
 * Each call's state in the CRM's call log (docs/crm.md): logged, waiting (and why: logged out
 * of the CRM, a retry), failed with the CRM's reason, with "Retry" or "Log to CRM", and
 * "Open in CRM". The CRM's words are untrusted text: shown as text, clipped.
 */
import { useEffect, useState } from 'preact/hooks';
import type { CrmLogView } from '../shared/crm/log/outbox';
import { displayText } from '../shared/format';
import { send, t } from '../ui/messenger';

/** While any shown call waits, the states are asked again this often. */
const REFRESH_MS = 3000;

/** The call-log states of these calls, kept fresh while some wait; `retry` and `open` act on one. */
export function useCrmLogStates(sessionIds: readonly string[]) {
  const [views, setViews] = useState<Record<string, CrmLogView>>({});
  const key = sessionIds.join('\n');
  const load = () =>
    sessionIds.length
      ? send('crmLogStates', { sessionIds: sessionIds.slice(0, 200) }).then(setViews, () => setViews({}))
      : Promise.resolve(setViews({}));
  // biome-ignore lint/correctness/useExhaustiveDependencies: the ids' text is the dependency.
  useEffect(() => {
    void load();
  }, [key]);
  const waiting = Object.values(views).some((view) => view.state === 'waiting' || view.state === 'wrapUp');
  // biome-ignore lint/correctness/useExhaustiveDependencies: refreshes what `key` names.
  useEffect(() => {
    if (!waiting) return;
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [waiting, key]);
  return {
    views,
    retry: async (sessionId: string) => {
      await send('crmLogRetry', { sessionId }).catch(() => undefined);
      await load();
    },
    open: (sessionId: string) => send('crmLogOpen', { sessionId }).catch(() => undefined),
  };
}

export function crmLogText(view: CrmLogView): string {
  const reason = view.reason ? displayText(view.reason, 160) : '';
  if (view.state === 'logged') return t('crmLogLogged');
  if (view.state === 'failed') return t('crmLogFailed', reason || '?');
  if (view.state === 'wrapUp') return t('crmLogWrapUp');
  if (view.state === 'manual') return t('crmLogManual');
  if (view.paused) return t('crmLogPaused');
  return reason ? t('crmLogWaitingWhy', reason) : t('crmLogWaiting');
}

export interface CrmLogStateProps {
  view: CrmLogView;
  onRetry(): void;
  onOpen(): void;
}

export function CrmLogState({ view, onRetry, onOpen }: CrmLogStateProps) {
  const canRetry = view.state === 'failed' || view.state === 'manual' || (view.state === 'waiting' && !!view.reason);
  return (
    <span class="sub crm-log" data-crm-log={view.paused ? 'paused' : view.state} role="status">
      <span class="crm-log-text">{crmLogText(view)}</span>
      {canRetry ? (
        <button type="button" class="link" name="crmLogRetry" onClick={onRetry}>
          {view.state === 'manual' ? t('crmLogNow') : t('crmLogRetry')}
        </button>
      ) : null}
      {view.canOpen ? (
        <button type="button" class="link" name="crmLogOpen" onClick={onOpen}>
          {t('crmLogOpen')}
        </button>
      ) : null}
    </span>
  );
}
