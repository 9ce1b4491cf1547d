/** The card's "open record" (of the one match, or the one chosen among several) and "create contact" clicks. */

import type { Handlers } from '../../shared/messages';
import { type ActionResult, failure } from '../../shared/outcome';
import { recordFromCrm } from '../history';
import { getSettings } from '../settings';
import { mutate, readState } from '../storage/state';
import { pushToTabs } from '../tabs';
import { openCrmUrl } from './open';

const noAddress = failure('notFound', 'the CRM gave no address for this');

export const lookupHandlers: Pick<Handlers, 'openRecord'> = {
  async openRecord({ sessionId, match }, { tabId }) {
    const settings = await getSettings();
    const target = await mutate(
      async (state): Promise<{ url: string; name?: string; named: boolean } | ActionResult> => {
        // Only for a card this tab shows: a page cannot open records of calls it never saw.
        if (tabId === undefined || !state.tabs[tabId]?.shown.includes(sessionId)) {
          return failure('notFound', 'no such call here');
        }
        const entry = state.lookups[sessionId];
        if (!entry) return noAddress;
        const choosing = match !== 'create' && !!entry.matches?.[match] && entry.matches.length > 1;
        const url = match === 'create' ? entry.createUrl : entry.matches?.[match]?.recordUrl;
        // Opened by the agent: the automatic record pop has nothing left to do for this call.
        state.lookups = {
          ...state.lookups,
          [sessionId]: { ...entry, ...(choosing ? { chosen: match } : {}), ...(url ? { recordDone: true } : {}) },
        };
        if (choosing && entry.chosen !== match) await pushToTabs(state);
        if (!url) return noAddress;
        const name = match === 'create' ? undefined : entry.matches?.[match]?.name;
        // The record's name goes to the history too when the PBX did not name the caller.
        const named = !!state.book.calls[sessionId]?.remoteName;
        return { url, ...(name ? { name } : {}), named };
      },
    );
    if (!('url' in target)) return target;
    await openCrmUrl(target.url, settings, (await readState()).tabs);
    if (match !== 'create') {
      const { url, name, named } = target;
      void recordFromCrm(sessionId, {
        crmRecord: { url, ...(name ? { title: name } : {}) },
        ...(name && !named ? { name } : {}),
      });
    }
    return { ok: true };
  },
};
