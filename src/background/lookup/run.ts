/**
 * One caller lookup (docs/crm.md): the search addresses are tried in turn until one answers
 * with a match, all within LOOKUP_TIMEOUT_MS, from the CRM tab or from the background.
 * Answers are mapped here, in the background, whichever fetched them.
 */
import { LOOKUP_TIMEOUT_MS, LookupHttpError, type LookupProblem } from '../../shared/crm/lookup';
import { type Contact, mapAnswer } from '../../shared/crm/lookupMap';
import type { LookupPlan } from '../../shared/crm/lookupPlan';
import type { Settings } from '../../shared/settings';
import type { TabInfo } from '../storage';
import { lastUsedTab } from '../tabs';
import { fetchFromBackground, fetchInTab, lookupKey } from './fetchers';

export type LookupOutcome =
  | { state: 'found'; matches: Contact[]; total: number }
  | { state: 'none' }
  | { state: 'failed'; problem: LookupProblem; detail: string };

class NoCrmTab extends Error {}

/** The CRM tab on the lookup's site that the agent used last. */
function lookupTab(origin: string, tabs: Record<string, TabInfo>): number | undefined {
  return lastUsedTab(Object.fromEntries(Object.entries(tabs).filter(([, tab]) => tab.origin === origin)));
}

type FetchJson = (url: string) => Promise<unknown>;

async function fetcher(plan: LookupPlan, settings: Settings, tabs: Record<string, TabInfo>, deadline: number) {
  if (settings.lookup.mode === 'content') {
    const tabId = lookupTab(plan.origin, tabs);
    if (tabId === undefined) throw new NoCrmTab('no CRM tab is open on the lookup site');
    return (url: string) => fetchInTab(tabId, url, Math.max(100, deadline - Date.now()));
  }
  const key = await lookupKey();
  return (url: string) => {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), Math.max(100, deadline - Date.now()));
    return fetchFromBackground(url, settings.lookup.keyHeader, key, controller.signal).finally(() =>
      clearTimeout(timer),
    );
  };
}

/** Tries each address; a 404 means "not under this format", anything else wrong stops the lookup. */
async function tryAddresses(plan: LookupPlan, settings: Settings, fetchJson: FetchJson): Promise<LookupOutcome> {
  for (const url of plan.urls) {
    let answer: unknown;
    try {
      answer = await fetchJson(url);
    } catch (error) {
      if (error instanceof LookupHttpError && error.status === 404) continue;
      throw error;
    }
    const mapped = mapAnswer(answer, settings.lookup, { ...plan.context, base: url });
    if (mapped.matches.length) return { state: 'found', ...mapped };
  }
  return { state: 'none' };
}

const TIMED_OUT = Symbol('timeout');

export async function runLookup(
  plan: LookupPlan,
  settings: Settings,
  tabs: Record<string, TabInfo>,
): Promise<LookupOutcome> {
  const deadline = Date.now() + LOOKUP_TIMEOUT_MS;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), LOOKUP_TIMEOUT_MS);
  });
  try {
    const work = fetcher(plan, settings, tabs, deadline).then((fetchJson) => tryAddresses(plan, settings, fetchJson));
    work.catch(() => undefined); // A failure after the deadline is not news.
    const outcome = await Promise.race([work, timeout]);
    if (outcome === TIMED_OUT) return { state: 'failed', problem: 'timeout', detail: 'no answer in time' };
    return outcome;
  } catch (error) {
    const detail = String((error as Error)?.message ?? error).slice(0, 200);
    if (error instanceof NoCrmTab) return { state: 'failed', problem: 'noTab', detail };
    if ((error as Error)?.name === 'AbortError') return { state: 'failed', problem: 'timeout', detail };
    return { state: 'failed', problem: 'failed', detail };
  } finally {
    clearTimeout(timer);
  }
}
