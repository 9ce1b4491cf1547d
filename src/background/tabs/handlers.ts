/** The messages of a CRM tab's content script about its cards: hello, in use, dismissed, dragged. */
import { featuresOnly } from '../../shared/cards';
import { siteFeatures } from '../../shared/dial/sites';
import type { Handlers } from '../../shared/messages';
import { getSettings } from '../settings';
import { mutate } from '../storage/state';
import { contentState, dismiss, inForeground, isCrmUrl, markUsed, pushToTabs, registerTab } from '.';
import { savePosition } from './positions';

export const tabHandlers: Pick<Handlers, 'contentHello' | 'savePosition' | 'tabActive' | 'dismissCard'> = {
  async contentHello({ visible }, { tabId, url }) {
    const settings = await getSettings();
    const features = siteFeatures(url, settings);
    if (tabId === undefined) return null;
    if (!isCrmUrl(url, settings)) return features.detect || features.links ? featuresOnly(features) : null;
    const foreground = visible && (await inForeground(tabId));
    return mutate(async (state) => {
      registerTab(state, tabId, foreground, url ?? '');
      // Other tabs may lose their cards to this one (it may now be the tab used last).
      await pushToTabs(state);
      const view = await contentState(tabId, state, settings, Date.now());
      return { ...view, features };
    });
  },

  async savePosition(position, { tabId, url }) {
    if (tabId === undefined || !url || !URL.canParse(url)) return null;
    await savePosition(new URL(url).origin, position);
    await mutate((state) => pushToTabs(state));
    return null;
  },

  async tabActive(_body, { tabId }) {
    if (tabId === undefined || !(await inForeground(tabId))) return null;
    await mutate(async (state) => {
      if (markUsed(state, tabId)) await pushToTabs(state);
    });
    return null;
  },

  async dismissCard({ sessionId }, { tabId }) {
    if (tabId === undefined) return null;
    await mutate(async (state) => {
      dismiss(state, tabId, sessionId);
      await pushToTabs(state);
    });
    return null;
  },
};
