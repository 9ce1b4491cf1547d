/**
 * The options page: everything an agent or an admin sets, on one page, each setting with its
 * own control (fields.ts), saved together. Values set by policy are shown locked. Saving asks
 * the browser for the sites and server the settings need, from the click itself.
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import browser from 'webextension-polyfill';
import { loadSettings, type Settings } from '../shared/settings';
import type { CredentialChanges, OptionsView } from '../shared/settings/options';
import { getPath, isLocked, setPath } from '../shared/settings/paths';
import { send, t } from '../ui/messenger';
import { TestResult, type TestState } from './ConnectionTest';
import { Credentials, credentialChanges } from './Credentials';
import { CrmLogTemplates } from './CrmLogTemplates';
import { CrmPresets } from './CrmPresets';
import { CrmSites } from './CrmSites';
import { Enrolment } from './Enrolment';
import { Field } from './Field';
import { appliesTo, sectionKey, sections } from './fields';
import { neededOrigins, requestOrigins, serverPatterns } from './permissions';
import { SettingsFile } from './SettingsFile';

export type Notice = { kind: 'ok' | 'error'; text: string; details?: string[] } | null;

/** Field errors by path, from the same validation the background applies. */
export function fieldErrors(draft: unknown): Map<string, string> {
  const errors = new Map<string, string>();
  for (const warning of loadSettings(draft).warnings) {
    const path = warning.split(':')[0] ?? '';
    errors.set(path, warning);
  }
  return errors;
}

