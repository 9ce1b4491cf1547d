/** What the options page and the popup get to know about the settings (never a secret). */
import type { Settings } from '.';

export interface OptionsView {
  /** The settings in force: the user's, with the administrator's policy over them. */
  settings: Settings;
  /** Why stored settings were not used as they are (corrupt, unknown version): empty when fine. */
  warnings: string[];
  /** Dotted paths set by policy: shown, but not changeable. */
  locked: string[];
  /** Names of the credentials that have a value (`token`, …); the values stay in the background. */
  credentialsSaved: string[];
  /** Names of the credentials that policy sets. */
  credentialsLocked: string[];
}

/** `cleared`: saved credentials deleted because their server changed; they must be entered again. */
export type SaveOptionsResult = { ok: true; cleared?: string[] } | { ok: false; problems: string[] };

/** Credentials the options page may set; an empty string removes one. */
export type CredentialChanges = Record<string, string>;
