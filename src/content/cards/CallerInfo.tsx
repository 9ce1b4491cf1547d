/**
 * What the CRM lookup found, under the caller's name on the card (docs/crm.md): the company
 * and a note for the one match, a list to choose from when several match, a "create contact"
 * button when none does, and a quiet note while it looks or when it could not. Every value is
 * untrusted text from the CRM: Preact renders it as text; addresses never reach this page.
 */

import { t, tPlural } from '../../i18n';
import type { CardLookup, CardMatch } from '../../shared/crm/lookup';
import { displayText } from '../../shared/format';
import { trusted } from '../../ui/trusted';

export interface CallerInfoProps {
  lookup: CardLookup | undefined;
  /** Opens a match's record (its index) or the "create contact" page; resolves to an error or null. */
  open(match: number | 'create'): Promise<string | null>;
  onError(message: string): void;
}

const PROBLEM_KEY = { timeout: 'lookupTimeout', failed: 'lookupFailed', noTab: 'lookupNoTab' } as const;

function MatchLine({ match }: { match: CardMatch }) {
  const company = displayText(match.company, 120);
  return (
    <>
      <span class="match-name">{displayText(match.name, 120)}</span>
      {company ? <span class="match-company">{company}</span> : null}
    </>
  );
}

export function CallerInfo({ lookup, open, onError }: CallerInfoProps) {
  if (!lookup) return null;
  const run = (match: number | 'create') => () =>
    void open(match).then((error) => error && onError(t('openRecordFailed', error)));
  if (lookup.state === 'pending') return <div class="caller quiet">{t('lookupPending')}</div>;
  if (lookup.state === 'failed') {
    return <div class="caller quiet">{t(PROBLEM_KEY[lookup.problem ?? 'failed'])}</div>;
  }
  if (lookup.state === 'none') {
    return (
      <div class="caller">
        <span class="quiet">{t('lookupNone')}</span>
        {lookup.canCreate ? (
          <button type="button" class="link" onClick={trusted(run('create'))}>
            {t('createContact')}
          </button>
        ) : null}
      </div>
    );
  }
  const matches = lookup.matches ?? [];
  const chosen = lookup.chosen ?? (matches.length === 1 ? 0 : undefined);
  const match = chosen === undefined ? undefined : matches[chosen];
  if (match) {
    const note = displayText(match.note, 300);
    return (
      <div class="caller" data-lookup="found">
        {match.company ? <div class="company">{displayText(match.company, 120)}</div> : null}
        {note ? <div class="note crm-note">{note}</div> : null}
        {match.hasRecord ? (
          <button type="button" class="link" onClick={trusted(run(chosen ?? 0))}>
            {t('openRecord')}
          </button>
        ) : null}
      </div>
    );
  }
  const more = (lookup.total ?? matches.length) - matches.length;
  return (
    <div class="caller" data-lookup="several">
      <div class="quiet">{tPlural('lookupSeveral', lookup.total ?? matches.length)}</div>
      <ul class="matches">
        {matches.map((item, index) => (
          <li key={`${index}:${item.name}`}>
            <button type="button" class="match" onClick={trusted(run(index))}>
              <MatchLine match={item} />
            </button>
          </li>
        ))}
      </ul>
      {more > 0 ? <div class="quiet">{tPlural('lookupMore', more)}</div> : null}
    </div>
  );
}