export function Options() {
  const [view, setView] = useState<OptionsView | null>(null);
  const [loadProblem, setLoadProblem] = useState('');
  const [draft, setDraft] = useState<Settings | null>(null);
  const [typed, setTyped] = useState<CredentialChanges>({});
  const [dirty, setDirty] = useState(false);
  const [notice, setNotice] = useState<Notice>(null);
  const [test, setTest] = useState<TestState>({ kind: 'idle' });

  // For the storage listener below: unsaved edits here, and a save of ours under way.
  const dirtyNow = useRef(false);
  dirtyNow.current = dirty;
  const saving = useRef(false);

  const reload = () =>
    send('getOptions', {}).then(
      (next) => {
        setView(next);
        setDraft(next.settings);
        setTyped({});
        setDirty(false);
        dirtyNow.current = false;
      },
      (error) => setLoadProblem(String((error as Error)?.message ?? error)),
    );
  useEffect(() => void reload(), []);

  // Settings changed elsewhere (another options window, an import, a policy): shown at once, or,
  // while the admin has unsaved edits here, said so without touching them.
  useEffect(() => {
    const changed = (changes: Record<string, unknown>, area: string) => {
      if (saving.current) return;
      if (area !== 'managed' && !('settings' in changes) && !('credentials' in changes)) return;
      if (!dirtyNow.current) void reload();
      else setNotice({ kind: 'error', text: t('changedElsewhere') });
    };
    browser.storage.onChanged.addListener(changed);
    return () => browser.storage.onChanged.removeListener(changed);
  }, []);

  const errors = useMemo(() => fieldErrors(draft), [draft]);

  if (!view || !draft) {
    return (
      <main class="options-main">{loadProblem ? <p role="alert">{t('optionsLoadFailed', loadProblem)}</p> : null}</main>
    );
  }

  const change = (next: Settings) => {
    setDraft(next);
    setDirty(true);
    setNotice(null);
  };
  const setValue = (path: string, value: unknown) => change(setPath(draft, path, value));
  const changeCredentials = (next: CredentialChanges) => {
    setTyped(next);
    setDirty(true);
  };

  const save = (event: Event) => {
    event.preventDefault();
    if (errors.size) {
      setNotice({ kind: 'error', text: t('fixErrors'), details: [...errors.values()] });
      return;
    }
    // Asked before anything is awaited: the prompt needs the click's user gesture.
    const permission = requestOrigins(neededOrigins(draft));
    void permission.then(async (granted) => {
      saving.current = true;
      // What the notice said before (an import's "check, then save") no longer holds.
      setNotice(null);
      try {
        const result = await send('saveOptions', { settings: draft, credentials: credentialChanges(typed) });
        if (!result.ok) {
          setNotice({ kind: 'error', text: t('saveFailed'), details: result.problems });
          return;
        }
        await reload();
        // Secrets entered for the old server address were deleted (docs/security.md): say so.
        if (result.cleared?.length) {
          setNotice({ kind: 'error', text: t('credentialsCleared'), details: result.cleared });
          return;
        }
        setNotice({ kind: 'ok', text: granted ? t('savedApplied') : t('savedWithoutAccess') });
      } finally {
        saving.current = false;
      }
    });
  };

  const runTest = () => {
    // The Ozeki connector fetches from the PBX, which needs its origin: asked from the click.
    const permission =
      draft.connection.connector === 'ozeki' ? requestOrigins(serverPatterns(draft)) : Promise.resolve(true);
    setTest({ kind: 'running' });
    void permission.then(async () => {
      try {
        const result = await send('testConnection', { settings: draft, credentials: credentialChanges(typed) });
        setTest({ kind: 'done', result });
      } catch (error) {
        setTest({ kind: 'done', result: { outcome: 'failed', detail: String((error as Error)?.message ?? error) } });
      }
    });
  };

  const locked = (path: string) => isLocked(view.locked, path);
  return (
    <main class="options-main">
      <h1>{t('optionsTitle')}</h1>
      {view.warnings.length ? (
        <div class="banner warning" role="alert" data-banner="settings-defaults">
          <p>{t('settingsDefaultsBanner')}</p>
          <ul>
            {view.warnings.map((warning) => (
              <li key={warning}>{warning}</li>
            ))}
          </ul>
        </div>
      ) : null}
      {view.locked.length || view.credentialsLocked.length ? (
        <p class="banner info" data-banner="policy">
          {t('policyBanner')}
        </p>
      ) : null}
      <form onSubmit={save} noValidate>
        {sections().map(({ section, paths }) => {
          const shown = paths.filter((path) => appliesTo(path, draft));
          if (!shown.length) return null;
          return (
            <fieldset key={section} class={`section section-${section}`}>
              <legend>{t(sectionKey(section))}</legend>
              {section === 'record' ? (
                <CrmPresets settings={draft} locked={locked('record') || locked('lookup')} onApply={change} />
              ) : null}
              {shown.map((path) =>
                path === 'crm.sites' ? (
                  <CrmSites
                    key={path}
                    sites={draft.crm.sites}
                    locked={locked(path)}
                    onChange={(sites) => setValue(path, sites)}
                  />
                ) : (
                  <Field
                    key={path}
                    path={path}
                    value={getPath(draft, path)}
                    locked={locked(path)}
                    {...(errors.has(path) ? { error: t('invalidValue') } : {})}
                    onChange={(value) => setValue(path, value)}
                  />
                ),
              )}
              {section === 'crmlog' ? (
                <>
                  <CrmLogTemplates settings={draft} locked={locked('crmlog')} onApply={change} />
                  {draft.crmlog.mode === 'background' ? (
                    <Credentials
                      connector="crmlog"
                      typed={typed}
                      onChange={changeCredentials}
                      saved={view.credentialsSaved}
                      locked={view.credentialsLocked}
                    />
                  ) : null}
                </>
              ) : null}
              {section === 'lookup' && draft.lookup.mode === 'background' ? (
                <Credentials
                  connector="lookup"
                  typed={typed}
                  onChange={changeCredentials}
                  saved={view.credentialsSaved}
                  locked={view.credentialsLocked}
                />
              ) : null}
              {section === 'connection' ? (
                <>
                  <Credentials
                    connector={draft.connection.connector}
                    typed={typed}
                    onChange={changeCredentials}
                    saved={view.credentialsSaved}
                    locked={view.credentialsLocked}
                  />
                  {draft.connection.connector === 'cti' && !view.credentialsLocked.includes('token') ? (
                    <Enrolment
                      serverUrl={draft.connection.serverUrl}
                      allowInsecure={draft.connection.allowInsecure}
                      onSaving={(on) => {
                        saving.current = on;
                      }}
                      onEnrolled={() => void reload()}
                    />
                  ) : null}
                  <div class="test">
                    <button type="button" name="testConnection" onClick={runTest} disabled={test.kind === 'running'}>
                      {t('testConnection')}
                    </button>
                    <TestResult state={test} settings={draft} />
                  </div>
                </>
              ) : null}
            </fieldset>
          );
        })}
        <div class="save-bar">
          <button type="submit" class="primary" name="save">
            {t('save')}
          </button>
          <span class="dirty" aria-live="polite">
            {dirty ? t('unsavedChanges') : ''}
          </span>
          <NoticeView notice={notice} />
        </div>
      </form>
      <SettingsFile
        draft={draft}
        locked={view.locked}
        onImported={(settings) => {
          change(settings);
          setNotice({ kind: 'ok', text: t('importedReview') });
        }}
        onProblem={(text, details) => setNotice({ kind: 'error', text, details })}
        onReset={async () => {
          saving.current = true;
          try {
            const result = await send('saveOptions', { settings: loadSettings(undefined).settings });
            await reload();
            setNotice(result.ok ? { kind: 'ok', text: t('resetDone') } : { kind: 'error', text: t('saveFailed') });
          } finally {
            saving.current = false;
          }
        }}
      />
    </main>
  );
}

function NoticeView({ notice }: { notice: Notice }) {
  return (
    <div
      class={`notice${notice ? ` ${notice.kind}` : ''}`}
      role="status"
      aria-live="polite"
      data-notice={notice?.kind ?? ''}
    >
      {notice ? <p>{notice.text}</p> : null}
      {notice?.details?.length ? (
        <ul>
          {notice.details.map((detail) => (
            <li key={detail}>{detail}</li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
