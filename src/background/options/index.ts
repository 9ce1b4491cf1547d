/**
 * The options page's view of the settings and its save: the policy's values win and stay as
 * they are in the user's own settings (removing the policy gives the user their values back);
 * credentials are merged in, and never read back out.
 */
import browser from 'webextension-polyfill';
import type { ConnectionTestResult } from '../../shared/pbx/connectionTest';
import { loadSettings, type Settings } from '../../shared/settings';
import { boundCredentials } from '../../shared/settings/credentials';
import type { CredentialChanges, OptionsView, SaveOptionsResult } from '../../shared/settings/options';
import { deletePath, getPath, leafPaths, setPath } from '../../shared/settings/paths';
import { TEST_TIMEOUT_MS, testCti } from '../pbx/connectionTest';
import type { Connector } from '../pbx/connectors/types';
import { createOzekiConnector, ozekiRefusal } from '../pbx/ozeki';
import { forgetSettings } from '../settings';
import { credentialsStore, type Managed, managedStore, settingsStore } from '../storage';

export async function optionsView(): Promise<OptionsView> {
  const [loaded, managed, own] = await Promise.all([
    settingsStore.load(),
    managedStore.load(),
    credentialsStore.loadOwn(),
  ]);
  const known = new Set(leafPaths(loaded.settings));
  const locked = leafPaths(managed.settings ?? {}).filter((path) =>
    [...known].some((leaf) => leaf === path || leaf.startsWith(`${path}.`) || path.startsWith(`${leaf}.`)),
  );
  const saved = Object.entries(own).filter(([, value]) => typeof value === 'string' && value !== '');
  return {
    settings: loaded.settings,
    warnings: loaded.warnings,
    locked,
    credentialsSaved: [...new Set([...saved.map(([key]) => key), ...policyCredentials(managed)])],
    credentialsLocked: policyCredentials(managed),
  };
}

/** The credentials an administrator's policy sets (shown as saved and locked). */
const policyCredentials = (managed: Managed): string[] =>
  [managed.token ? 'token' : '', managed.lookupKey ? 'lookupKey' : '', managed.crmLogKey ? 'crmLogKey' : ''].filter(
    Boolean,
  );

export async function saveOptions(input: unknown, credentials?: CredentialChanges): Promise<SaveOptionsResult> {
  const { settings, warnings } = loadSettings(input);
  if (warnings.length) return { ok: false, problems: warnings };
  const [managed, stored] = await Promise.all([managedStore.load(), settingsStore.loadOwn()]);
  let next: unknown = settings;
  for (const path of leafPaths(managed.settings ?? {})) {
    const own = getPath(stored, path);
    next = own === undefined ? deletePath(next, path) : setPath(next, path, own);
  }
  let merged: Record<string, string> | undefined;
  if (credentials && Object.keys(credentials).length) {
    merged = { ...(await credentialsStore.loadOwn()) };
    for (const [key, value] of Object.entries(credentials)) {
      if (value) merged[key] = value;
      else delete merged[key];
    }
  }
  const typed = Object.entries(credentials ?? {})
    .filter(([, value]) => value)
    .map(([key]) => key);
  // A saved secret whose server changed is deleted: it was entered for the old one (docs/security.md).
  const { cleared } = await settingsStore.saveWithCredentials(next, merged, typed);
  forgetSettings();
  return cleared.length ? { ok: true, cleared } : { ok: true };
}

/** The credentials to test with: the ones typed, else the saved (or policy's) ones. */
export async function credentialsForTest(
  typed: CredentialChanges | undefined,
  settings: Settings,
): Promise<Record<string, string>> {
  const [{ values, origins }, managed] = await Promise.all([credentialsStore.stored(), managedStore.load()]);
  // Saved credentials only for the servers they were entered for: a test against a typed new
  // address never receives the old address's token (docs/security.md).
  const own = boundCredentials(values, origins, settings);
  const merged: Record<string, string> = { ...own, ...(managed.token ? { token: managed.token } : {}) };
  for (const [key, value] of Object.entries(typed ?? {})) if (value) merged[key] = value;
  return merged;
}

/** "Test connection" with the values on the page, saved or not. */
export async function testConnection(input: unknown, typed?: CredentialChanges): Promise<ConnectionTestResult> {
  const { settings, warnings } = loadSettings(input);
  const problems = warnings.filter((warning) => /^(connection|ozeki)\b/.test(warning));
  if (problems.length) return { outcome: 'badAddress', detail: problems.join('; ') };
  const credentials = await credentialsForTest(typed, settings);
  if (settings.connection.connector === 'ozeki') return testOzeki(settings, credentials);
  const { serverUrl, extension, allowInsecure } = settings.connection;
  return testCti({
    serverUrl,
    extension,
    allowInsecure,
    token: credentials.token ?? '',
    clientVersion: `${browser.runtime.getManifest().version} (connection test)`,
  });
}

/**
 * The Ozeki connector has no handshake to look at: a throwaway connector is opened, and its
 * first word decides (granted, refused, or why it could not poll).
 */
async function testOzeki(settings: Settings, credentials: Record<string, string>): Promise<ConnectionTestResult> {
  const refusal = await ozekiRefusal(settings);
  if (refusal) return { outcome: 'badAddress', detail: refusal.detail ?? '' };
  return new Promise((resolve) => {
    let connector: Connector | undefined;
    let settled = false;
    const finish = (result: ConnectionTestResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      connector?.close();
      resolve(result);
    };
    const timer = setTimeout(() => finish({ outcome: 'timeout' }), TEST_TIMEOUT_MS);
    connector = createOzekiConnector(
      settings,
      {
        token: '',
        ozekiUsername: credentials.ozekiUsername ?? '',
        ozekiPassword: credentials.ozekiPassword ?? '',
        lookupKey: '',
      },
      {
        status: (status) => {
          if (status.state === 'ACCESS_GRANTED') {
            finish({ outcome: 'connected', ...(status.userName ? { userName: status.userName } : {}) });
          } else if (status.state === 'ACCESS_DENIED') finish({ outcome: 'denied', detail: status.detail ?? '' });
        },
        call: () => undefined,
        closed: ({ retry, detail }) => finish({ outcome: retry ? 'unreachable' : 'denied', detail }),
      },
    );
    connector.open();
  });
}
