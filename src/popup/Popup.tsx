/**
 * The toolbar popup: the connection, a dialler, the calls in progress and the recent calls; where
 * the server offers them (issue 16), the agent's own availability, the Team and the Messages.
 */
import { useEffect, useState } from 'preact/hooks';
import type { HistoryView } from '../shared/history';
import { getPath } from '../shared/settings/paths';
import { send, t } from '../ui/messenger';
import { ActiveCalls } from './ActiveCalls';
import { OwnAvailability } from './Availability';
import { Dialer } from './Dialer';
import { useOptions, useStatus } from './hooks';
import { Messages } from './Messages';
import { RecentCalls } from './RecentCalls';
import { StatusHeader } from './StatusHeader';
import type { Suggestion } from './Suggestions';
import { Team } from './Team';
import { useTeam } from './teamData';

const SUGGESTION_SOURCE_SIZE = 100;

type View = 'phone' | 'team' | 'messages';

/** Distinct numbers from recent calls, newest first, for the dialler's suggestions. */
export function recentNumbers(records: readonly HistoryView[]): Suggestion[] {
  const seen = new Set<string>();
  const out: Suggestion[] = [];
  for (const record of records) {
    const number = record.e164 ?? record.number;
    if (!number || seen.has(number)) continue;
    seen.add(number);
    out.push({ number, display: record.numberDisplay || number, ...(record.name ? { name: record.name } : {}) });
  }
  return out;
}

export function Popup() {
  const status = useStatus();
  const options = useOptions();
  const team = useTeam();
  const [recent, setRecent] = useState<Suggestion[]>([]);
  const [view, setView] = useState<View>('phone');
  const [peer, setPeer] = useState<string | null>(null);
  const [favourites, setFavourites] = useState<string[] | null>(null);

  useEffect(() => {
    send('historyQuery', { kind: 'recent', pageSize: SUGGESTION_SOURCE_SIZE }).then(
      (page) => setRecent(recentNumbers(page.records)),
      () => undefined,
    );
  }, []);

  const settings = options?.settings;
  const canDial = !!status?.canDial;
  const hasTeam = !!team?.view.hasPresence;
  const hasChat = !!team?.view.hasChat;
  const shown: View = (view === 'team' && !hasTeam) || (view === 'messages' && !hasChat) ? 'phone' : view;
  const unread = Object.values(team?.view.unread ?? {}).reduce((sum, n) => sum + n, 0);
  const transferable = status?.canControl
    ? status.calls.find((call) => call.phase === 'connected' || call.phase === 'held')
    : undefined;
  const teamData = team && favourites ? { ...team, view: { ...team.view, favourites } } : team;
  return (
    <main class="popup-main">
      <StatusHeader status={status} settingsProblem={!!options?.warnings.length}>
        {hasTeam ? <OwnAvailability self={team?.view.self} /> : null}
      </StatusHeader>
      {hasTeam || hasChat ? (
        <nav class="views" aria-label={t('viewsLabel')}>
          <button type="button" aria-pressed={shown === 'phone'} onClick={() => setView('phone')}>
            {t('viewPhone')}
          </button>
          {hasTeam ? (
            <button type="button" aria-pressed={shown === 'team'} onClick={() => setView('team')}>
              {t('viewTeam')}
            </button>
          ) : null}
          {hasChat ? (
            <button type="button" aria-pressed={shown === 'messages'} onClick={() => setView('messages')}>
              {unread ? t('viewMessagesUnread', String(unread)) : t('viewMessages')}
            </button>
          ) : null}
        </nav>
      ) : null}
      {shown === 'team' && teamData ? (
        <>
          <ActiveCalls calls={status?.calls ?? []} canControl={!!status?.canControl} canAnswer={!!status?.canAnswer} />
          <Team
            team={teamData}
            canDial={canDial}
            transferable={transferable}
            onMessage={(extension) => {
              setPeer(extension);
              setView('messages');
            }}
            onFavourites={setFavourites}
          />
        </>
      ) : shown === 'messages' && teamData ? (
        <Messages team={teamData} peer={peer} onPeer={setPeer} />
      ) : (
        <>
          <Dialer
            canDial={canDial}
            country={settings?.phone.defaultCountry ?? 'US'}
            confirmInternational={getPath(settings, 'dial.confirmInternational') === true}
            recent={recent}
          />
          <ActiveCalls calls={status?.calls ?? []} canControl={!!status?.canControl} canAnswer={!!status?.canAnswer} />
          <RecentCalls canDial={canDial} dispositions={settings?.history.dispositions ?? []} />
        </>
      )}
    </main>
  );
}
