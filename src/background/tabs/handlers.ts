/** The messages of a CRM tab's content script about its cards: hello, the card UI, in use, dismissed, dragged. */
import browser from 'webextension-polyfill';
import { featuresOnly } from '../../shared/cards';
import { siteFeatures } from '../../shared/dial/sites';
import { log } from '../../shared/log';
import type { Handlers } from '../../shared/messages';
import { getSettings } from '../settings';
import { mutate } from '../storage/state';
import { contentState, dismiss, inForeground, isCrmUrl, markUsed, pushToTabs, registerTab } from '.';
import { savePosition } from './positions';

type TabMessage = 'contentHello' | 'savePosition' | 'tabActive' | 'dismissCard' | 'loadCards';

export const tabHandlers: Pick<Handlers, TabMessage> = {
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

  /** The card UI (cards.js), into a CRM tab's top frame when it has its first card to show. */
  async loadCards(_body, { tabId, url }) {
    if (tabId === undefined || !isCrmUrl(url, await getSettings())) return { ok: false };
    try {
      await browser.scripting.executeScript({ target: { tabId, frameIds: [0] }, files: ['cards.js'] });
      return { ok: true };
    } catch (error) {
      log.warn(`could not load the card UI into tab ${tabId}`, error);
      return { ok: false };
    }
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
