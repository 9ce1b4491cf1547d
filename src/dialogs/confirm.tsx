/**
 * The dial confirmation window (confirm.html#<ticket>): an extension page in its own small
 * window, opened by the background when a dial needs a "yes" (international, premium, a burst,
 * or the menu/shortcut on a page that is not a CRM site). No page or content script can reach,
 * read or click it, and nothing in it is focused, so no stray Enter answers it (docs/security.md).
 */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { DialOutcome, DialQuestion } from '../shared/dial/messages';
import { failureKey } from '../shared/outcome';
import { send, t } from '../ui/messenger';
import { trusted } from '../ui/trusted';

const ticket = decodeURIComponent(location.hash.slice(1));
/** How long the outcome stays before the window closes itself. */
const CLOSE_AFTER_MS = 2500;

function outcomeText(outcome: DialOutcome): string {
  if (outcome.status === 'dialing') return t('clickDialCalling', outcome.display);
  if (outcome.status === 'confirm') return t('clickDialAskedInWindow', outcome.display);
  return t(failureKey(outcome.code), outcome.detail ?? outcome.display ?? '');
}

export function Confirm() {
  const [question, setQuestion] = useState<DialQuestion | null | undefined>(undefined);
  const [done, setDone] = useState<string>('');
  useEffect(() => {
    send('dialQuestion', { ticket }).then(setQuestion, () => setQuestion(null));
  }, []);
  const answer = async (yes: boolean) => {
    const outcome = await send('dialConfirm', { ticket, yes }).catch(
      (): DialOutcome => ({ status: 'failed', code: 'failed' }),
    );
    if (!yes) return window.close();
    setDone(outcomeText(outcome));
    setTimeout(() => window.close(), CLOSE_AFTER_MS);
  };
  if (question === undefined) return null;
  if (question === null) return <p class="confirm-text">{t('failure_expired')}</p>;
  return (
    <main class="confirm-dialog" aria-live="polite">
      <h1 class="confirm-title">{t('clickDialConfirmTitle', question.display)}</h1>
      <p class="confirm-number">{question.display}</p>
      {question.reasons.map((reason) => (
        <p key={reason} class="confirm-text">
          {t(`clickDialReason_${reason}`)}
        </p>
      ))}
      {done ? (
        <p class="confirm-outcome">{done}</p>
      ) : (
        <div class="actions">
          <button type="button" class="cancel" onClick={trusted(() => void answer(false))}>
            {t('clickDialCancel')}
          </button>
          <button type="button" class="primary call" onClick={trusted(() => void answer(true))}>
            {t('clickDialConfirm')}
          </button>
        </div>
      )}
    </main>
  );
}

const root = document.getElementById('app');
if (root) render(<Confirm />, root);
