/**
 * Number finding for the tabs' detectors: they send the text nodes that hold seven digits or
 * more, and the finder (libphonenumber and the trap rules) runs here, off the page's main
 * thread. The work is sliced so a big page never holds up a call event for long.
 */

import { findPhoneNumbers } from '../../shared/detect/findPhoneNumbers';
import type { FoundSpan } from '../../shared/detect/quickTest';
import type { FoundNumbers } from '../../shared/dial/messages';
import { siteFeatures } from '../../shared/dial/sites';
import type { Context } from '../../shared/messages';
import { getSettings } from '../settings';

/** The longest stretch of finding before other events get a turn. */
const SLICE_MS = 10;

const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0));

export async function findNumbers(texts: string[], context: Context): Promise<FoundNumbers> {
  const settings = await getSettings();
  if (!siteFeatures(context.url, settings).detect) return { found: [] };
  const options = { defaultCountry: settings.phone.defaultCountry };
  const found: FoundSpan[][] = [];
  let sliceEnd = performance.now() + SLICE_MS;
  for (const text of texts) {
    found.push(
      findPhoneNumbers(text, options).map(
        ({ start, end, e164, ext }): FoundSpan => (ext ? [start, end, e164, ext] : [start, end, e164]),
      ),
    );
    if (performance.now() > sliceEnd) {
      await nextTask();
      sliceEnd = performance.now() + SLICE_MS;
    }
  }
  return { found };
}
