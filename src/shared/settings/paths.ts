/**
 * Addressing settings by dotted path (`cards.target`): the options page draws one control per
 * leaf, an administrator's policy locks leaves, and a change is sorted by top-level section.
 * Lists are leaves: a policy that sets `crm.sites` locks the whole list.
 */
import { isRecord } from '../guard';

/** Every leaf path of an object, depth first, in key order. */
export function leafPaths(value: unknown, prefix = ''): string[] {
  if (!isRecord(value)) return prefix ? [prefix] : [];
  return Object.entries(value).flatMap(([key, child]) => leafPaths(child, prefix ? `${prefix}.${key}` : key));
}

export function getPath(value: unknown, path: string): unknown {
  let node = value;
  for (const key of path.split('.')) {
    if (!isRecord(node) || !Object.hasOwn(node, key)) return undefined;
    node = node[key];
  }
  return node;
}

/** A copy of `value` with `path` set (objects on the way are copied, never mutated). */
export function setPath<T>(value: T, path: string, leaf: unknown): T {
  const [key = '', ...rest] = path.split('.');
  const node: Record<string, unknown> = isRecord(value) ? { ...value } : {};
  node[key] = rest.length ? setPath(node[key], rest.join('.'), leaf) : leaf;
  return node as T;
}

/** A copy of `value` without `path` (a missing setting takes its default when loaded). */
export function deletePath<T>(value: T, path: string): T {
  const [key = '', ...rest] = path.split('.');
  if (!isRecord(value) || !Object.hasOwn(value, key)) return value;
  const node: Record<string, unknown> = { ...value };
  if (rest.length) node[key] = deletePath(node[key], rest.join('.'));
  else delete node[key];
  return node as T;
}

/** Whether `path` is locked: it, or a section above it, or a leaf below it, is in `locked`. */
export const isLocked = (locked: readonly string[], path: string) =>
  locked.some((lock) => lock === path || path.startsWith(`${lock}.`) || lock.startsWith(`${path}.`));

/** The top-level sections whose content differs between two raw settings objects. */
export function changedSections(before: unknown, after: unknown): string[] {
  const a = isRecord(before) ? before : {};
  const b = isRecord(after) ? after : {};
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].filter((key) => JSON.stringify(a[key]) !== JSON.stringify(b[key]));
}
