/** Export, import and reset: the settings as a JSON file (docs/settings.md), never a secret. */
import { useRef, useState } from 'preact/hooks';
import type { Settings } from '../shared/settings';
import { getPath, setPath } from '../shared/settings/paths';
import { t } from '../ui/messenger';
import { downloadSettings, parseSettingsFile } from './transfer';

const readText = (file: File): Promise<string> =>
  new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error);
    reader.readAsText(file);
  });

export interface SettingsFileProps {
  draft: Settings;
  locked: readonly string[];
  onImported: (settings: Settings) => void;
  onProblem: (text: string, details: string[]) => void;
  onReset: () => Promise<void>;
}

export function SettingsFile({ draft, locked, onImported, onProblem, onReset }: SettingsFileProps) {
  const file = useRef<HTMLInputElement>(null);
  const [confirmReset, setConfirmReset] = useState(false);

  const onFile = async (event: Event) => {
    const input = event.currentTarget as HTMLInputElement;
    const chosen = input.files?.[0];
    input.value = '';
    if (!chosen) return;
    const result = parseSettingsFile(await readText(chosen));
    if (!result.ok) return onProblem(t('importRejected', chosen.name), result.problems);
    // Settings the administrator set stay as they are.
    let next = result.settings;
    for (const path of locked) next = setPath(next, path, getPath(draft, path));
    onImported(next);
  };

  return (
    <section class="settings-file" aria-labelledby="file-title">
      <h2 id="file-title">{t('settingsFileTitle')}</h2>
      <p class="help">{t('settingsFileHelp')}</p>
      <div class="row">
        <button type="button" name="export" onClick={() => downloadSettings(draft)}>
          {t('exportSettings')}
        </button>
        <button type="button" name="import" onClick={() => file.current?.click()}>
          {t('importSettings')}
        </button>
        <input
          ref={file}
          type="file"
          name="importFile"
          accept="application/json,.json"
          class="sr-only"
          tabIndex={-1}
          aria-label={t('importSettings')}
          onChange={(event) => void onFile(event)}
        />
        {confirmReset ? (
          <span class="confirm">
            <span>{t('resetConfirm')}</span>
            <button
              type="button"
              class="danger"
              name="confirmReset"
              onClick={() => {
                setConfirmReset(false);
                void onReset();
              }}
            >
              {t('resetSettings')}
            </button>
            <button type="button" onClick={() => setConfirmReset(false)}>
              {t('cancel')}
            </button>
          </span>
        ) : (
          <button type="button" name="reset" onClick={() => setConfirmReset(true)}>
            {t('resetSettings')}
          </button>
        )}
      </div>
    </section>
  );
}
