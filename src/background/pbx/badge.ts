/** The toolbar icon tells the connection state at a glance; a count shows ringing calls. */
import browser from 'webextension-polyfill';
import { t } from '../../i18n';
import type { RuntimeState } from '../storage';

export function updateBadge(state: RuntimeState): void {
  const { connection } = state;
  const ringing = Object.values(state.book.calls).filter((call) => call.phase === 'ringing').length;
  let text = '';
  let color = '#5f6368';
  let title: string;
  switch (connection.state) {
    case 'ACCESS_GRANTED':
      text = ringing ? String(ringing) : '';
      color = '#1e8e3e';
      title = t('badgeConnected');
      break;
    case 'CONNECTING':
      text = '…';
      title = t('badgeConnecting');
      break;
    case 'ACCESS_DENIED':
      text = '!';
      color = '#d93025';
      title = t('badgeDenied');
      break;
    default:
      text = 'off';
      title = t('badgeOffline');
  }
  const detail = connection.detail ? `\n${connection.detail}` : '';
  void browser.action.setBadgeText({ text }).catch(() => undefined);
  void browser.action.setBadgeBackgroundColor({ color }).catch(() => undefined);
  void browser.action.setTitle({ title: `PopLine: ${title}${detail}` }).catch(() => undefined);
}
