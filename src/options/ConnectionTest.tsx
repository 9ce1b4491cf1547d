/** "Test connection": the result in plain words, with what to do about it. */

import { displayText } from '../shared/format';
import type { ConnectionTestResult } from '../shared/pbx/connectionTest';
import type { Settings } from '../shared/settings';
import { t } from '../ui/messenger';

/** The address a user can open in a tab to see a certificate problem for themselves. */
export function httpsAddress(settings: Settings): string {
  const raw = settings.connection.connector === 'ozeki' ? settings.ozeki.apiUrl : settings.connection.serverUrl;
  if (!URL.canParse(raw)) return raw;
  const url = new URL(raw);
  return `https://${url.host}/`;
}

export function testResultText(result: ConnectionTestResult, settings: Settings): string {
  const detail = displayText(result.detail, 300);
  switch (result.outcome) {
    case 'connected':
      return result.userName ? t('test_connectedAs', displayText(result.userName, 64)) : t('test_connected');
    case 'denied':
      return detail ? t('test_deniedBecause', detail) : t('test_denied');
    case 'unreachable':
      if (detail) return t('test_unreachableBecause', detail);
      return httpsOnly(settings) ? t('test_unreachableSecure', httpsAddress(settings)) : t('test_unreachable');
    case 'tls':
      return t('test_tls', httpsAddress(settings));
    case 'badAddress':
      return t('test_badAddress', detail);
    case 'failed':
      return t('test_failed', detail);
    default:
      return t(`test_${result.outcome}`);
  }
}

const httpsOnly = (settings: Settings) =>
  (settings.connection.connector === 'ozeki' ? settings.ozeki.apiUrl : settings.connection.serverUrl).startsWith(
    settings.connection.connector === 'ozeki' ? 'https:' : 'wss:',
  );

const PERMISSIONS = ['dial', 'control', 'history', 'monitorAll'] as const;

/** Which server answered and what this token may do there: "PopLine bridge 0.1.0", "place calls, …". */
export function grantedText(result: ConnectionTestResult): string[] {
  if (result.outcome !== 'connected') return [];
  const lines: string[] = [];
  const server = [result.server?.name, result.server?.version].map((part) => displayText(part, 64)).filter(Boolean);
  if (server.length) lines.push(t('test_server', server.join(' ')));
  if (result.permissions) {
    const granted = PERMISSIONS.filter((name) => result.permissions?.[name]).map((name) => t(`permission_${name}`));
    lines.push(granted.length ? t('test_permissions', granted.join(', ')) : t('test_permissionsNone'));
  }
  return lines;
}

export type TestState = { kind: 'idle' } | { kind: 'running' } | { kind: 'done'; result: ConnectionTestResult };

export function TestResult({ state, settings }: { state: TestState; settings: Settings }) {
  const text =
    state.kind === 'running' ? t('testRunning') : state.kind === 'done' ? testResultText(state.result, settings) : '';
  const outcome = state.kind === 'done' ? state.result.outcome : '';
  const granted = state.kind === 'done' ? grantedText(state.result) : [];
  return (
    <div
      class={`test-result${outcome ? ` outcome-${outcome}` : ''}`}
      role="status"
      aria-live="polite"
      data-outcome={outcome}
    >
      <p>{text}</p>
      {granted.map((line) => (
        <p class="granted" key={line}>
          {line}
        </p>
      ))}
    </div>
  );
}
