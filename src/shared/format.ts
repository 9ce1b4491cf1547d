/** Pure text helpers shared by the card and the popup. */

/**
 * `m:ss`, or `h:mm:ss` past an hour, as a call timer reads in every language PopLine ships;
 * the digits are the language's own (Intl), the browser's UI language when none is given.
 */
export function formatDuration(ms: number, language?: string): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const plain = new Intl.NumberFormat(language, { useGrouping: false });
  const two = new Intl.NumberFormat(language, { useGrouping: false, minimumIntegerDigits: 2 });
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = two.format(total % 60);
  return hours ? `${plain.format(hours)}:${two.format(minutes)}:${seconds}` : `${plain.format(minutes)}:${seconds}`;
}

/**
 * Makes untrusted text safe to show as one line: control characters and bidirectional
 * overrides removed (they can disguise a number), whitespace collapsed.
 */
/**
 * C0/C1 controls, the zero-width space, and bidirectional controls. The zero-width joiners
 * stay: emoji sequences and several scripts need them.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;

export function displayText(text: string | undefined, max = 256): string {
  if (!text) return '';
  const cleaned = text.replace(UNSAFE, ' ').replace(/\s+/g, ' ').trim();
  return cleaned.length > max ? `${cleaned.slice(0, max - 1)}…` : cleaned;
}
