/** The calls in progress, with the card's controls when the server grants control. */
import { useEffect, useState } from 'preact/hooks';
import type { CardView } from '../shared/cards';
import { displayText, formatDuration } from '../shared/format';
import { type ActionResult, failure } from '../shared/outcome';
import type { SessionAction } from '../shared/protocol';
import { callStateLabel, partyName } from '../ui/format';
import { send, t } from '../ui/messenger';
import { resultText } from './dial';

export interface ActiveCallsProps {
  calls: readonly CardView[];
  canControl: boolean;
  /** The PBX can answer the agent's phone: a ringing call offers "Answer". */
  canAnswer?: boolean;
}

export function ActiveCalls({ calls, canControl, canAnswer = false }: ActiveCallsProps) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  return (
    <section class="active-calls" aria-labelledby="active-title">
      <h2 id="active-title">{t('activeCalls')}</h2>
      {calls.length ? (
        <ul>
          {calls.map((call) => (
            <ActiveCall key={call.sessionId} call={call} canControl={canControl} canAnswer={canAnswer} now={now} />
          ))}
        </ul>
      ) : (
        <p class="empty">{t('noActiveCalls')}</p>
      )}
    </section>
  );
}

function timer(call: CardView, now: number): string {
  const since = call.answeredAt ?? call.startedAt;
  return formatDuration((call.endedAt ?? now) - since);
}

function ActiveCall({
  call,
  canControl,
  canAnswer,
  now,
}: {
  call: CardView;
  canControl: boolean;
  canAnswer: boolean;
  now: number;
}) {
  const [transferOpen, setTransferOpen] = useState(false);
  const [target, setTarget] = useState('');
  const [problem, setProblem] = useState('');
  /** A transfer target the dial policy asks about (premium, international, emergency): the question. */
  const [asking, setAsking] = useState<{ to: string; text: string } | null>(null);
  const act = async (action: SessionAction, to?: string, confirmed = false) => {
    setProblem('');
    setAsking(null);
    let result: ActionResult;
    try {
      result = await send('callAction', {
        sessionId: call.sessionId,
        action,
        ...(to ? { target: to } : {}),
        ...(confirmed ? { confirmed } : {}),
      });
    } catch (error) {
      result = failure('failed', String((error as Error)?.message ?? error));
    }
    if (!result.ok && result.code === 'confirm' && to) {
      const why = result.reasons.map((reason) => t(`clickDialReason_${reason}`)).join(' ');
      setAsking({ to, text: `${t('transferConfirmTitle', displayText(result.message, 64))} ${why}` });
    } else if (!result.ok) setProblem(resultText(result));
    else if (action === 'blindTransfer') setTransferOpen(false);
  };
  const name = partyName(call);
  const ringingIn = call.phase === 'ringing' && call.direction === 'inbound';
  return (
    <li class="call" data-session={call.sessionId} data-phase={call.phase}>
      <div class="call-line">
        <span class="name">{name}</span>
        <span class="timer">{timer(call, now)}</span>
      </div>
      <div class="call-line sub">
        <span class="number">{call.name ? displayText(call.numberDisplay, 64) : ''}</span>
        <span class="state">{callStateLabel(call)}</span>
      </div>
      {canControl ? (
        <fieldset class="controls">
          <legend class="sr-only">{t('callControls', name)}</legend>
          {ringingIn && canAnswer ? (
            <button type="button" class="primary" onClick={() => void act('accept')}>
              {t('answer')}
            </button>
          ) : null}
          {ringingIn ? (
            <button type="button" onClick={() => void act('reject')}>
              {t('decline')}
            </button>
          ) : null}
          {call.phase === 'connected' ? (
            <button type="button" onClick={() => void act('hold')}>
              {t('hold')}
            </button>
          ) : null}
          {call.phase === 'held' ? (
            <button type="button" onClick={() => void act('unhold')}>
              {t('resume')}
            </button>
          ) : null}
          {call.phase === 'connected' || call.phase === 'held' ? (
            <button type="button" aria-expanded={transferOpen} onClick={() => setTransferOpen(!transferOpen)}>
              {t('transfer')}
            </button>
          ) : null}
          {ringingIn ? null : (
            <button type="button" class="danger" onClick={() => void act('hangup')}>
              {t('hangUp')}
            </button>
          )}
        </fieldset>
      ) : null}
      {transferOpen ? (
        <form
          class="transfer"
          onSubmit={(event) => {
            event.preventDefault();
            if (target.trim()) void act('blindTransfer', target.trim());
          }}
        >
          <label>
            {t('transferTo')}
            <input
              type="tel"
              value={target}
              autocomplete="off"
              onInput={(event) => setTarget(event.currentTarget.value)}
            />
          </label>
          <button type="submit" class="primary">
            {t('transfer')}
          </button>
          <button type="button" onClick={() => setTransferOpen(false)}>
            {t('cancel')}
          </button>
        </form>
      ) : null}
      {asking ? (
        <div class="confirm" role="alertdialog">
          <p>{asking.text}</p>
          <button type="button" class="primary" onClick={() => void act('blindTransfer', asking.to, true)}>
            {t('transfer')}
          </button>
          <button type="button" onClick={() => setAsking(null)}>
            {t('cancel')}
          </button>
        </div>
      ) : null}
      {problem ? (
        <p class="error" role="alert">
          {problem}
        </p>
      ) : null}
    </li>
  );
}
