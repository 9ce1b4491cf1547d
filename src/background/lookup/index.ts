/**
 * Caller lookups and record pops (docs/crm.md). A call's card pops at once with what the PBX
 * knows; its lookup runs meanwhile and the card fills in when it answers. The state of each
 * call's lookup and whether its record has opened live in storage.session (`lookups`), so a
 * stopped worker neither loses a lookup nor opens a record twice.
 */
import type { Call } from '../../shared/calls';
import type { CallLookup } from '../../shared/crm/lookup';
import { callFacts, createUrlFor, planLookup, templateRecordUrl } from '../../shared/crm/lookupPlan';
import { decideRecord, shownMatch } from '../../shared/crm/recordPop';
import { log } from '../../shared/log';
import { templateValues } from '../../shared/phone/forms';
import type { Settings } from '../../shared/settings';
import { recordFromCrm } from '../history';
import { getSettings } from '../settings';
import type { RuntimeState } from '../storage';
import { mutate, readState } from '../storage/state';
import { pushToTabs } from '../tabs';
import { lookupCache } from './cache';
import { openCrmUrlSoon } from './open';
import { type LookupOutcome, runLookup } from './run';

/** Lookups running in this worker life (a restarted worker resumes the pending ones). */
const inFlight = new Set<string>();

/** Opens the records that are due, marking each call's record pop done first. Inside `mutate`. */
export function popRecords(state: RuntimeState, settings: Settings, calls: Call[], now = Date.now()): void {
  // Calls kept quiet by Do Not Disturb (background/team) open no record until the agent answers them.
  const quiet = new Set(state.team.quiet);
  for (const call of calls) {
    if (quiet.has(call.sessionId) && call.answeredAt === undefined) continue;
    const entry = state.lookups[call.sessionId];
    const name = shownMatch(entry)?.name ?? call.remoteName;
    const decision = decideRecord(call, entry, settings, {
      lookupExpected: entry ? entry.state !== 'off' : planLookup(callFacts(call, settings), settings) !== null,
      templateUrl: templateRecordUrl(callFacts(call, settings, name), settings),
    });
    if (decision.kind === 'wait') continue;
    const base: CallLookup = entry ?? { state: 'off', startedAt: now };
    state.lookups = { ...state.lookups, [call.sessionId]: { ...base, recordDone: true } };
    if (decision.kind === 'open') {
      openCrmUrlSoon(decision.url, settings, state.tabs);
      void recordFromCrm(call.sessionId, { crmRecord: { url: decision.url, ...(name ? { title: name } : {}) } });
    }
  }
}

/**
 * After calls changed, inside `mutate`: new calls get a lookup (pending, started after this
 * change is saved), due records open, and entries of calls no longer held are forgotten.
 */
export function trackLookups(state: RuntimeState, settings: Settings, changed: Call[], now = Date.now()): void {
  let lookups = state.lookups;
  const gone = Object.keys(lookups).filter((id) => !state.book.calls[id]);
  if (gone.length) lookups = Object.fromEntries(Object.entries(lookups).filter(([id]) => state.book.calls[id]));
  const held = changed.map((call) => state.book.calls[call.sessionId]).filter((call): call is Call => !!call);
  for (const call of held) {
    if (lookups[call.sessionId] || !planLookup(callFacts(call, settings), settings)) continue;
    lookups = { ...lookups, [call.sessionId]: { state: 'pending', startedAt: now } };
    schedule(call.sessionId);
  }
  state.lookups = lookups;
  popRecords(state, settings, held, now);
}

function schedule(sessionId: string): void {
  if (inFlight.has(sessionId)) return;
  inFlight.add(sessionId);
  // After the current change is saved: `mutate` runs changes one at a time.
  queueMicrotask(() => {
    performLookup(sessionId)
      .catch((error) => log.warn('caller lookup', String(error)))
      .finally(() => inFlight.delete(sessionId));
  });
}

/** The key answers are cached under: the number in E.164, else its digits. */
const cacheKey = (values: ReturnType<typeof templateValues>) => values.e164 || values.digits;

async function lookUp(call: Call, settings: Settings, state: RuntimeState): Promise<LookupOutcome> {
  const facts = callFacts(call, settings);
  const plan = planLookup(facts, settings);
  if (!plan) return { state: 'failed', problem: 'failed', detail: 'lookups are off' };
  const signature = JSON.stringify([settings.lookup, settings.record.urlTemplate, settings.phone.defaultCountry]);
  const key = cacheKey(templateValues(facts, settings.phone.defaultCountry));
  const maxAge = settings.lookup.cacheMinutes * 60_000;
  const cached = await lookupCache.get(signature, key, maxAge, Date.now());
  if (cached) return cached.matches.length ? { state: 'found', ...cached } : { state: 'none' };
  const outcome = await runLookup(plan, settings, state.tabs);
  if (outcome.state === 'failed') log.warn(`caller lookup failed (${outcome.problem}): ${outcome.detail}`);
  else if (maxAge > 0) {
    const answer = outcome.state === 'found' ? outcome : { matches: [], total: 0 };
    void lookupCache.put(signature, key, { at: Date.now(), matches: answer.matches, total: answer.total });
  }
  return outcome;
}

async function performLookup(sessionId: string): Promise<void> {
  const [settings, state] = await Promise.all([getSettings(), readState()]);
  const call = state.book.calls[sessionId];
  if (!call || state.lookups[sessionId]?.state !== 'pending') return;
  const outcome = await lookUp(call, settings, state);
  await mutate(async (current) => {
    const entry = current.lookups[sessionId];
    const now = current.book.calls[sessionId];
    if (entry?.state !== 'pending' || !now) return;
    const { detail: _detail, ...result } = outcome.state === 'failed' ? outcome : { ...outcome, detail: '' };
    const createUrl = outcome.state === 'none' ? createUrlFor(callFacts(now, settings), settings) : null;
    current.lookups = {
      ...current.lookups,
      [sessionId]: { ...entry, ...result, ...(createUrl ? { createUrl } : {}) },
    };
    popRecords(current, settings, [now]);
    await pushToTabs(current);
    const name = shownMatch(current.lookups[sessionId])?.name;
    if (name && !now.remoteName) void recordFromCrm(sessionId, { name });
  });
}

/** At start-up: lookups a stopped worker left pending run again. */
export async function resumeLookups(): Promise<void> {
  const state = await readState();
  for (const [sessionId, entry] of Object.entries(state.lookups)) {
    if (entry.state === 'pending' && state.book.calls[sessionId]) schedule(sessionId);
  }
}
