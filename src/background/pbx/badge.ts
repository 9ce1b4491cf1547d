/**
 * The toolbar icon tells the connection state at a glance; a count shows ringing calls. Where the
 * server offers presence and chat (issue 16): Do Not Disturb or Away, and unread messages.
 */
import browser from 'webextension-polyfill';
import { t } from '../../i18n';
import { effectiveAvailability } from '../../shared/team/presence';
import type { RuntimeState } from '../storage';

/** What the badge says about the team while connected: text and colour, and words for the title. */
function teamBadge(state: RuntimeState): { text: string; color: string; words: string[] } | null {
  const { features } = state.connection;
  const words: string[] = [];
  const unread = features?.chat ? Object.values(state.team.unread).reduce((sum, n) => sum + n, 0) : 0;
  const self = features?.presence ? state.team.self : undefined;
  const availability = self ? effectiveAvailability(self, Date.now()) : 'available';
  if (availability === 'dnd') words.push(t('availabilityDnd'));
  if (availability === 'away') words.push(t('availabilityAway'));
  if (unread) words.push(t('badgeUnread', String(unread)));
  if (unread) return { text: unread > 99 ? '99+' : String(unread), color: '#1a73e8', words };
  if (availability === 'dnd') return { text: t('badgeDnd'), color: '#a50e0e', words };
  if (availability === 'away') return { text: t('badgeAway'), color: '#b06000', words };
  return words.length ? { text: '', color: '#1e8e3e', words } : null;
}

export function updateBadge(state: RuntimeState): void {
  const { connection } = state;
  const quiet = new Set(state.team.quiet);
  const ringing = Object.values(state.book.calls).filter(
    (call) => call.phase === 'ringing' && !quiet.has(call.sessionId),
  ).length;
  let text = '';
  let color = '#5f6368';
  let title: string;
  switch (connection.state) {
    case 'ACCESS_GRANTED': {
      const team = teamBadge(state);
      text = ringing ? String(ringing) : (team?.text ?? '');
      color = ringing || !team?.text ? '#1e8e3e' : team.color;
      title = [t('badgeConnected'), ...(team?.words ?? [])].join(' · ');
      break;
    }
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
