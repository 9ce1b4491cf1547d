/** The options page: PBX connection and the basics of behaviour. */
import { useEffect, useState } from 'preact/hooks';
import browser from 'webextension-polyfill';
import { CARD_TARGETS, loadSettings, type Settings } from '../shared/settings';
import { t } from '../ui/messenger';

export function Options() {
  const [settings, setSettings] = useState<Settings | null>(null);
  const [token, setToken] = useState('');
  const [saved, setSaved] = useState('');

  useEffect(() => {
    void browser.storage.local.get(['settings', 'credentials']).then((stored) => {
      setSettings(loadSettings(stored.settings).settings);
      const credentials = stored.credentials as { token?: unknown } | undefined;
      setToken(typeof credentials?.token === 'string' ? credentials.token : '');
    });
  }, []);

  if (!settings) return <main />;

  const setConnection = (patch: Partial<Settings['connection']>) =>
    setSettings({ ...settings, connection: { ...settings.connection, ...patch } });

  const save = async (event: Event) => {
    event.preventDefault();
    await browser.storage.local.set({ settings, credentials: { token } });
    setSaved(t('saved'));
  };

  return (
    <main>
      <h1>{t('optionsTitle')}</h1>
      <form onSubmit={save}>
        <fieldset>
          <legend>{t('connectionSection')}</legend>
          <label>
            {t('serverUrl')}
            <input
              name="serverUrl"
              value={settings.connection.serverUrl}
              onInput={(e) => setConnection({ serverUrl: e.currentTarget.value })}
            />
          </label>
          <label>
            {t('extension')}
            <input
              name="extension"
              value={settings.connection.extension}
              onInput={(e) => setConnection({ extension: e.currentTarget.value })}
            />
          </label>
          <label>
            {t('token')}
            <input
              name="token"
              type="password"
              autocomplete="off"
              value={token}
              onInput={(e) => setToken(e.currentTarget.value)}
            />
          </label>
        </fieldset>
        <fieldset>
          <legend>{t('behaviourSection')}</legend>
          <label>
            {t('cardTarget')}
            <select
              name="cardTarget"
              value={settings.cards.target}
              onChange={(e) =>
                setSettings({
                  ...settings,
                  cards: { ...settings.cards, target: e.currentTarget.value as Settings['cards']['target'] },
                })
              }
            >
              {CARD_TARGETS.map((target) => (
                <option key={target} value={target}>
                  {t(`cardTarget_${target}`)}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t('defaultCountry')}
            <input
              name="defaultCountry"
              maxLength={2}
              value={settings.phone.defaultCountry}
              onInput={(e) =>
                setSettings({ ...settings, phone: { defaultCountry: e.currentTarget.value.toUpperCase() } })
              }
            />
          </label>
        </fieldset>
        <button type="submit">{t('save')}</button>
        <p role="status">{saved}</p>
      </form>
    </main>
  );
}
