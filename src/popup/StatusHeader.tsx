/** The popup's header: the connection in words, why when it failed, who the agent is. */
import type { ComponentChildren } from 'preact';
import browser from 'webextension-polyfill';
import { displayText } from '../shared/format';
import type { StatusView } from '../shared/messages';
import { send, t } from '../ui/messenger';

const STATE_KEY: Record<StatusView['state'], string> = {
  ACCESS_GRANTED: 'statusConnected',
  CONNECTING: 'statusConnecting',
  ACCESS_DENIED: 'statusDenied',
  CONNECTION_FAILED: 'statusFailed',
  CONNECTION_CLOSED: 'statusClosed',
  DISCONNECTED: 'statusDisconnected',
};

export interface StatusHeaderProps {
  status: StatusView | null;
  /** Stored settings could not be used: the extension runs on defaults. */
  settingsProblem: boolean;
  /** The agent's own availability, where the server offers presence. */
  children?: ComponentChildren;
}

export function StatusHeader({ status, settingsProblem, children }: StatusHeaderProps) {
  const state = status?.state ?? 'DISCONNECTED';
  const who = [
    status?.extension ? t('extensionShort', status.extension) : '',
    displayText(status?.userName, 64),
  ].filter(Boolean);
  const openOptions = () => void browser.runtime.openOptionsPage();
  return (
    <header class="status-header">
      <div class="status-line">
        <span class="dot" data-state={state} aria-hidden="true" />
        <p class="status" data-state={state} role="status" aria-live="polite">
          {status ? t(STATE_KEY[state]) : t('statusLoading')}
        </p>
        <button type="button" class="link" onClick={openOptions}>
          {t('openOptions')}
        </button>
      </div>
      {who.length ? <p class="who">{who.join(' · ')}</p> : null}
      {children}
      {status?.detail && state !== 'ACCESS_GRANTED' ? <p class="detail">{displayText(status.detail)}</p> : null}
      {state !== 'ACCESS_GRANTED' && state !== 'CONNECTING' ? (
        <button type="button" class="small" onClick={() => void send('reconnect', {})}>
          {t('reconnect')}
        </button>
      ) : null}
      {settingsProblem ? (
        <p class="hint warning" role="alert">
          {t('settingsDefaultsHint')}{' '}
          <button type="button" class="link" onClick={openOptions}>
            {t('openOptions')}
          </button>
        </p>
      ) : null}
    </header>
  );
}
