/** The toolbar popup: the connection, a dialler, the calls in progress and the recent calls. */
import { useEffect, useState } from 'preact/hooks';
import type { HistoryView } from '../shared/history';
import { getPath } from '../shared/settings/paths';
import { send } from '../ui/messenger';
import { ActiveCalls } from './ActiveCalls';
import { Dialer } from './Dialer';
import { useOptions, useStatus } from './hooks';
import { RecentCalls } from './RecentCalls';
import { StatusHeader } from './StatusHeader';
import type { Suggestion } from './Suggestions';

const SUGGESTION_SOURCE_SIZE = 100;

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
  const [recent, setRecent] = useState<Suggestion[]>([]);

  useEffect(() => {
    send('historyQuery', { kind: 'recent', pageSize: SUGGESTION_SOURCE_SIZE }).then(
      (page) => setRecent(recentNumbers(page.records)),
      () => undefined,
    );
  }, []);

  const settings = options?.settings;
  const canDial = !!status?.canDial;
  return (
    <main class="popup-main">
      <StatusHeader status={status} settingsProblem={!!options?.warnings.length} />
      <Dialer
        canDial={canDial}
        country={settings?.phone.defaultCountry ?? 'US'}
        confirmInternational={getPath(settings, 'dial.confirmInternational') === true}
        recent={recent}
      />
      <ActiveCalls calls={status?.calls ?? []} canControl={!!status?.canControl} />
      <RecentCalls canDial={canDial} dispositions={settings?.history.dispositions ?? []} />
    </main>
  );
}
