/**
 * Recent calls from the call history: all or missed, a search by number or name, a one-click
 * call back, and each call's note and outcome tag. Talks to the history store through the
 * background (historyQuery, historySetNote).
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { CrmLogView } from '../shared/crm/log/outbox';
import { displayText } from '../shared/format';
import type { HistoryView } from '../shared/history';
import { callTime } from '../ui/format';
import { send, t } from '../ui/messenger';
import { type CallNote, NoteForm } from '../ui/NoteForm';
import { CrmLogState, useCrmLogStates } from './CrmLogState';
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
  /** The outcome tags offered in a call's note (settings `history.dispositions`). */
  dispositions?: readonly string[];
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

/** Saves a call's note; resolves to an error in words, or null. */
export async function saveNote(sessionId: string, { note, disposition }: CallNote): Promise<string | null> {
  try {
    const result = await send('historySetNote', { sessionId, note, disposition });
    return result.ok ? null : result.message;
  } catch (error) {
    return displayText(String((error as Error)?.message ?? error), 200);
  }
}

export function RecentCalls({ canDial, dispositions = [], onDialled }: RecentCallsProps) {
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

  const crmLog = useCrmLogStates(state.kind === 'ready' ? state.records.map((record) => record.sessionId) : []);

  const [noting, setNoting] = useState<string | null>(null);
  const onSaveNote = async (record: HistoryView, note: CallNote) => {
    const error = await saveNote(record.sessionId, note);
    if (error) {
      setMessage(t('noteFailed', error));
      return false;
    }
    const changed = { ...record, note: note.note || undefined, disposition: note.disposition || undefined };
    setState((current) =>
      current.kind === 'ready'
        ? { kind: 'ready', records: current.records.map((r) => (r.sessionId === record.sessionId ? changed : r)) }
        : current,
    );
    setNoting(null);
    setMessage(t('noteSaved'));
    return true;
  };

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
              noting={noting === record.sessionId}
              onNote={(on) => setNoting(on ? record.sessionId : null)}
              dispositions={dispositions}
              onSaveNote={(note) => onSaveNote(record, note)}
              crmLog={
                crmLog.views[record.sessionId] ? (
                  <CrmLogState
                    view={crmLog.views[record.sessionId] as CrmLogView}
                    onRetry={() => void crmLog.retry(record.sessionId)}
                    onOpen={() => void crmLog.open(record.sessionId)}
                  />
                ) : null
              }
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
  noting,
  onNote,
  dispositions,
  onSaveNote,
  crmLog,
}: {
  /** The call's state in the CRM's call log, when it has one. */
  crmLog?: ComponentChildren;
  record: HistoryView;
  canDial: boolean;
  onCall: (record: HistoryView) => void;
  noting: boolean;
  onNote: (on: boolean) => void;
  dispositions: readonly string[];
  onSaveNote: (note: CallNote) => Promise<boolean>;
}) {
  const name = displayText(record.name) || displayText(record.numberDisplay, 64) || t('unknownCaller');
  const outcome = record.outcome ? t(`end_${record.outcome}`) : t('recentInProgress');
  const direction = t(`direction_${record.direction}`);
  const noted = [record.disposition, record.note].filter(Boolean).join(' · ');
  const row = useRef<HTMLLIElement>(null);
  // The list scrolls: the opened note form comes into view whole.
  useEffect(() => {
    if (noting) row.current?.querySelector('.note-form .actions')?.scrollIntoView?.({ block: 'nearest' });
  }, [noting]);
  return (
    <li ref={row} class="recent-row" data-outcome={record.outcome ?? ''} data-session={record.sessionId}>
      <div class="row-line">
        <span class="direction" title={direction} aria-hidden="true">
          {DIRECTION_MARK[record.direction]}
        </span>
        <span class="party">
          <span class="name">{name}</span>
          <span class="sub">
            {record.name ? `${displayText(record.numberDisplay, 64)} · ` : ''}
            {callTime(record.startedAt)} · {outcome}
          </span>
          {noted ? (
            <span class="sub noted" title={noted}>
              {displayText(noted, 200)}
            </span>
          ) : null}
          {crmLog}
        </span>
        <button
          type="button"
          class="note-button"
          aria-expanded={noting}
          aria-label={t('noteFor', name)}
          title={t(noted ? 'editNote' : 'addNote')}
          onClick={() => onNote(!noting)}
        >
          ✎
        </button>
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
      </div>
      {noting ? (
        <NoteForm
          initial={{ note: record.note ?? '', disposition: record.disposition ?? '' }}
          dispositions={dispositions}
          onSave={onSaveNote}
          onCancel={() => onNote(false)}
        />
      ) : null}
    </li>
  );
}
