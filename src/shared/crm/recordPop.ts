/**
 * When a call's CRM record opens by itself (docs/crm.md): at the moment the settings say
 * (ringing or answered, per direction), once per call, after the lookup has answered (or
 * given up), and only while the call is on. Which record: the one match (or the one the agent
 * chose), else the record template when it needs no id (a search page, say).
 */
import type { Call } from '../calls';
import type { Settings } from '../settings';
import type { CallLookup } from './lookup';

export type RecordDecision =
  /** Not yet: the moment has not come, or the lookup is still out. */
  | { kind: 'wait' }
  /** Nothing to open: the call's record pop is over. */
  | { kind: 'nothing' }
  | { kind: 'open'; url: string };

type CallMoment = Pick<Call, 'direction' | 'endedAt' | 'wasConnected' | 'answeredAt'>;

export function recordTrigger(call: Pick<Call, 'direction'>, settings: Settings) {
  if (call.direction === 'inbound') return settings.record.openInbound;
  if (call.direction === 'outbound') return settings.record.openOutbound;
  return 'never';
}

/** Whether the call has reached the moment its record should open. */
export function recordDue(call: CallMoment, settings: Settings): boolean {
  if (call.endedAt !== undefined) return false;
  const trigger = recordTrigger(call, settings);
  if (trigger === 'ringing') return true;
  return trigger === 'answered' && (call.wasConnected || call.answeredAt !== undefined);
}

/** The record of the match the card shows: the only one, or the one the agent chose. */
export function shownMatch(entry: CallLookup | undefined) {
  if (entry?.state !== 'found' || !entry.matches?.length) return undefined;
  if (entry.chosen !== undefined) return entry.matches[entry.chosen];
  return entry.matches.length === 1 ? entry.matches[0] : undefined;
}

export function decideRecord(
  call: CallMoment,
  entry: CallLookup | undefined,
  settings: Settings,
  { lookupExpected, templateUrl }: { lookupExpected: boolean; templateUrl: string | null },
): RecordDecision {
  if (entry?.recordDone || !recordDue(call, settings)) return { kind: 'wait' };
  if (lookupExpected && (!entry || entry.state === 'pending')) return { kind: 'wait' };
  const url = shownMatch(entry)?.recordUrl ?? templateUrl;
  return url ? { kind: 'open', url } : { kind: 'nothing' };
}
