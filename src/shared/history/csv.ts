/**
 * CSV export of the call history (RFC 4180, UTF-8 with a byte-order mark so spreadsheets read
 * names with accents). Every cell is quoted, and a cell a spreadsheet would run as a formula
 * (starting with =, +, -, @, a tab or a carriage return, also after spaces or in full width) is
 * neutralised with a leading apostrophe, as OWASP recommends against CSV injection. Names and
 * numbers come from the PBX and notes from anyone: none of it is trusted.
 */
import type { HistoryRecord } from '.';

const COLUMNS = [
  ['session id', (r) => r.sessionId],
  ['source', (r) => r.source],
  ['direction', (r) => r.direction],
  ['number', (r) => r.number],
  ['E.164', (r) => r.e164],
  ['name', (r) => r.name],
  ['local number', (r) => r.localNumber],
  ['started', (r) => iso(r.startedAt)],
  ['answered', (r) => iso(r.answeredAt)],
  ['ended', (r) => iso(r.endedAt)],
  ['outcome', (r) => r.outcome ?? 'in progress'],
  ['talk seconds', (r) => r.talkSeconds],
  ['disposition', (r) => r.disposition],
  ['note', (r) => r.note],
  ['CRM record', (r) => r.crmRecord?.url],
] as const satisfies readonly (readonly [string, (record: HistoryRecord) => string | number | undefined])[];

const iso = (ms: number | undefined) => (ms === undefined ? '' : new Date(ms).toISOString());

const FORMULA = /^[\s\u3000]*[=+\-@\uFF1D\uFF0B\uFF0D\uFF20]|^[\t\r\n]/;

/** One cell: neutralised if it could start a formula, then quoted. */
export function csvCell(value: string | number | undefined): string {
  let text = value === undefined ? '' : String(value);
  if (typeof value === 'string' && FORMULA.test(text)) text = `'${text}`;
  return `"${text.replace(/"/g, '""')}"`;
}

export const CSV_BOM = '\uFEFF';

export const csvHeader = () => COLUMNS.map(([title]) => csvCell(title)).join(',');

export const csvRow = (record: HistoryRecord) => COLUMNS.map(([, read]) => csvCell(read(record))).join(',');

/** The whole file: BOM, header and one line per record, lines ending in CRLF. */
export function toCsv(records: Iterable<HistoryRecord>): string {
  const lines = [csvHeader()];
  for (const record of records) lines.push(csvRow(record));
  return `${CSV_BOM}${lines.join('\r\n')}\r\n`;
}
