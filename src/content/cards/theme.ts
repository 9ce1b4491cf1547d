/** The page's look, for the cards (cards.js) and the dial layer (content.js) alike: kept apart from the card UI. */

/** Whether the page looks dark: its declared colour scheme, else its background. */
export function pageIsDark(): boolean {
  const root = getComputedStyle(document.documentElement);
  const body = document.body ? getComputedStyle(document.body) : undefined;
  const scheme = `${root.colorScheme} ${body?.colorScheme ?? ''}`;
  if (/\bdark\b/.test(scheme) && !/\blight\b/.test(scheme)) return true;
  const background = [body?.backgroundColor, root.backgroundColor].find(
    (c) => c && !/rgba\(.*,\s*0\)|transparent/.test(c),
  );
  const rgb = background?.match(/\d+(\.\d+)?/g)?.map(Number);
  if (rgb && rgb.length >= 3) {
    const [r = 255, g = 255, b = 255] = rgb;
    return 0.2126 * r + 0.7152 * g + 0.0722 * b < 128;
  }
  return matchMedia('(prefers-color-scheme: dark)').matches;
}
