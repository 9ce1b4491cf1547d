/** From a call as the background holds it to the facts its CRM activity keeps (shared/crm/log/facts.ts). */
import type { Call } from '../../shared/calls';
import type { LogFacts } from '../../shared/crm/log/facts';
import { callFacts } from '../../shared/crm/lookupPlan';
import { shownMatch } from '../../shared/crm/recordPop';
import { templateValues } from '../../shared/phone/forms';
import type { Settings } from '../../shared/settings';
import { safeHttpUrl } from '../../shared/templates';
import type { RuntimeState } from '../storage';

/** The call's outcome as the history records it. */
export const outcomeOf = (call: Call) => call.endReason ?? (call.wasConnected ? 'answered' : 'missed');

/** Whether this ended call is logged under these settings: never internal calls; missed ones if chosen. */
export function shouldLog(call: Call, settings: Settings): boolean {
  if (call.endedAt === undefined || call.direction === 'internal') return false;
  const answered = outcomeOf(call) === 'answered';
  return answered || call.direction !== 'inbound' || settings.crmlog.logMissed;
}

/** The looked-up record of a call, if the lookup found one (or the agent chose one). */
export function recordOf(state: RuntimeState, sessionId: string) {
  const match = shownMatch(Object.hasOwn(state.lookups, sessionId) ? state.lookups[sessionId] : undefined);
  return { recordId: match?.id ?? '', ...(match?.recordUrl ? { recordUrl: match.recordUrl } : {}) };
}

export function factsOf(call: Call, state: RuntimeState, settings: Settings): LogFacts {
  const values = templateValues(callFacts(call, settings), settings.phone.defaultCountry);
  const endedAt = call.endedAt ?? Date.now();
  const talkSeconds = call.answeredAt !== undefined ? Math.max(0, Math.round((endedAt - call.answeredAt) / 1000)) : 0;
  const recording = call.customData?.recordingUrl ?? call.customData?.recording_url ?? '';
  return {
    callId: call.sessionId,
    direction: call.direction,
    number: values.number,
    e164: values.e164,
    e164digits: values.e164digits,
    national: values.national,
    digits: values.digits,
    name: values.name,
    startedAt: call.startedAt,
    endedAt,
    talkSeconds,
    outcome: outcomeOf(call),
    extension: settings.connection.extension,
    agentName: state.connection.userName ?? '',
    recordingUrl: (recording && safeHttpUrl(recording)) || '',
    ...recordOf(state, call.sessionId),
  };
}
