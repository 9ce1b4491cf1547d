/** One caller card. Every string from the PBX is rendered as text by Preact. */
import { useEffect, useRef, useState } from 'preact/hooks';
import { t } from '../../i18n';
import type { CardView } from '../../shared/cards';
import type { EntryEvent, EntryKind } from '../../shared/cards/entry';
import type { CardCrmLog } from '../../shared/crm/log/outbox';
import type { Gesture } from '../../shared/dial/messages';
import { displayText, formatDuration } from '../../shared/format';
import type { SessionAction } from '../../shared/protocol';
import { callStateLabel } from '../../ui/format';
import { gestureOf } from '../../ui/gesture';
import { trusted } from '../../ui/trusted';
import { CallerInfo } from './CallerInfo';
import { EntryFrame } from './EntryFrame';

export interface CardActions {
  close(sessionId: string): void;
  minimise(sessionId: string): void;
  /** Resolves to an error message, or null when the PBX accepted the action. */
  act(sessionId: string, action: SessionAction, gesture: Gesture | null): Promise<string | null>;
  copy(text: string): Promise<boolean>;
  dragStart(event: PointerEvent): void;
  /** Opens a looked-up record (the match's index) or "create contact"; resolves to an error or null. */
  openRecord(sessionId: string, match: number | 'create'): Promise<string | null>;
  /** The address of the entry frame (entry.html) where this call's note or transfer target is typed. */
  entryUrl(kind: EntryKind, sessionId: string, phase: string, quiet?: boolean): string;
  /** The agent is writing a note: the card stays on screen (even once its call is over) until done. */
  keepOpen(sessionId: string, on: boolean): void;
  /** "Log now" (ends the wrap-up) or "Retry" a failed log, with the click's evidence; resolves to an error or null. */
  logNow?(sessionId: string, gesture: Gesture | null): Promise<string | null>;
}

