/**
 * The dialler: one field that formats as the agent types (or pastes), says whether and what it
 * will dial, suggests recent numbers, and dials on Enter. A keypad types into the same field.
 */
import { useMemo, useRef, useState } from 'preact/hooks';
import { caretAfterDigits, checkDial, cleanDialText, type DialCheck, formatTyping } from '../shared/dial/input';
import { countryName, failureText } from '../ui/format';
import { t } from '../ui/messenger';
import { placeCall } from './dial';
import { Keypad } from './Keypad';
import { type Suggestion, Suggestions, suggestionsFor } from './Suggestions';

/**
 * The ARIA 1.2 combobox attributes. Spread, because Preact's types tie role=combobox on an
 * input to a <datalist>, and the listbox here is our own.
 */
function comboboxAria(open: boolean, active: number): Record<string, string | boolean | undefined> {
  return {
    role: 'combobox',
    'aria-autocomplete': 'list',
    'aria-expanded': open,
    'aria-controls': 'dial-suggestions',
    'aria-activedescendant': open && active >= 0 ? `suggestion-${active}` : undefined,
  };
}

export interface DialerProps {
  canDial: boolean;
  country: string;
  /** Ask before calling a number in another country. */
  confirmInternational: boolean;
  recent: readonly Suggestion[];
}

/** What the line under the field says about the number typed. */
export function dialHint(check: DialCheck, country: string): string {
  if (check.ok) {
    if (check.kind === 'extension') return t('dialHintExtension', check.display);
    return t('dialHintNumber', check.dial, countryName(check.country ?? country));
  }
  if (check.reason === 'empty') return '';
  const reasonKey = {
    tooShort: 'dialTooShort',
    tooLong: 'dialTooLong',
    invalidCountry: 'dialInvalidCountry',
    invalid: 'dialInvalid',
  } as const;
  return t(reasonKey[check.reason], countryName(country));
}

