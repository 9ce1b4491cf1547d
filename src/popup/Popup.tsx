/** The toolbar popup: connection state, a dialer, the active calls. */
import { useEffect, useState } from 'preact/hooks';
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

export function Popup() {
  const [status, setStatus] = useState<StatusView | null>(null);
  const [number, setNumber] = useState('');
  const [message, setMessage] = useState('');

  useEffect(() => {
    const refresh = () => send('getStatus', {}).then(setStatus, () => setStatus(null));
    void refresh();
    const timer = setInterval(refresh, 1000);
    return () => clearInterval(timer);
  }, []);

  const dial = async (event: Event) => {
    event.preventDefault();
    if (!number.trim()) return;
    setMessage(t('dialing'));
    const result = await send('dial', { number: number.trim() });
    setMessage(result.ok ? t('dialStarted') : displayText(result.message));
  };

  return (
    <main>
      <header>
        <h1>PopLine</h1>
        <p class="status" data-state={status?.state ?? 'DISCONNECTED'}>
          {t(STATE_KEY[status?.state ?? 'DISCONNECTED'])}
          {status?.extension ? ` · ${t('extensionShort', status.extension)}` : ''}
        </p>
        {status?.detail ? <p class="detail">{displayText(status.detail)}</p> : null}
        <button type="button" onClick={() => void send('reconnect', {})}>
          {t('reconnect')}
        </button>
      </header>
      <form onSubmit={dial}>
        <label for="number">{t('dialLabel')}</label>
        <input
          id="number"
          type="tel"
          autocomplete="off"
          value={number}
          onInput={(e) => setNumber(e.currentTarget.value)}
        />
        <button type="submit" disabled={!status?.canDial}>
          {t('call')}
        </button>
        <p class="message" role="status">
          {message}
        </p>
      </form>
      <section>
        <h2>{t('activeCalls')}</h2>
        {status?.calls.length ? (
          <ul>
            {status.calls.map((call) => (
              <li key={call.sessionId}>
                {displayText(call.name) || displayText(call.numberDisplay)} · {t(`state_${call.phase}`)}
              </li>
            ))}
          </ul>
        ) : (
          <p>{t('noActiveCalls')}</p>
        )}
      </section>
    </main>
  );
}
