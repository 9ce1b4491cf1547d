/**
 * Helpers for answering a HistoryQuery and for deciding whose call it is, shared by the sources that
 * keep a history (the simulator) and the bridge's own history of calls it saw.
 */
import type { HistoryEntry } from '../../../src/shared/protocol';
import type { HistoryQuery } from './types';

/** How numbers are compared when deciding whose call it is: spacing and punctuation do not count. */
export const numberKey = (value: string): string => value.replace(/[\s().-]/g, '').toLowerCase();

export function matchesQuery(
  entry: HistoryEntry,
  query: HistoryQuery,
  numbers: Set<string> | null,
  general: string,
): boolean {
  if (numbers && !numbers.has(numberKey(entry.caller)) && !numbers.has(numberKey(entry.callee))) return false;
  const time = Date.parse(entry.startTime);
  if (query.from !== undefined && time < query.from) return false;
  if (query.to !== undefined && time > query.to) return false;
  if (!general) return true;
  return [entry.caller, entry.callee, entry.callerDisplayName, entry.calleeDisplayName].some((value) =>
    value?.toLowerCase().includes(general),
  );
}
