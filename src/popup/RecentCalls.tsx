/**
 * Recent calls from the call history: all or missed, a search by number or name, and a
 * one-click call back. Talks to the history store through the background (historyQuery).
 */
import { useEffect, useState } from 'preact/hooks';
import { displayText } from '../shared/format';
import type { HistoryView } from '../shared/history';
import { callTime } from '../ui/format';
import { send, t } from '../ui/messenger';
import { placeCall } from './dial';

const PAGE_SIZE = 20;
const SEARCH_DELAY_MS = 200;
const DIRECTION_MARK = { inbound: '↙', outbound: '↗', internal: '⇄' } as const;

export type RecentState =
  | { kind: 'loading' }
  | { kind: 'ready'; records: HistoryView[] }
  | { kind: 'failed'; message: string };

export interface RecentCallsProps {
  canDial: boolean;
  /** A call-back placed (or failed): the popup shows what happened. */
  onDialled?: (text: string) => void;
}

/** Fetches a page of history; a failure is reported in words, never thrown. */
export async function loadRecent(filter: 'recent' | 'missed', search: string): Promise<RecentState> {
  try {
    const text = search.trim();
    const page = await send('historyQuery', {
      kind: text ? 'search' : filter,
      ...(text ? { text } : {}),
      pageSize: PAGE_SIZE,
    });
    const records = filter === 'missed' && text ? page.records.filter((r) => r.outcome === 'missed') : page.records;
    return { kind: 'ready', records };
  } catch (error) {
    return { kind: 'failed', message: displayText(String((error as Error)?.message ?? error), 200) };
  }
}

export function RecentCalls({ canDial, onDialled }: RecentCallsProps) {
  const [filter, setFilter] = useState<'recent' | 'missed'>('recent');
  const [search, setSearch] = useState('');
  const [state, setState] = useState<RecentState>({ kind: 'loading' });
  const [message, setMessage] = useState('');

  useEffect(() => {
    let live = true;
    const timer = setTimeout(
      () => void loadRecent(filter, search).then((next) => live && setState(next)),
      search ? SEARCH_DELAY_MS : 0,
    );
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [filter, search]);

  const [pending, setPending] = useState<{ number: string; why: string } | null>(null);
  const callBack = async (number: string, confirmed = false) => {
    setPending(null);
    const result = await placeCall(number, confirmed);
    if (result.confirm) return setPending({ number, why: result.confirm });
    setMessage(result.text);
    onDialled?.(result.text);
  };

  return (
    <section class="recent" aria-labelledby="recent-title">
      <div class="recent-head">
        <h2 id="recent-title">{t('recentCalls')}</h2>
        <select
          aria-label={t('recentFilter')}
          value={filter}
          onChange={(event) => setFilter(event.currentTarget.value as 'recent' | 'missed')}
        >
          <option value="recent">{t('recentAll')}</option>
          <option value="missed">{t('recentMissed')}</option>
        </select>
      </div>
      <input
        type="search"
        class="recent-search"
        aria-label={t('recentSearch')}
        placeholder={t('recentSearch')}
        value={search}
        onInput={(event) => setSearch(event.currentTarget.value)}
      />
      {state.kind === 'loading' ? <p class="empty">{t('loading')}</p> : null}
      {state.kind === 'failed' ? <p class="empty">{t('historyUnavailable', state.message)}</p> : null}
      {state.kind === 'ready' && !state.records.length ? (
        <p class="empty">{search ? t('recentNoMatch') : t('recentNone')}</p>
      ) : null}
      {state.kind === 'ready' && state.records.length ? (
        <ul class="recent-list">
          {state.records.map((record) => (
            <RecentRow
              key={record.sessionId}
              record={record}
              canDial={canDial}
              onCall={(r) => void callBack(r.e164 ?? r.number)}
            />
          ))}
        </ul>
      ) : null}
      {pending ? (
        <div class="confirm" role="alertdialog" aria-labelledby="recent-confirm">
          <p id="recent-confirm">{pending.why}</p>
          <button type="button" class="primary" onClick={() => void callBack(pending.number, true)}>
            {t('call')}
          </button>
          <button type="button" onClick={() => setPending(null)}>
            {t('cancel')}
          </button>
        </div>
      ) : null}
      <p class="message" role="status" aria-live="polite">
        {message}
      </p>
    </section>
  );
}

function RecentRow({
  record,
  canDial,
  onCall,
}: {
  record: HistoryView;
  canDial: boolean;
  onCall: (record: HistoryView) => void;
}) {
  const name = displayText(record.name) || displayText(record.numberDisplay, 64) || t('unknownCaller');
  const outcome = record.outcome ? t(`end_${record.outcome}`) : t('recentInProgress');
  const direction = t(`direction_${record.direction}`);
  return (
    <li class="recent-row" data-outcome={record.outcome ?? ''} data-session={record.sessionId}>
      <span class="direction" title={direction} aria-hidden="true">
        {DIRECTION_MARK[record.direction]}
      </span>
      <span class="party">
        <span class="name">{name}</span>
        <span class="sub">
          {record.name ? `${displayText(record.numberDisplay, 64)} · ` : ''}
          {callTime(record.startedAt)} · {outcome}
        </span>
      </span>
      <button
        type="button"
        class="redial"
        disabled={!canDial || !record.number}
        aria-label={t('callBack', name)}
        title={t('callBack', name)}
        onClick={() => void onCall(record)}
      >
        ☎
      </button>
    </li>
  );
}