export function Dialer({ canDial, country, confirmInternational, recent }: DialerProps) {
  const input = useRef<HTMLInputElement>(null);
  const [value, setValue] = useState('');
  const [active, setActive] = useState(-1);
  const [listOpen, setListOpen] = useState(false);
  const [confirming, setConfirming] = useState<(DialCheck & { ok: true; why?: string }) | null>(null);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [keypadOpen, setKeypadOpen] = useState(false);

  const check = useMemo(() => checkDial(value, country), [value, country]);
  const matches = useMemo(() => suggestionsFor(value, recent), [value, recent]);
  const showList = listOpen && matches.length > 0;

  /** Sets the field to `text` formatted, with the caret after the same number of digits. */
  const update = (text: string, caretDigits?: number) => {
    const formatted = formatTyping(text, country);
    setValue(formatted);
    setMessage(null);
    setConfirming(null);
    setActive(-1);
    setListOpen(true);
    const field = input.current;
    if (field && caretDigits !== undefined) {
      field.value = formatted;
      const caret = caretAfterDigits(formatted, caretDigits);
      field.setSelectionRange(caret, caret);
    }
  };

  const onInput = (event: Event) => {
    const field = event.currentTarget as HTMLInputElement;
    const before = field.value.slice(0, field.selectionStart ?? field.value.length);
    update(field.value, before.replace(/[^\d+*#]/g, '').length);
  };

  const onPaste = (event: ClipboardEvent) => {
    const text = event.clipboardData?.getData('text') ?? '';
    if (!text) return;
    event.preventDefault();
    const field = event.currentTarget as HTMLInputElement;
    const start = field.selectionStart ?? field.value.length;
    const end = field.selectionEnd ?? field.value.length;
    const cleaned = cleanDialText(text) || text.trim();
    const next = field.value.slice(0, start) + cleaned + field.value.slice(end);
    const caretDigits = (field.value.slice(0, start) + cleaned).replace(/[^\d+*#]/g, '').length;
    update(next, caretDigits);
  };

  const dial = async (target: DialCheck & { ok: true }, confirmed = false) => {
    if (!canDial) return setMessage({ ok: false, text: failureText('notConnected') });
    if (target.international && confirmInternational && !confirmed) return setConfirming(target);
    setConfirming(null);
    setMessage({ ok: true, text: t('dialing') });
    const result = await placeCall(target.dial, confirmed);
    if (result.confirm) {
      setMessage(null);
      return setConfirming({ ...target, why: result.confirm });
    }
    setMessage(result);
  };

  const submit = (event?: Event) => {
    event?.preventDefault();
    if (!check.ok) {
      setMessage({ ok: false, text: dialHint(check, country) || t('dialEmpty') });
      return;
    }
    void dial(check);
  };

  const pick = (suggestion: Suggestion) => {
    update(suggestion.number);
    setListOpen(false);
    input.current?.focus();
  };

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'ArrowDown' && matches.length) {
      event.preventDefault();
      setListOpen(true);
      setActive((active + 1) % matches.length);
    } else if (event.key === 'ArrowUp' && matches.length) {
      event.preventDefault();
      setActive(active <= 0 ? matches.length - 1 : active - 1);
    } else if (event.key === 'Enter' && showList && active >= 0 && matches[active]) {
      event.preventDefault();
      pick(matches[active]);
    } else if (event.key === 'Escape' && showList) {
      event.preventDefault();
      setListOpen(false);
    }
  };

  const typeKey = (key: string) => {
    const field = input.current;
    update(value + key, (value + key).replace(/[^\d+*#]/g, '').length);
    field?.focus();
  };
  const backspace = () => {
    const digits = cleanDialText(value);
    update(digits.slice(0, -1), Math.max(0, digits.length - 1));
    input.current?.focus();
  };

  const hint = dialHint(check, country);
  return (
    <section class="dialer" aria-labelledby="dial-label">
      <form onSubmit={submit} class="dial-form">
        <label id="dial-label" for="dial-number">
          {t('dialLabel')}
        </label>
        <div class="dial-row">
          <div class="combo">
            <input
              id="dial-number"
              ref={input}
              type="tel"
              autocomplete="off"
              spellcheck={false}
              autofocus
              placeholder={t('dialPlaceholder')}
              {...comboboxAria(showList, active)}
              aria-describedby="dial-hint"
              aria-invalid={!check.ok && check.reason !== 'empty'}
              value={value}
              onInput={onInput}
              onPaste={onPaste}
              onKeyDown={onKeyDown}
              onBlur={() => setTimeout(() => setListOpen(false), 150)}
            />
            {showList ? <Suggestions items={matches} active={active} onPick={pick} /> : null}
          </div>
          <button
            type="submit"
            class="primary"
            disabled={!canDial || !check.ok}
            title={canDial ? '' : failureText('notConnected')}
          >
            {t('call')}
          </button>
          <button
            type="button"
            class="icon"
            aria-expanded={keypadOpen}
            aria-controls="keypad"
            aria-label={t('keypad')}
            title={t('keypad')}
            onClick={() => setKeypadOpen(!keypadOpen)}
          >
            ⌨
          </button>
        </div>
        <p id="dial-hint" class={`hint${check.ok || check.reason === 'empty' ? '' : ' invalid'}`}>
          {hint}
        </p>
      </form>
      {keypadOpen ? (
        <div id="keypad">
          <Keypad onKey={typeKey} onBackspace={backspace} />
        </div>
      ) : null}
      {confirming ? (
        <div class="confirm" role="alertdialog" aria-labelledby="confirm-text">
          <p id="confirm-text">
            {confirming.why ?? t('confirmInternational', confirming.display, countryName(confirming.country ?? ''))}
          </p>
          <button type="button" class="primary" onClick={() => void dial(confirming, true)}>
            {t('call')}
          </button>
          <button type="button" onClick={() => setConfirming(null)}>
            {t('cancel')}
          </button>
        </div>
      ) : null}
      <p class={`message${message && !message.ok ? ' error' : ''}`} role="status" aria-live="polite">
        {message?.text ?? ''}
      </p>
    </section>
  );
}
