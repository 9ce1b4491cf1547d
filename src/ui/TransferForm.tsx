/** The transfer target form, drawn in the card's entry frame: type a number, Enter transfers, Escape cancels. */
import { useEffect, useRef, useState } from 'preact/hooks';
import { t } from '../i18n';
import { trusted } from './trusted';

export function TransferForm({
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
