/** A phone keypad: each key types into the number field, which keeps the focus. */
import { t } from '../ui/messenger';

const KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'] as const;

export interface KeypadProps {
  onKey: (key: string) => void;
  onBackspace: () => void;
}

export function Keypad({ onKey, onBackspace }: KeypadProps) {
  return (
    <fieldset class="keypad">
      <legend class="sr-only">{t('keypad')}</legend>
      {KEYS.map((key) => (
        <button key={key} type="button" class="key" data-key={key} onClick={() => onKey(key)}>
          {key}
        </button>
      ))}
      <button type="button" class="key wide" onClick={onBackspace} aria-label={t('backspace')} title={t('backspace')}>
        ⌫
      </button>
    </fieldset>
  );
}
