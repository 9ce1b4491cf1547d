/**
 * What a change of stored settings, credentials or policy needs: every change applies at once
 * (cached settings dropped, tabs re-pushed, CRM site scripts re-synced), but the connection is
 * reopened only when something it depends on changed. Sections not listed as display-only
 * reconnect, so a new section errs on the side of a reconnect, never of a stale connection.
 */
import { changedSections } from '../../shared/settings/paths';

/** Sections that change what is shown or offered, never what the connection is. */
export const DISPLAY_SECTIONS: ReadonlySet<string> = new Set([
  'version',
  'cards',
  'phone',
  'crm',
  'history',
  'dial',
  'detection',
  'ui',
]);

interface Change {
  oldValue?: unknown;
  newValue?: unknown;
}

/** For `storage.onChanged` in the `local` or `managed` area. */
export function needsReconnect(changes: Record<string, Change>): boolean {
  if (changes.credentials || changes.token) return true;
  if (!changes.settings) return false;
  return changedSections(changes.settings.oldValue, changes.settings.newValue).some(
    (section) => !DISPLAY_SECTIONS.has(section),
  );
}

/** Whether a change concerns PopLine's settings at all (not, say, card positions). */
export const touchesSettings = (changes: Record<string, Change>) =>
  !!(changes.settings || changes.credentials || changes.token);
