/**
 * The one way the background talks to a tab's content script: a push from the catalogue in
 * shared/pushes.ts, to the tab's top frame, with the answer validated. A name that is not in
 * the catalogue, or a body of the wrong shape, does not typecheck.
 */
import browser from 'webextension-polyfill';
import { check, type Guard } from '../../shared/guard';
import { PUSHES, type PushEnvelope, type PushName, type PushReq, type PushRes } from '../../shared/pushes';

export async function sendToTab<K extends PushName>(tabId: number, push: K, body: PushReq<K>): Promise<PushRes<K>> {
  const envelope: PushEnvelope<K> = { popline: 1, push, body };
  const answer: unknown = await browser.tabs.sendMessage(tabId, envelope, { frameId: 0 });
  const checked = check(PUSHES[push].res as Guard<PushRes<K>>, answer);
  if (!checked.ok) throw new Error(`the tab answered ${push} with ${checked.error}`);
  return checked.value;
}