export interface CardProps {
  call: CardView;
  now: number;
  fading: boolean;
  canControl: boolean;
  /** The PBX can answer the agent's phone: a ringing card offers "Answer" (issue 16). */
  canAnswer?: boolean;
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

function Controls({
  call,
  actions,
  onError,
  canAnswer = false,
}: {
  call: CardView;
  actions: CardActions;
  onError(m: string): void;
  canAnswer?: boolean;
}) {
  const [transferring, setTransferring] = useState(false);
  const [busy, setBusy] = useState(false);
  // The background accepts call control from a card only with the click's (or key's) evidence.
  const run = async (action: SessionAction, event: Event) => {
    setBusy(true);
    const error = await actions.act(call.sessionId, action, gestureOf(event));
    setBusy(false);
    if (error) onError(error);
    else setTransferring(false);
  };
  const ringingIn = call.phase === 'ringing' && call.direction !== 'outbound';
  if (transferring) {
    // Typed in the entry frame, which sends the transfer itself; it tells the card when it is done.
    return (
      <EntryFrame
        src={actions.entryUrl('transfer', call.sessionId, call.phase)}
        label={t('transferTo')}
        onEvent={(event: EntryEvent) => (event.type === 'done' || event.type === 'closed') && setTransferring(false)}
      />
    );
  }
  return (
    <div class="actions">
      {ringingIn && canAnswer ? (
        <button type="button" class="primary" disabled={busy} onClick={trusted((event) => void run('accept', event))}>
          {t('answer')}
        </button>
      ) : null}
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

/** What the card says of the call's log into the CRM. The CRM's reason is untrusted text: clipped, as text. */
export function crmLogText(log: CardCrmLog, now: number): string {
  const reason = log.reason ? displayText(log.reason, 160) : '';
  switch (log.state) {
    case 'wrapUp':
      return t('cardLogCountdown', formatDuration(Math.max(0, (log.dueAt ?? now) - now + 999)));
    case 'logged':
      return t('crmLogLogged');
    case 'failed':
      return t('crmLogFailed', reason || '?');
    case 'manual':
      return t('crmLogManual');
    default:
      if (log.paused) return t('crmLogPaused');
      return reason ? t('crmLogWaitingWhy', reason) : t('crmLogWaiting');
  }
}

/** The wrap-up's countdown and "Log now", then logged, waiting, or failed with the reason and "Retry". */
function CrmLogLine({
  log,
  now,
  logNow,
  onError,
}: {
  log: CardCrmLog;
  now: number;
  logNow(gesture: Gesture | null): Promise<string | null>;
  onError(message: string): void;
}) {
  const [busy, setBusy] = useState(false);
  const action =
    log.state === 'wrapUp'
      ? t('cardLogNow')
      : log.state === 'failed'
        ? t('crmLogRetry')
        : log.state === 'manual'
          ? t('crmLogNow')
          : null;
  const run = async (event: Event) => {
    setBusy(true);
    const error = await logNow(gestureOf(event));
    setBusy(false);
    if (error) onError(error);
  };
  return (
    <div class="crm-log" data-crm-log={log.paused ? 'paused' : log.state} role="status">
      <span class={`crm-log-text${log.state === 'wrapUp' ? ' countdown' : ''}`}>{crmLogText(log, now)}</span>
      {action ? (
        <button
          type="button"
          class="link"
          name="crmLogNow"
          disabled={busy}
          onClick={trusted((event) => void run(event))}
        >
          {action}
        </button>
      ) : null}
    </div>
  );
}

/** What the card knows of a saved note: the tag, and whether there is text (the text stays in the frame). */
interface SavedNote {
  disposition: string;
  noted: boolean;
}

export function Card({ call, now, fading, canControl, canAnswer, actions }: CardProps) {
  const [message, setMessage] = useState('');
  const [noting, setNoting] = useState(false);
  // The form the wrap-up opened by itself (not by a click): it does not take the focus.
  const [quiet, setQuiet] = useState(false);
  const [saved, setSaved] = useState<SavedNote>({ disposition: '', noted: false });
  const section = useRef<HTMLElement>(null);
  // A form the wrap-up opened does not keep the card by itself (the wrap-up holds it): only once
  // the agent is in it when the wrap-up ends, or opened it with a click.
  const noteOpen = (on: boolean, byCard = false) => {
    const wasKept = noting && !quiet;
    setNoting(on);
    setQuiet(on && byCard);
    if (on && byCard) return;
    if (on || wasKept) actions.keepOpen(call.sessionId, on);
  };
  // The wrap-up (docs/crm.md): the note and tag form is offered as the call ends, once. When the
  // wrap-up ends (saved, time up, "Log now"), a form it opened goes unless the agent is in it:
  // what they typed there is logged with the call.
  const wrapUp = call.crmLog?.state === 'wrapUp';
  // Once each, in this order; marked before acting, as keeping the card redraws the stack at once.
  const offered = useRef<'no' | 'offered' | 'over'>('no');
  const latestNote = useRef({ noting, quiet, noteOpen });
  latestNote.current = { noting, quiet, noteOpen };
  useEffect(() => {
    const current = latestNote.current;
    if (wrapUp && offered.current === 'no') {
      offered.current = 'offered';
      if (!current.noting) current.noteOpen(true, true);
    } else if (!wrapUp && offered.current === 'offered') {
      offered.current = 'over';
      if (!current.noting || !current.quiet) return;
      const frame = section.current?.querySelector('iframe');
      const root = section.current?.getRootNode() as Document | ShadowRoot | undefined;
      if (frame && root?.activeElement === frame) current.noteOpen(true);
      else current.noteOpen(false);
    }
  }, [wrapUp]);
  // The note is typed and saved in the entry frame; the card learns only that it was, and the tag.
  const noteEvent = (event: EntryEvent) => {
    if (event.type === 'saved') {
      setSaved({ disposition: event.disposition, noted: event.noted });
      setMessage(t('noteSaved'));
      noteOpen(false);
    } else if (event.type === 'closed') noteOpen(false);
  };
  const savedText = saved.disposition;
  const hasNote = saved.noted || saved.disposition !== '';
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
      ref={section}
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
              {t(hasNote ? 'editNote' : 'addNote')}
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
          <EntryFrame
            src={actions.entryUrl('note', call.sessionId, call.phase, quiet)}
            label={t('noteLabel')}
            onEvent={noteEvent}
            autoFocus={!quiet}
          />
        ) : null}
        {call.crmLog ? (
          <CrmLogLine
            log={call.crmLog}
            now={now}
            logNow={(gesture) => actions.logNow?.(call.sessionId, gesture) ?? Promise.resolve(null)}
            onError={setMessage}
          />
        ) : null}
        {active && canControl ? (
          <Controls call={call} actions={actions} onError={setMessage} canAnswer={canAnswer} />
        ) : null}
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
