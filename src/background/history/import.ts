/**
 * Import from the PBX's own call history (`getCallHistory` on the connector), page by page,
 * merged into the store without duplicates: a session id already stored stays as it is.
 */
import type { FollowRules } from '../../shared/calls';
import { type HistoryRecord, type ImportSummary, recordFromEntry } from '../../shared/history';
import type { Connector } from '../pbx/connectors/types';
import type { HistoryStore } from './store';

export const IMPORT_PAGE_ROWS = 200;
export const DEFAULT_IMPORT_LIMIT = 1000;
const MAX_REASONS = 5;

export interface ImportOptions {
  rules: FollowRules;
  country: string;
  /** How many of the PBX's newest calls to look at. */
  limit: number;
  now: number;
}

export async function importFromPbx(
  connector: Pick<Connector, 'getCallHistory'>,
  store: Pick<HistoryStore, 'importRecords'>,
  { rules, country, limit, now }: ImportOptions,
): Promise<ImportSummary> {
  const summary: ImportSummary = { added: 0, existing: 0, rejected: 0, reasons: [], total: 0 };
  for (let page = 0; page * IMPORT_PAGE_ROWS < limit; page++) {
    const { total, entries } = await connector.getCallHistory(page, IMPORT_PAGE_ROWS);
    summary.total = total;
    const records: HistoryRecord[] = [];
    for (const entry of entries.slice(0, limit - page * IMPORT_PAGE_ROWS)) {
      const converted = recordFromEntry(entry, rules, country, now);
      if (converted.ok) records.push(converted.record);
      else {
        summary.rejected += 1;
        if (summary.reasons.length < MAX_REASONS)
          summary.reasons.push(`${entry.sessionId.slice(0, 80)}: ${converted.reason}`);
      }
    }
    const { added, existing } = await store.importRecords(records);
    summary.added += added;
    summary.existing += existing;
    if (entries.length < IMPORT_PAGE_ROWS || (page + 1) * IMPORT_PAGE_ROWS >= total) break;
  }
  return summary;
}
