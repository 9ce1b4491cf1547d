/**
 * From a CRM's JSON answer to the contacts a card shows (docs/crm.md). The answer is
 * untrusted: values become clipped plain text, and a record address is kept only when it is
 * http(s) on one of the CRM's own origins. Paths are dotted (`data.items.0.item.name`, or
 * `records[0].Name`); a name step on a list takes its first entry; several paths separated by
 * spaces are joined with a space (`first_name last_name`).
 */
import { displayText } from '../format';
import { isRecord } from '../guard';
import { safeHttpUrl } from '../templates';

export interface LookupMap {
  /** Where the list of matches is; empty: the answer itself (a list, or one object). */
  listPath: string;
  namePath: string;
  companyPath: string;
  recordUrlPath: string;
  notePath: string;
  idPath: string;
}

/** One contact a lookup found, as stored by the background. */
export interface Contact {
  name: string;
  company?: string;
  note?: string;
  /** Checked: http(s), on an allowed origin. */
  recordUrl?: string;
  id?: string;
}

export interface MapContext {
  /** The lookup's address: relative record addresses are resolved against it. */
  base: string;
  /** Origins a record address may have (the CRM's). */
  allowedOrigins: readonly string[];
  /** The record address from an id (the record template with `{id}`), when the answer has none. */
  recordUrlFromId?: (id: string) => string | null;
}

export interface MappedAnswer {
  matches: Contact[];
  /** How many entries the answer listed (the card says "and N more"). */
  total: number;
}

export const MAX_MATCHES = 20;
const MAX_STEPS = 32;
const LIMITS = { name: 120, company: 120, note: 300, id: 200 };

/** The value at a dotted path; undefined when it is not there. */
export function valueAt(root: unknown, path: string): unknown {
  const steps = path
    .replace(/\[(\d+)\]/g, '.$1')
    .split('.')
    .filter(Boolean);
  if (steps.length > MAX_STEPS) return undefined;
  let node = root;
  for (const step of steps) {
    if (Array.isArray(node)) {
      if (/^\d+$/.test(step)) {
        node = node[Number(step)];
        continue;
      }
      node = node[0];
    }
    if (!isRecord(node) || !Object.hasOwn(node, step)) return undefined;
    node = node[step];
  }
  return node;
}

/** A JSON value as one line of text: strings, numbers and true/false; a list gives its first entry. */
function scalarText(value: unknown): string {
  const first = Array.isArray(value) ? value[0] : value;
  if (typeof first === 'string') return first;
  if (typeof first === 'number' && Number.isFinite(first)) return String(first);
  if (typeof first === 'boolean') return String(first);
  return '';
}

/** The text at one or more space-separated paths, joined, cleaned and clipped. */
export function textAt(item: unknown, paths: string, max: number): string {
  if (!paths.trim()) return '';
  const parts = paths
    .trim()
    .split(/\s+/)
    .map((path) => displayText(scalarText(valueAt(item, path)), max))
    .filter(Boolean);
  return displayText(parts.join(' '), max);
}

function entriesOf(answer: unknown, listPath: string): unknown[] {
  const list = listPath.trim() ? valueAt(answer, listPath.trim()) : answer;
  if (Array.isArray(list)) return list;
  return isRecord(list) ? [list] : [];
}

function recordUrlOf(item: unknown, map: LookupMap, context: MapContext, id: string): string | undefined {
  const path = map.recordUrlPath.trim();
  const given = path && typeof valueAt(item, path) === 'string' ? textAt(item, path, 2048) : '';
  const url = given ? safeHttpUrl(given, context.base) : null;
  if (url && context.allowedOrigins.includes(new URL(url).origin)) return url;
  const fromId = id && context.recordUrlFromId ? context.recordUrlFromId(id) : null;
  return fromId ?? undefined;
}

function contactOf(item: unknown, map: LookupMap, context: MapContext): Contact | null {
  const name = textAt(item, map.namePath, LIMITS.name);
  const company = textAt(item, map.companyPath, LIMITS.company);
  if (!name && !company) return null;
  const id = textAt(item, map.idPath, LIMITS.id);
  const contact: Contact = { name: name || company };
  if (company && name) contact.company = company;
  const note = textAt(item, map.notePath, LIMITS.note);
  if (note) contact.note = note;
  if (id) contact.id = id;
  const recordUrl = recordUrlOf(item, map, context, id);
  if (recordUrl) contact.recordUrl = recordUrl;
  return contact;
}

/** The contacts in an answer (at most MAX_MATCHES); entries with neither name nor company are not contacts. */
export function mapAnswer(answer: unknown, map: LookupMap, context: MapContext): MappedAnswer {
  const entries = entriesOf(answer, map.listPath);
  const matches: Contact[] = [];
  let total = 0;
  for (const entry of entries) {
    const contact = contactOf(entry, map, context);
    if (!contact) continue;
    total += 1;
    if (matches.length < MAX_MATCHES) matches.push(contact);
  }
  return { matches, total };
}
