/** The history's call-log state, "Retry" and "Open in CRM" (extension pages only). */
import type { Handlers } from '../../shared/messages';
import { failure } from '../../shared/outcome';
import { openCrmUrl } from '../lookup/open';
import { getSettings } from '../settings';
import { readState } from '../storage/state';
import { crmLogViews, openUrlOf, outbox, retryByHand } from '.';

export const crmLogHandlers: Pick<Handlers, 'crmLogStates' | 'crmLogRetry' | 'crmLogOpen'> = {
  crmLogStates: ({ sessionIds }) => crmLogViews(sessionIds),
  async crmLogRetry({ sessionId }) {
    return (await retryByHand(sessionId))
      ? { ok: true, sessionId }
      : failure('notFound', 'this call is not in the call log');
  },
  async crmLogOpen({ sessionId }) {
    const [entry, settings] = await Promise.all([outbox.get(sessionId), getSettings()]);
    const url = entry ? openUrlOf(entry, settings) : null;
    if (!url) return failure('notFound', 'the CRM gave no address for this call');
    await openCrmUrl(url, settings, (await readState()).tabs);
    return { ok: true, sessionId };
  },
};
