/** The history's call-log state, "Retry" and "Open in CRM" (extension pages only); the card's "Log now". */
import { tabShows } from '../../shared/dial/control';
import { log } from '../../shared/log';
import type { Handlers } from '../../shared/messages';
import { failure } from '../../shared/outcome';
import { gestureAccepted } from '../dial';
import { openCrmUrl } from '../lookup/open';
import { getSettings } from '../settings';
import { readState } from '../storage/state';
import { crmLogViews, logNow, openUrlOf, outbox, retryByHand } from '.';

export const crmLogHandlers: Pick<Handlers, 'crmLogStates' | 'crmLogRetry' | 'crmLogOpen' | 'crmLogNow'> = {
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
  /** The card's "Log now" / "Retry", held to the card's rules: a call this tab shows, a fresh gesture. */
  async crmLogNow({ sessionId, gesture }, { tabId }) {
    const { tabs } = await readState();
    const tab = tabId !== undefined && Object.hasOwn(tabs, tabId) ? tabs[tabId] : undefined;
    if (tabId === undefined || !tabShows(tab, sessionId)) {
      log.warn(`refused "log now" from tab ${tabId}: it does not show that call`);
      return failure('notFound', 'this tab does not show that call');
    }
    if (!(await gestureAccepted(gesture, tabId))) return failure('refused', 'no fresh user gesture');
    return (await logNow(sessionId))
      ? { ok: true, sessionId }
      : failure('notFound', 'this call is not in the call log');
  },
};
