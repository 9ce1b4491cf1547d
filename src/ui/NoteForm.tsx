/**
 * The note and outcome tag of a call, on the card and in the popup's recent calls: one click per
 * tag, Ctrl+Enter saves, Escape cancels. Tags and notes are shown as text.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { t } from '../i18n';
import { displayText } from '../shared/format';
import { MAX_DISPOSITION, MAX_NOTE } from '../shared/history/noteLimits';
import { trusted } from './trusted';

export interface CallNote {
  note: string;
  disposition: string;
}

export function NoteForm({
  initial,
  dispositions,
  onSave,
  onCancel,
  onDraft,
  autoFocus = true,
}: {
  initial: CallNote;
  dispositions: readonly string[];
  onSave(note: CallNote): Promise<boolean>;
  onCancel(): void;
  /** Told of every change before it is saved (the card's entry frame keeps a draft). */
  onDraft?(note: CallNote): void;
  /** False where the form opened by itself (the card's wrap-up): the agent may be typing elsewhere. */
  autoFocus?: boolean;
}) {
  const [note, setNote] = useState(initial.note);
  const [disposition, setDisposition] = useState(initial.disposition);
  const first = useRef(true);
  useEffect(() => {
    if (first.current) first.current = false;
    else onDraft?.({ note, disposition });
  }, [note, disposition]);
  const [busy, setBusy] = useState(false);
  const field = useRef<HTMLTextAreaElement>(null);
  // Opened by the agent's click: moving focus into it is expected here.
  const takeFocus = useRef(autoFocus);
  useEffect(() => {
    if (takeFocus.current) field.current?.focus();
  }, []);
  // A tag the list no longer offers stays visible, so it can be seen and removed.
  const tags = disposition && !dispositions.includes(disposition) ? [...dispositions, disposition] : dispositions;
  const save = async () => {
    setBusy(true);
    const saved = await onSave({ note: note.trim(), disposition });
    if (!saved) setBusy(false);
  };
  return (
    <form
      class="note-form"
      onSubmit={trusted((event: Event) => {
        event.preventDefault();
        void save();
      })}
    >
      <textarea
        ref={field}
        rows={3}
        maxLength={MAX_NOTE}
        aria-label={t('noteLabel')}
        placeholder={t('noteLabel')}
        value={note}
        onInput={(event) => setNote(event.currentTarget.value)}
        onKeyDown={(event) => {
          if (event.key === 'Escape') onCancel();
          else if (event.key === 'Enter' && (event.ctrlKey || event.metaKey) && event.isTrusted) void save();
        }}
      />
      {tags.length ? (
        <fieldset class="tags">
          <legend class="sr-only">{t('dispositionLabel')}</legend>
          {tags.map((tag) => (
            <button
              key={tag}
              type="button"
              class="tag"
              aria-pressed={tag === disposition}
              onClick={trusted(() => setDisposition(tag === disposition ? '' : tag))}
            >
              {displayText(tag, MAX_DISPOSITION)}
            </button>
          ))}
        </fieldset>
      ) : null}
      <div class="actions">
        <button type="submit" class="primary" disabled={busy}>
          {t('saveNote')}
        </button>
        <button type="button" onClick={trusted(() => onCancel())}>
          {t('cancel')}
        </button>
      </div>
    </form>
  );
}
