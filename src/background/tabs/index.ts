/**
 * Which CRM tabs exist, which one the agent used last, and what each shows. Every change is
 * pushed as the tab's whole card list (idempotent), so a tab never shows a card twice and a
 * restarted worker re-syncs every tab by pushing again.
 */
import browser from 'webextension-polyfill';
import type { Call } from '../../shared/calls';
import type { ContentState } from '../../shared/cards';
import { withLookup } from '../../shared/cards/lookup';
import { byRelevance, cardView } from '../../shared/cards/views';
import { type CardCrmLog, fadeStart, logHoldsCard } from '../../shared/crm/log/outbox';
import { log } from '../../shared/log';
import type { Settings } from '../../shared/settings';
import { matchesPattern } from '../../shared/settings/matchPattern';
import { sendToTab } from '../messaging/sendToTab';
import { getSettings } from '../settings';
import type { RuntimeState, TabInfo } from '../storage';
import { mutate } from '../storage/state';
import { positionFor } from './positions';

/** What was last pushed to each tab in this worker life (a restarted worker pushes again). */
const lastPushed = new Map<number, string>();

const MAX_DISMISSED = 200;
const MISSED_KEPT_MS = 24 * 3_600_000;

export const isCrmUrl = (url: string | undefined, settings: Settings) =>
  !!url && settings.crm.sites.some((site) => site.card && matchesPattern(url, site.pattern));

/**
 * Whether an ended call's card has gone: answered (and other) calls fade, missed calls stay; so
 * does a card whose log waits for the wrap-up or failed, and a logged one fades from when it was
 * logged (docs/crm.md).
 */
export function hasFaded(call: Call, settings: Settings, now: number, crmLog?: CardCrmLog): boolean {
  if (call.endedAt === undefined) return false;
  const held = call.endReason === 'missed' || logHoldsCard(crmLog);
  const keep = held ? MISSED_KEPT_MS : settings.cards.fadeAfterSeconds * 1000;
  return now - fadeStart(call.endedAt, crmLog) >= keep;
}

/** The card log of a call, if it has one. */
export const crmLogOf = (state: RuntimeState, sessionId: string): CardCrmLog | undefined =>
  state.crmLog && Object.hasOwn(state.crmLog, sessionId) ? state.crmLog[sessionId] : undefined;

/** The CRM tab the agent used most recently, if any. */
export function lastUsedTab(tabs: Record<string, TabInfo>): number | undefined {
  let best: [number, number] | undefined;
  for (const [id, info] of Object.entries(tabs)) {
    const key: [number, number] = [info.lastUsed, Number(id)];
    if (!best || key[0] > best[0] || (key[0] === best[0] && key[1] > best[1])) best = key;
  }
  return best?.[1];
}

/** The cards a tab shows under the card-target setting. */
export function cardsForTab(tabId: number, state: RuntimeState, settings: Settings, now: number): Call[] {
  const tab = state.tabs[tabId];
  if (!tab) return [];
  const { target } = settings.cards;
  if (target === 'none') return [];
  if (target === 'lastCrmTab' && lastUsedTab(state.tabs) !== tabId) return [];
  // Only this tab's own dismissals: a (compromised) tab must not hide calls from the others.
  const dismissedHere = new Set(tab.dismissed);
  // Calls that rang in while in Do Not Disturb show no card, unless the agent answered anyway.
  const quiet = new Set(state.team.quiet);
  return Object.values(state.book.calls)
    .filter(
      (call) => !dismissedHere.has(call.sessionId) && !hasFaded(call, settings, now, crmLogOf(state, call.sessionId)),
    )
    .filter((call) => !quiet.has(call.sessionId) || call.answeredAt !== undefined)
    .sort(byRelevance);
}

export async function contentState(
  tabId: number,
  state: RuntimeState,
  settings: Settings,
  now: number,
): Promise<ContentState> {
  const canControl = state.connection.state === 'ACCESS_GRANTED' && !!state.connection.permissions?.control;
  const canAnswer = canControl && !!state.connection.permissions?.accept;
  const origin = state.tabs[tabId]?.origin;
  const position = origin ? await positionFor(origin) : undefined;
  return {
    rev: state.rev,
    cards: cardsForTab(tabId, state, settings, now).map((call) => {
      const view = withLookup(cardView(call, settings.phone.defaultCountry, state.book), state.lookups[call.sessionId]);
      const crmLog = crmLogOf(state, call.sessionId);
      return crmLog ? { ...view, crmLog } : view;
    }),
    canControl,
    ...(canAnswer ? { canAnswer } : {}),
    fadeAfterMs: settings.cards.fadeAfterSeconds * 1000,
    ...(position ? { position } : {}),
  };
}

