/**
 * The calls the bridge saw end, for `getCallHistory` when a source keeps no history of its own.
 * Bounded to `limit` entries; with a file, each ended call is appended as one JSON line (synchronously:
 * a node can be killed at any moment) and the file is compacted when it grows past twice the bound.
 */
import { appendFileSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { check } from '../../../src/shared/guard';
import { type HistoryEntry, historyEntryGuard } from '../../../src/shared/protocol';
import { matchesQuery, numberKey } from '../sources/query';
import type { HistoryPage, HistoryQuery } from '../sources/types';

export class HistoryStore {
  /** Oldest first. */
  private entries: HistoryEntry[] = [];
  private lines = 0;

  constructor(
    private readonly limit: number,
    private readonly file?: string,
  ) {
    if (file) this.load(file);
  }

  get size(): number {
    return this.entries.length;
  }

  add(entry: HistoryEntry): void {
    this.entries.push(entry);
    if (this.entries.length > this.limit * 1.1 + 10) this.entries.splice(0, this.entries.length - this.limit);
    if (!this.file) return;
    appendFileSync(this.file, `${JSON.stringify(entry)}\n`, { mode: 0o600 });
    this.lines += 1;
    if (this.lines > this.limit * 2 + 10) this.compact();
  }

  query(query: HistoryQuery): HistoryPage {
    const numbers = query.numbers ? new Set(query.numbers.map(numberKey)) : null;
    const general = query.general?.toLowerCase() ?? '';
    const matches: HistoryEntry[] = [];
    const start = Math.max(0, this.entries.length - this.limit);
    for (let i = this.entries.length - 1; i >= start; i -= 1) {
      const entry = this.entries[i] as HistoryEntry;
      if (matchesQuery(entry, query, numbers, general)) matches.push(entry);
    }
    const from = query.pageNumber * query.pageRows;
    return { total: matches.length, entries: matches.slice(from, from + query.pageRows) };
  }

  private load(file: string): void {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return; // No file yet.
    }
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        continue; // A line cut short by a crash: the others still count.
      }
      const entry = check(historyEntryGuard, value);
      if (entry.ok) this.entries.push(entry.value);
    }
    if (this.entries.length > this.limit) this.entries.splice(0, this.entries.length - this.limit);
    this.compact();
  }

  /** Rewrites the file with what is kept, atomically (write aside, then rename). */
  private compact(): void {
    if (!this.file) return;
    const kept = this.entries.slice(-this.limit);
    this.entries = kept;
    const temporary = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temporary, kept.map((entry) => `${JSON.stringify(entry)}\n`).join(''), { mode: 0o600 });
    renameSync(temporary, this.file);
    this.lines = kept.length;
  }
}
