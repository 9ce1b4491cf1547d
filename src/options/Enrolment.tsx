/**
 * Enrolment with a PopLine bridge: the agent types the one-time code the administrator's CLI
 * printed (docs/bridge.md), once. The background exchanges it for a token and saves the token, the
 * address and the extension; this page only hears who the browser now is.
 */
import { useState } from 'preact/hooks';
import { displayText } from '../shared/format';
import type { EnrolResult } from '../shared/pbx/enrol';
import { send, t } from '../ui/messenger';
import { trusted } from '../ui/trusted';

export function enrolText(result: EnrolResult): string {
  if (result.ok) {
    const extension = displayText(result.extension, 64);
    return result.name ? t('enrol_okAs', extension, displayText(result.name, 64)) : t('enrol_ok', extension);
  }
  return t(`enrol_${result.problem}`, displayText(result.detail, 200));
}

export interface EnrolmentProps {
  serverUrl: string;
  allowInsecure: boolean;
  /** Called after a successful enrolment, which saved settings and credentials. */
  onEnrolled(): void;
  /** Tells the page that the next storage change is ours. */
  onSaving(saving: boolean): void;
}

export function Enrolment({ serverUrl, allowInsecure, onEnrolled, onSaving }: EnrolmentProps) {
  const [code, setCode] = useState('');
  const [state, setState] = useState<{ running: boolean; result?: EnrolResult; answers: number }>({
    running: false,
    answers: 0,
  });
  const enrol = trusted(async () => {
    setState((previous) => ({ ...previous, running: true }));
    onSaving(true);
    let result: EnrolResult;
    try {
      result = await send('enrol', { serverUrl, allowInsecure, code: code.slice(0, 64) || ' ' });
    } catch (error) {
      result = { ok: false, problem: 'failed', detail: String((error as Error)?.message ?? error) };
    } finally {
      onSaving(false);
    }
    setState((previous) => ({ running: false, result, answers: previous.answers + 1 }));
    if (result.ok) {
      setCode('');
      onEnrolled();
    }
  });
  const outcome = state.result ? (state.result.ok ? 'ok' : state.result.problem) : '';
  return (
    <div class="enrolment">
      <h3>{t('enrolTitle')}</h3>
      <p class="help">{t('enrolHelp')}</p>
      <label for="enrol-code">{t('enrolCode')}</label>
      <div class="row">
        <input
          id="enrol-code"
          name="enrolCode"
          type="text"
          autocomplete="one-time-code"
          spellcheck={false}
          maxLength={64}
          value={code}
          onInput={(event) => setCode(event.currentTarget.value)}
        />
        <button type="button" name="enrol" onClick={enrol} disabled={state.running}>
          {t('enrolButton')}
        </button>
      </div>
      <p class="enrol-result" role="status" aria-live="polite" data-outcome={outcome} data-answers={state.answers}>
        {state.running ? t('enrolRunning') : state.result ? enrolText(state.result) : ''}
      </p>
    </div>
  );
}