/** Pushes to every CRM tab whose cards changed. Must run inside `mutate`. */
export async function pushToTabs(state: RuntimeState, { force = false } = {}): Promise<void> {
  const settings = await getSettings();
  const now = Date.now();
  let tabs = state.tabs;
  for (const id of Object.keys(state.tabs).map(Number)) {
    const view = await contentState(id, state, settings, now);
    const signature = JSON.stringify({ ...view, rev: 0 });
    if (!force && lastPushed.get(id) === signature) continue;
    lastPushed.set(id, signature);
    const shown = view.cards.map((card) => card.sessionId);
    const tab = tabs[id];
    if (tab && tab.shown.join() !== shown.join()) {
      const showed = [...new Set([...(tab.showed ?? []), ...shown])].slice(-MAX_DISMISSED);
      tabs = { ...tabs, [id]: { ...tab, shown, showed } };
    }
    // Never behind a revision a stopped worker pushed but did not live to save.
    state.rev = Math.max(state.rev + 1, Date.now() * 1000);
    // Not awaited: a slow tab must not hold up the others or the next event.
    sendToTab(id, 'cards', { ...view, rev: state.rev }).then(
      () => failures.delete(id),
      () => pushFailed(id),
    );
  }
  state.tabs = tabs;
}

const failures = new Map<number, number>();

/**
 * A push did not arrive. The tab may be gone or off the CRM (forget it), or its page may be
 * just between two documents: then try again with whatever is current, a few times.
 */
async function pushFailed(tabId: number): Promise<void> {
  lastPushed.delete(tabId);
  const count = (failures.get(tabId) ?? 0) + 1;
  failures.set(tabId, count);
  const exists = await browser.tabs.get(tabId).then(
    () => true,
    () => false,
  );
  if (!exists || count > 3) {
    failures.delete(tabId);
    return forgetTab(tabId);
  }
  setTimeout(() => void mutate((state) => pushToTabs(state)), 200 * count);
}

/** A tab whose content script is gone (closed, navigated off the CRM). */
function forgetTab(tabId: number): void {
  lastPushed.delete(tabId);
  void mutate(async (state) => {
    if (!state.tabs[tabId]) return;
    const { [tabId]: _gone, ...rest } = state.tabs;
    state.tabs = rest;
    await pushToTabs(state);
  });
}

export function registerTab(state: RuntimeState, tabId: number, visible: boolean, url: string): void {
  const previous = state.tabs[tabId];
  const lastUsed = visible ? Date.now() : (previous?.lastUsed ?? 0);
  const origin = URL.canParse(url) ? new URL(url).origin : '';
  state.tabs = {
    ...state.tabs,
    [tabId]: {
      origin,
      lastUsed,
      dismissed: previous?.dismissed ?? [],
      shown: previous?.shown ?? [],
      showed: previous?.showed ?? [],
    },
  };
  // A new page in the tab (opened, reloaded, navigated) has nothing on screen yet.
  if (!previous || previous.origin !== origin) lastPushed.delete(tabId);
}

export function markUsed(state: RuntimeState, tabId: number): boolean {
  const tab = state.tabs[tabId];
  if (!tab) return false;
  state.tabs = { ...state.tabs, [tabId]: { ...tab, lastUsed: Date.now() } };
  return true;
}

export function dismiss(state: RuntimeState, tabId: number, sessionId: string): void {
  const tab = state.tabs[tabId];
  if (!tab || tab.dismissed.includes(sessionId)) return;
  const dismissed = [...tab.dismissed, sessionId].slice(-MAX_DISMISSED);
  state.tabs = { ...state.tabs, [tabId]: { ...tab, dismissed } };
}

export const tabClosed = (tabId: number) => forgetTab(tabId);

/**
 * Whether a tab really is the one the agent looks at: the active tab of a focused window (or of
 * any window while no browser window has focus). A content script's `visible` is only a claim.
 */
export async function inForeground(tabId: number): Promise<boolean> {
  const tab = await browser.tabs.get(tabId).catch(() => undefined);
  if (!tab?.active) return false;
  const windows = await browser.windows.getAll().catch(() => []);
  const focused = windows.filter((window) => window.focused);
  return focused.length === 0 || focused.some((window) => window.id === tab.windowId);
}

/** The agent switched to a tab: if it is a CRM tab, it is now the one used last. */
export function tabActivated(tabId: number): void {
  void mutate(async (state) => {
    if (markUsed(state, tabId)) await pushToTabs(state);
  }).catch((error) => log.warn('tab activation', error));
}

/** Pushes every tab its cards again, even where nothing changed (settings changed, worker restarted). */
export const resyncTabs = () =>
  mutate(async (state) => {
    await pushToTabs(state, { force: true });
  });
