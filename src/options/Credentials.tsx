/**
 * Secrets for the chosen connector. A saved value is never shown or sent back to the page:
 * the field stays empty ("saved: type to replace"), and only what the user types is sent,
 * to the background, when they save or test.
 */
import type { CredentialChanges } from '../shared/settings/options';
import { t } from '../ui/messenger';

/** Preact's input types reject a `type` that is a union; spread, it is just an attribute. */
const inputType = (type: string): Record<string, string> => ({ type });

export interface CredentialField {
  key: string;
  secret: boolean;
}

export const CREDENTIAL_FIELDS: Record<string, CredentialField[]> = {
  cti: [{ key: 'token', secret: true }],
  ozeki: [
    { key: 'ozekiUsername', secret: false },
    { key: 'ozekiPassword', secret: true },
  ],
  /** The caller lookup's key in background mode (docs/crm.md): the value of `lookup.keyHeader`. */
  lookup: [{ key: 'lookupKey', secret: true }],
  /** The call log's key in background mode (docs/crm.md): the value of `crmlog.keyHeader`. */
  crmlog: [{ key: 'crmLogKey', secret: true }],
};

export interface CredentialsProps {
  connector: string;
  typed: CredentialChanges;
  onChange: (typed: CredentialChanges) => void;
  saved: readonly string[];
  locked: readonly string[];
}

export function Credentials({ connector, typed, onChange, saved, locked }: CredentialsProps) {
  return (
    <>
      {(CREDENTIAL_FIELDS[connector] ?? []).map(({ key, secret }) => {
        const id = `credential-${key}`;
        const isLocked = locked.includes(key);
        const isSaved = saved.includes(key);
        return (
          <div class={`field${isLocked ? ' locked' : ''}`} key={key}>
            <label for={id}>{t(`credential_${key}`)}</label>
            <div class="row">
              <input
                id={id}
                name={`credential.${key}`}
                {...inputType(secret ? 'password' : 'text')}
                autocomplete="off"
                spellcheck={false}
                disabled={isLocked}
                placeholder={isLocked ? t('credentialLocked') : isSaved ? t('credentialSaved') : ''}
                value={typed[key] ?? ''}
                onInput={(e) => onChange({ ...typed, [key]: e.currentTarget.value })}
              />
              {isSaved && !isLocked ? (
                <button
                  type="button"
                  class="small"
                  onClick={() => onChange({ ...typed, [key]: '', [`${key}:clear`]: '1' })}
                >
                  {t('credentialClear')}
                </button>
              ) : null}
            </div>
            {typed[`${key}:clear`] ? <p class="help">{t('credentialWillClear')}</p> : null}
            {isLocked ? (
              <p class="lock-note">
                <span aria-hidden="true">🔒 </span>
                {t('lockedByPolicy')}
              </p>
            ) : null}
          </div>
        );
      })}
    </>
  );
}

/**
 * What to send: typed values, and an empty string for a credential the user chose to clear.
 * Untouched credentials are left out, so the saved ones stay.
 */
export function credentialChanges(typed: CredentialChanges): CredentialChanges {
  const out: CredentialChanges = {};
  for (const [key, value] of Object.entries(typed)) {
    if (key.endsWith(':clear')) continue;
    if (value) out[key] = value;
    else if (typed[`${key}:clear`]) out[key] = '';
  }
  return out;
}
