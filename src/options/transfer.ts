/**
 * Settings files: export writes the `settings` object (docs/settings.md) and never a secret;
 * import accepts only a file that is entirely valid, and says what is wrong with one that is not.
 */
import { isRecord } from '../shared/guard';
import { loadSettings, type Settings } from '../shared/settings';

export type ImportResult = { ok: true; settings: Settings } | { ok: false; problems: string[] };

/** Keys that must never be in a settings file (they would be secrets). */
const SECRET_KEYS = ['token', 'credentials', 'password'];

export function parseSettingsFile(text: string): ImportResult {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return { ok: false, problems: [`not JSON: ${(error as Error).message}`] };
  }
  if (!isRecord(raw)) return { ok: false, problems: ['the file does not hold a settings object'] };
  if (!('version' in raw)) return { ok: false, problems: ['no "version": this is not a PopLine settings file'] };
  const { settings, warnings } = loadSettings(raw);
  const secrets = SECRET_KEYS.filter((key) => key in raw);
  const problems = [...warnings, ...secrets.map((key) => `"${key}" does not belong in a settings file`)];
  return problems.length ? { ok: false, problems } : { ok: true, settings };
}

export const settingsFileText = (settings: Settings): string => `${JSON.stringify(settings, null, 2)}\n`;

export const settingsFileName = (now = new Date()): string => `popline-settings-${now.toISOString().slice(0, 10)}.json`;

/** Offers the settings as a download (an extension page may create object URLs). */
export function downloadSettings(settings: Settings): void {
  const blob = new Blob([settingsFileText(settings)], { type: 'application/json' });
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = settingsFileName();
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
