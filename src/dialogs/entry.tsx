/**
 * The card's text entry (entry.html#k=note|transfer&s=<session>&d=<dark>&p=<phase>), an
 * extension page in a frame of the CRM tab (issue 18, gap 11). The agent types the note or the
 * transfer target here: the page cannot read this document or see its key, input and
 * selection events. It talks to the background directly (as the `frame` sender: only calls its
 * tab showed), and tells the card only its height and when it is done (shared/cards/entry.ts).
 */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ENTRY_KEY, type EntryEvent, type EntryParams, parseEntryHash } from '../shared/cards/entry';
import type { EntryStart } from '../shared/messages';
import type { ActionResult } from '../shared/outcome';
import { failureText } from '../ui/format';
import { FORM_CSS } from '../ui/formStyles';
import { gestureOf } from '../ui/gesture';
import { send, t } from '../ui/messenger';
import { type CallNote, NoteForm } from '../ui/NoteForm';
import { TransferForm } from '../ui/TransferForm';

const ENTRY_CSS = `${FORM_CSS}
html, body { margin: 0; padding: 0; background: transparent; }
.entry { background: var(--bg); color: var(--fg); padding: 0 1px 2px; }
.entry .note-form, .entry .transfer { margin-top: 0; }
`;

/** Tells the card (the frame's parent): never anything the agent typed. */
function tell(event: EntryEvent): void {
  window.parent.postMessage({ [ENTRY_KEY]: event }, '*');
}

const resultText = (result: ActionResult): string | null => {
  if (result.ok) return null;
  if (result.code === 'confirm') return t('transferConfirmInPopup');
  return failureText(result.code, result.message);
};

function Note({ sessionId, quiet }: { sessionId: string; quiet: boolean }) {
  const [start, setStart] = useState<EntryStart | null | undefined>(undefined);
  const [message, setMessage] = useState('');
  // Every change goes to the background at once (a message per key is cheap), so a frame that
  // reloads or a tab that closes loses nothing typed.
  const draft = (note: CallNote) => void send('entryDraft', { sessionId, ...note }).catch(() => undefined);
  useEffect(() => {
    send('entryOpen', { sessionId }).then(setStart, () => setStart(null));
  }, [sessionId]);
  if (start === undefined) return null;
  if (start === null) return <p class="message">{t('failure_notFound')}</p>;
  const save = async (note: CallNote): Promise<boolean> => {
    const result = await send('historySetNote', { sessionId, ...note }).catch(
      (error): ActionResult => ({ ok: false, code: 'failed', message: String(error) }),
    );
    const problem = resultText(result);
    if (problem) {
      setMessage(t('noteFailed', problem));
      return false;
    }
    tell({ type: 'saved', disposition: note.disposition, noted: note.note !== '' });
    return true;
  };
  return (
    <>
      <NoteForm
        initial={{ note: start.note, disposition: start.disposition }}
        dispositions={start.dispositions}
        onSave={save}
        onDraft={draft}
        onCancel={() => tell({ type: 'closed' })}
        autoFocus={!quiet}
      />
      <div class="message" aria-live="polite">
        {message}
      </div>
    </>
  );
}

function Transfer({ sessionId }: { sessionId: string }) {
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState('');
  const submit = async (target: string, event: Event) => {
    const gesture = gestureOf(event);
    setBusy(true);
    const result = await send('callAction', {
      sessionId,
      action: 'blindTransfer',
      target,
      ...(gesture ? { gesture } : {}),
    }).catch((error): ActionResult => ({ ok: false, code: 'failed', message: String(error) }));
    setBusy(false);
    const problem = resultText(result);
    if (problem) setMessage(problem);
    else tell({ type: 'done' });
  };
  return (
    <>
      <TransferForm
        busy={busy}
        onSubmit={(to, event) => void submit(to, event)}
        onCancel={() => tell({ type: 'closed' })}
      />
      <div class="message" aria-live="polite">
        {message}
      </div>
    </>
  );
}

function Entry({ params }: { params: EntryParams }) {
  return (
    <div class={`entry theme${params.dark ? ' dark' : ''}`} data-phase={params.phase}>
      {params.kind === 'note' ? (
        <Note sessionId={params.sessionId} quiet={params.quiet === true} />
      ) : (
        <Transfer sessionId={params.sessionId} />
      )}
    </div>
  );
}

/** Draws the form the address names into #app (run once when the page loads; the DOM test runs it per case). */
export function startEntry(): void {
  const params = parseEntryHash(location.hash);
  const app = document.getElementById('app');
  if (!app || !params) return;
  const style = document.createElement('style');
  style.textContent = ENTRY_CSS;
  document.head.append(style);
  document.documentElement.style.colorScheme = params.dark ? 'dark' : 'light';
  render(<Entry params={params} />, app);
  // The card sizes the frame to its content, and moves focus into it when it is ready.
  new ResizeObserver(() => tell({ type: 'size', height: app.scrollHeight })).observe(app);
  // The card focuses the frame; the frame then focuses its field (a frame may not take focus by itself).
  window.addEventListener('focus', () => {
    const field = document.querySelector<HTMLElement>('textarea, input');
    if (field && document.activeElement !== field) field.focus();
  });
  tell({ type: 'ready' });
}

startEntry();
