/**
 * Enrolment with the PopLine bridge: the one-time code the agent typed is exchanged at the
 * bridge's `/enrol` for a token. The token goes straight into the stored credentials and the
 * bridge's address and the agent's extension into the settings; the options page only learns
 * who this browser now is. The code and the token never reach a URL or a log.
 */

import { readJsonLimited } from '../../shared/crm/lookup';
import { check } from '../../shared/guard';
import { log } from '../../shared/log';
import { cleanCode, type EnrolResult, enrolAnswerGuard, enrolRefusal, enrolUrl } from '../../shared/pbx/enrol';
import { normalisePermissions } from '../../shared/protocol';
import { setPath } from '../../shared/settings/paths';
import { forgetSettings } from '../settings';
import { credentialsStore, firstRunSettings, settingsStore } from '../storage';

const ENROL_TIMEOUT_MS = 8000;

export async function enrol(serverUrl: string, allowInsecure: boolean, typed: string): Promise<EnrolResult> {
  const url = enrolUrl(serverUrl, allowInsecure);
  if (!url) return { ok: false, problem: 'badAddress' };
  const code = cleanCode(typed);
  if (!code) return { ok: false, problem: 'noCode' };
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ code }),
      credentials: 'omit',
      redirect: 'error',
      cache: 'no-store',
      signal: AbortSignal.timeout(ENROL_TIMEOUT_MS),
    });
  } catch (error) {
    log.warn('enrolment: the bridge did not answer', (error as Error)?.name);
    return { ok: false, problem: 'unreachable' };
  }
  const body = await readJsonLimited(response).catch(() => undefined);
  if (!response.ok) {
    const said = (body as { message?: unknown } | undefined)?.message;
    return {
      ok: false,
      problem: enrolRefusal(response.status),
      ...(typeof said === 'string' ? { detail: said.slice(0, 200) } : {}),
    };
  }
  const answer = check(enrolAnswerGuard, body);
  if (!answer.ok) return { ok: false, problem: 'notBridge' };
  const { token, extension, expiresAt, fullName, userName } = answer.value;
  // Saved as the options page would save them: the user's own settings, with the new address and extension.
  const [own, credentials] = await Promise.all([settingsStore.loadOwn(), credentialsStore.loadOwn()]);
  // Nothing saved yet: the first-run settings (with their schema version), not a bare object.
  let settings: unknown = setPath(own ?? firstRunSettings(), 'connection.serverUrl', serverUrl);
  settings = setPath(settings, 'connection.connector', 'cti');
  if (extension) settings = setPath(settings, 'connection.extension', extension);
  await settingsStore.saveWithCredentials(settings, { ...credentials, token });
  forgetSettings();
  log.info(`enrolled with the bridge as extension ${extension}`);
  const name = fullName || userName;
  return {
    ok: true,
    extension,
    permissions: normalisePermissions(answer.value.permissions),
    ...(expiresAt ? { expiresAt } : {}),
    ...(name ? { name } : {}),
  };
}
