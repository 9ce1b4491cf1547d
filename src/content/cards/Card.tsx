/** One caller card. Every string from the PBX is rendered as text by Preact. */
import { useEffect, useRef, useState } from 'preact/hooks';
import { t } from '../../i18n';
import type { CardView } from '../../shared/cards';
import type { Gesture } from '../../shared/dial/messages';
import { displayText, formatDuration } from '../../shared/format';
import type { SessionAction } from '../../shared/protocol';
import { callStateLabel } from '../../ui/format';
import { gestureOf } from '../../ui/gesture';
import { type CallNote, NoteForm } from '../../ui/NoteForm';
import { trusted } from '../../ui/trusted';
import { CallerInfo } from './CallerInfo';

export interface CardActions {
  close(sessionId: string): void;
  minimise(sessionId: string): void;
  /** Resolves to an error message, or null when the PBX accepted the action. */
  act(
    sessionId: string,
    action: SessionAction,
    target: string | undefined,
    gesture: Gesture | null,
  ): Promise<string | null>;
  copy(text: string): Promise<boolean>;
  dragStart(event: PointerEvent): void;
  /** Opens a looked-up record (the match's index) or "create contact"; resolves to an error or null. */
  openRecord(sessionId: string, match: number | 'create'): Promise<string | null>;
  /** Writes the call's note and outcome tag to the history; resolves to an error or null. */
  saveNote(sessionId: string, note: CallNote): Promise<string | null>;
  /** The agent is writing a note: the card stays on screen (even once its call is over) until done. */
  keepOpen(sessionId: string, on: boolean): void;
}

export interface CardProps {
  call: CardView;
  now: number;
  fading: boolean;
  canControl: boolean;
  /** The outcome tags offered in the note form. */
  dispositions: readonly string[];
  actions: CardActions;
}

const DIRECTION_KEY = { inbound: 'cardInbound', outbound: 'cardOutbound', internal: 'cardInternal' } as const;

/** Ring time while ringing, talk time once answered, the talk length when it ended. */
export function timerText(call: CardView, now: number): string {
  const end = call.endedAt ?? now;
  if (call.answeredAt !== undefined) return formatDuration(end - call.answeredAt);
  if (call.phase === 'ended') return '';
  return formatDuration(end - call.startedAt);
}

export const callerName = (call: CardView) => displayText(call.name) || t('unknownCaller');

function TransferForm({
  busy,
  onSubmit,
  onCancel,
}: {
  busy: boolean;
  onSubmit(to: string, event: Event): void;
  onCancel(): void;
}) {
  const [target, setTarget] = useState('');
  const input = useRef<HTMLInputElement>(null);
  // The agent asked for this form with a click: moving focus into it is expected here, and only here.
  useEffect(() => input.current?.focus(), []);
  return (
    <form
      class="transfer"
      onSubmit={trusted((event: Event) => {
        event.preventDefault();
        if (target.trim()) onSubmit(target.trim(), event);
      })}
    >
      <input
        ref={input}
        type="tel"
        aria-label={t('transferTo')}
        placeholder={t('transferTo')}
        value={target}
        maxLength={64}
        onInput={(event) => setTarget(event.currentTarget.value)}
        onKeyDown={(event) => event.key === 'Escape' && onCancel()}
      />
      <button type="submit" class="primary" disabled={busy || !target.trim()}>
        {t('transfer')}
      </button>
      <button type="button" onClick={trusted(() => onCancel())}>
        {t('cancel')}
      </button>
    </form>
  );
}

function Controls({ call, actions, onError }: { call: CardView; actions: CardActions; onError(m: string): void }) {
  const [transferring, setTransferring] = useState(false);
  const [busy, setBusy] = useState(false);
  // The background accepts call control from a card only with the click's (or key's) evidence.
  const run = async (action: SessionAction, event: Event, to?: string) => {
    setBusy(true);
    const error = await actions.act(call.sessionId, action, to, gestureOf(event));
    setBusy(false);
    if (error) onError(error);
    else setTransferring(false);
  };
  const ringingIn = call.phase === 'ringing' && call.direction !== 'outbound';
  if (transferring) {
    return (
      <TransferForm
        busy={busy}
        onCancel={() => setTransferring(false)}
        onSubmit={(to, event) => void run('blindTransfer', event, to)}
      />
    );
  }
  return (
    <div class="actions">
      <button
        type="button"
        class="danger"
        disabled={busy}
        onClick={trusted((event) => void run(ringingIn ? 'reject' : 'hangup', event))}
      >
        {t(ringingIn ? 'decline' : 'hangUp')}
      </button>
      {call.phase === 'connected' ? (
        <button type="button" disabled={busy} onClick={trusted((event) => void run('hold', event))}>
          {t('hold')}
        </button>
      ) : null}
      {call.phase === 'held' ? (
        <button type="button" disabled={busy} onClick={trusted((event) => void run('unhold', event))}>
          {t('resume')}
        </button>
      ) : null}
      {call.phase === 'connected' || call.phase === 'held' ? (
        <button type="button" disabled={busy} onClick={trusted(() => setTransferring(true))}>
          {t('transfer')}
        </button>
      ) : null}
    </div>
  );
}

