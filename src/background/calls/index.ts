/** Applies connector events to the stored calls and tells the tabs. */
import { applyEvent, type CallEvent, followRules, forgetCalls } from '../../shared/calls';
import type { Settings } from '../../shared/settings';
import { forgetCardLogs, logEndedCalls, wrapUpCards } from '../crmlog';
import { recordHistory } from '../history';
import { trackLookups } from '../lookup';
import { notifyCalls } from '../notify';
import { updateBadge } from '../pbx/badge';
import { getSettings } from '../settings';
import type { RuntimeState } from '../storage';
import { mutate } from '../storage/state';
import { crmLogOf, hasFaded, pushToTabs } from '../tabs';
import { quietNewCalls } from '../team';

const MAX_ENDED = 50;

/** Forgets ended calls that no card shows any more. */
export function pruneEnded(state: RuntimeState, settings: Settings, now: number): void {
  const ended = Object.values(state.book.calls).filter((call) => call.endedAt !== undefined);
  const dismissed = new Set(Object.values(state.tabs).flatMap((tab) => tab.dismissed));
  const surplus = ended.length - MAX_ENDED;
  const gone = ended
    .sort((a, b) => (a.endedAt ?? 0) - (b.endedAt ?? 0))
    .filter(
      (call, index) =>
        index < surplus ||
        hasFaded(call, settings, now, crmLogOf(state, call.sessionId)) ||
        dismissed.has(call.sessionId),
    )
    .map((call) => call.sessionId);
  state.book = forgetCalls(state.book, gone);
  forgetCardLogs(state);
}

export function onCallEvent(event: CallEvent): Promise<void> {
  return mutate(async (state) => {
    const settings = await getSettings();
    const now = Date.now();
    const known = new Set(Object.keys(state.book.calls));
    const before = state.book;
    const { book, changed } = applyEvent(
      state.book,
      event,
      followRules(settings, !!state.connection.permissions?.monitorAll),
      now,
    );
    // Saved even when no call changed: the book also remembers when we last heard the PBX.
    state.book = book;
    if (!changed.length) return;
    // Ended calls are logged with what their lookup found, which pruning forgets (docs/crm.md).
    const lookups = state.lookups;
    // Calls that just ended into their wrap-up keep their card (its countdown and note form).
    wrapUpCards(state, settings, before, changed, now);
    pruneEnded(state, settings, now);
    // Do Not Disturb: new calls get no card, no notification, no record pop (docs/team.md).
    quietNewCalls(state, known, changed);
    trackLookups(state, settings, changed, now);
    await pushToTabs(state);
    notifyCalls(state, settings, changed);
    updateBadge(state);
    // After the push, so the cards never wait for the disk. A call still in the book is written
    // again from it at start-up if the worker stops first; one just pruned from it is not, so
    // then the write is awaited before the state is saved.
    const written = recordHistory(changed, settings);
    if (changed.some((call) => !state.book.calls[call.sessionId])) await written;
    // Ended calls into the CRM's outbox (docs/crm.md): on disk before the state that forgets them.
    await logEndedCalls(state, settings, changed, lookups);
  });
}
