/**
 * Loads number detection into a tab that asks for it (a CRM site with detection on). The
 * detector is a second script (detect.js, with libphonenumber's metadata) so tabs without
 * detection never parse it. Its `::highlight()` style is injected by the browser as an
 * extension stylesheet: unlike a <style> element or an adopted stylesheet, it is not part of
 * the page's DOM, does not show in the page's mutation observers, and the page cannot remove it.
 */
import browser from 'webextension-polyfill';
import { siteFeatures } from '../../shared/dial/sites';
import { log } from '../../shared/log';
import type { Context } from '../../shared/messages';
import { getSettings } from '../settings';

/** Marked numbers: a dotted underline and a light tint, readable on light and dark pages. */
export const HIGHLIGHT_CSS = `
::highlight(popline-phone) {
  text-decoration: underline dotted rgb(26 115 232 / 0.9);
  text-decoration-thickness: 1px;
  text-underline-offset: 2px;
  background-color: rgb(26 115 232 / 0.08);
}
::highlight(popline-phone-hover) {
  text-decoration: underline solid rgb(26 115 232);
  background-color: rgb(26 115 232 / 0.18);
}`;

export async function loadDetector(context: Context): Promise<{ ok: boolean }> {
  const { tabId } = context;
  if (tabId === undefined || !siteFeatures(context.url, await getSettings()).detect) return { ok: false };
  const target = { tabId, frameIds: [0] };
  try {
    await browser.scripting.insertCSS({ target, css: HIGHLIGHT_CSS });
    await browser.scripting.executeScript({ target, files: ['detect.js'] });
    return { ok: true };
  } catch (error) {
    log.warn(`could not load number detection into tab ${tabId}`, error);
    return { ok: false };
  }
}
