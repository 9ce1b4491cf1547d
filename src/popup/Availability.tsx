/**
 * The agent's own availability, in the popup's header: Available, Away, Do Not Disturb, how long
 * (30 min, 1 h, until tomorrow) and a note. In Do Not Disturb the popup says what it means: no
 * cards or notifications for new calls, but the phone itself may still ring.
 */
import { useState } from 'preact/hooks';
import { displayText } from '../shared/format';
import type { Availability as AvailabilityValue, ClientState } from '../shared/protocol';
import { EXPIRY_CHOICES, type ExpiryChoice } from '../shared/team/availability';
import { AVAILABILITY_KEY, effectiveAvailability } from '../shared/team/presence';
import { failureText } from '../ui/format';
import { send, t } from '../ui/messenger';

const CHOICES: AvailabilityValue[] = ['available', 'away', 'dnd'];
const EXPIRY_KEY: Record<ExpiryChoice, string> = {
  never: 'expiryNever',
  '30m': 'expiry30m',
  '1h': 'expiry1h',
  tomorrow: 'expiryTomorrow',
};

export function untilText(until: string | undefined): string {
  const time = until ? Date.parse(until) : Number.NaN;
  if (!Number.isFinite(time)) return '';
  const date = new Date(time);
  const sameDay = date.toDateString() === new Date().toDateString();
  const shown = sameDay
    ? date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
    : date.toLocaleString([], { weekday: 'short', hour: '2-digit', minute: '2-digit' });
  return t('availabilityUntil', shown);
}

export function OwnAvailability({ self }: { self: ClientState | undefined }) {
  const current = self ? effectiveAvailability(self, Date.now()) : 'available';
  const [expiry, setExpiry] = useState<ExpiryChoice>('never');
  const [note, setNote] = useState('');
  const [problem, setProblem] = useState('');
  const set = async (availability: AvailabilityValue, choice = expiry) => {
    setProblem('');
    try {
      const result = await send('teamSetAvailability', {
        availability,
        expiry: choice,
        ...(note.trim() ? { note: note.trim() } : {}),
      });
      if (!result.ok) setProblem(failureText(result.code === 'confirm' ? 'failed' : result.code, result.message));
    } catch (error) {
      setProblem(failureText('failed', String((error as Error)?.message ?? error)));
    }
  };
  const until = current !== 'available' ? untilText(self?.until) : '';
  return (
    <div class="own-availability" data-availability={current}>
      <label>
        {t('availabilityLabel')}
        <select
          value={current}
          onChange={(event) => void set(event.currentTarget.value as AvailabilityValue)}
          aria-describedby="availability-state"
        >
          {CHOICES.map((choice) => (
            <option key={choice} value={choice}>
              {t(AVAILABILITY_KEY[choice])}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t('expiryLabel')}
        <select
          value={expiry}
          onChange={(event) => {
            const choice = event.currentTarget.value as ExpiryChoice;
            setExpiry(choice);
            if (current !== 'available') void set(current, choice);
          }}
        >
          {EXPIRY_CHOICES.map((choice) => (
            <option key={choice} value={choice}>
              {t(EXPIRY_KEY[choice])}
            </option>
          ))}
        </select>
      </label>
      <input
        type="text"
        class="availability-note"
        maxLength={140}
        value={note}
        placeholder={t('availabilityNotePlaceholder')}
        aria-label={t('availabilityNoteLabel')}
        onInput={(event) => setNote(event.currentTarget.value)}
      />
      <p id="availability-state" class="availability-state" role="status">
        <span class="presence-dot" data-tone={current === 'available' ? 'free' : current} aria-hidden="true" />
        {[t(AVAILABILITY_KEY[current]), until, current !== 'available' ? displayText(self?.note, 140) : '']
          .filter(Boolean)
          .join(' · ')}
      </p>
      {current === 'dnd' ? <p class="hint dnd-hint">{t('dndHint')}</p> : null}
      {problem ? (
        <p class="error" role="alert">
          {problem}
        </p>
      ) : null}
    </div>
  );
}
