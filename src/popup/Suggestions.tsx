/** Recent numbers that match what is typed, as a listbox under the number field. */
import { displayText } from '../shared/format';
import { t } from '../ui/messenger';

export interface Suggestion {
  /** What goes into the field (E.164 or as received). */
  number: string;
  display: string;
  name?: string;
}

const MAX_SUGGESTIONS = 5;

/** Matches by digits anywhere in the number (2 or more typed), or by the start of a name's word. */
export function suggestionsFor(typed: string, recent: readonly Suggestion[]): Suggestion[] {
  const digits = typed.replace(/\D/g, '');
  const words = typed.trim().toLocaleLowerCase();
  if (digits.length < 2 && words.length < 2) return [];
  const hasLetters = /\p{L}/u.test(words);
  return recent
    .filter((item) =>
      hasLetters
        ? (item.name ?? '')
            .toLocaleLowerCase()
            .split(/\s+/)
            .some((word) => word.startsWith(words))
        : item.number.replace(/\D/g, '').includes(digits) && item.number.replace(/\D/g, '') !== digits,
    )
    .slice(0, MAX_SUGGESTIONS);
}

export interface SuggestionsProps {
  items: readonly Suggestion[];
  active: number;
  onPick: (item: Suggestion) => void;
}

export function Suggestions({ items, active, onPick }: SuggestionsProps) {
  return (
    <div id="dial-suggestions" class="suggestions" role="listbox" aria-label={t('recentNumbers')}>
      {items.map((item, index) => (
        // biome-ignore lint/a11y/useKeyWithClickEvents: the field handles the keys (combobox pattern).
        <div
          key={item.number}
          id={`suggestion-${index}`}
          role="option"
          tabIndex={-1}
          aria-selected={index === active}
          class={index === active ? 'active' : ''}
          onMouseDown={(event) => event.preventDefault()}
          onClick={() => onPick(item)}
        >
          <span class="name">{displayText(item.name) || displayText(item.display, 64)}</span>
          {item.name ? <span class="number">{displayText(item.display, 64)}</span> : null}
        </div>
      ))}
    </div>
  );
}