export function Card({ call, now, fading, canControl, dispositions, actions }: CardProps) {
  const [message, setMessage] = useState('');
  const [noting, setNoting] = useState(false);
  const [saved, setSaved] = useState<CallNote>({ note: '', disposition: '' });
  const noteOpen = (on: boolean) => {
    setNoting(on);
    actions.keepOpen(call.sessionId, on);
  };
  const saveNote = async (note: CallNote) => {
    const error = await actions.saveNote(call.sessionId, note);
    if (error) {
      setMessage(t('noteFailed', error));
      return false;
    }
    setSaved(note);
    setMessage(t('noteSaved'));
    noteOpen(false);
    return true;
  };
  const savedText = [saved.disposition, saved.note].filter(Boolean).join(' · ');
  // A card minimised or closed while its note is open lets go of its place on screen.
  // (Only on unmount: the stack hands a new `actions` object on every render, so read the latest.)
  const latest = useRef({ noting, actions });
  latest.current = { noting, actions };
  useEffect(
    () => () => {
      if (latest.current.noting) latest.current.actions.keepOpen(call.sessionId, false);
    },
    [call.sessionId],
  );
  const name = callerName(call);
  const number = displayText(call.numberDisplay, 64);
  const active = call.endedAt === undefined;
  const copy = async () => setMessage((await actions.copy(call.number)) ? t('copied') : '');
  return (
    <section
      class={`card${fading ? ' fading' : ''}`}
      data-session={call.sessionId}
      data-phase={call.phase}
      data-outcome={call.endReason ?? ''}
      aria-label={t('cardLabel', name)}
    >
      <div class="bar" />
      <div class="body">
        <div
          class="top"
          onPointerDown={trusted((event: PointerEvent) => actions.dragStart(event))}
          title={t('moveCards')}
        >
          <span class="direction">{t(DIRECTION_KEY[call.direction])}</span>
          <span class="state">{callStateLabel(call)}</span>
          <span class="spacer" />
          <span class="timer">{timerText(call, now)}</span>
          <button
            type="button"
            class="icon"
            title={t('minimise')}
            aria-label={t('minimise')}
            onClick={trusted(() => actions.minimise(call.sessionId))}
          >
            –
          </button>
          <button
            type="button"
            class="icon close"
            title={t('close')}
            aria-label={t('close')}
            onClick={trusted(() => actions.close(call.sessionId))}
          >
            ×
          </button>
        </div>
        <div class="name" title={name}>
          {name}
        </div>
        <div class="line">
          <span class="number">{number}</span>
          <button type="button" class="link" onClick={trusted(() => void copy())}>
            {t('copyNumber')}
          </button>
          {noting ? null : (
            <button type="button" class="link" onClick={trusted(() => noteOpen(true))}>
              {t(savedText ? 'editNote' : 'addNote')}
            </button>
          )}
        </div>
        <CallerInfo
          lookup={call.lookup}
          open={(match) => actions.openRecord(call.sessionId, match)}
          onError={setMessage}
        />
        {call.transferredFrom ? (
          <div class="note">{t('transferredFrom', displayText(call.transferredFrom))}</div>
        ) : null}
        {savedText && !noting ? (
          <div class="note saved-note" title={savedText}>
            {displayText(savedText, 200)}
          </div>
        ) : null}
        {noting ? (
          <NoteForm initial={saved} dispositions={dispositions} onSave={saveNote} onCancel={() => noteOpen(false)} />
        ) : null}
        {active && canControl ? <Controls call={call} actions={actions} onError={setMessage} /> : null}
        <div class="message" aria-live="polite">
          {message}
        </div>
      </div>
    </section>
  );
}

/** A minimised card: one line, one click to open again. */
export function Pill({ call, now, onExpand }: { call: CardView; now: number; onExpand(id: string): void }) {
  const name = callerName(call);
  return (
    <button
      type="button"
      class="pill"
      data-session={call.sessionId}
      data-phase={call.phase}
      data-outcome={call.endReason ?? ''}
      aria-label={t('expand', name)}
      onClick={trusted(() => onExpand(call.sessionId))}
    >
      <span class="dot" />
      <span class="pill-name">{name}</span>
      <span class="timer">{timerText(call, now) || callStateLabel(call)}</span>
    </button>
  );
}
