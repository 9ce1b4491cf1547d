/**
 * PopLine's content-script world in a Chromium tab (the isolated world its content script runs
 * in), reached over the DevTools protocol: what code running as PopLine's content script could do
 * (docs/security.md, attacker B).
 */
import type { CDPSession, Page } from 'puppeteer-core';
import { waitFor } from './browsers';

export interface World {
  session: CDPSession;
  contextId: number;
}

/** A CDP session on `page` and the id of PopLine's isolated world in its main frame. */
export async function isolatedWorld(page: Page): Promise<World> {
  const session = await page.createCDPSession();
  const contexts: { id: number; name: string; auxData?: { type?: string } }[] = [];
  session.on('Runtime.executionContextCreated', (event) => contexts.push(event.context));
  await session.send('Runtime.enable');
  const context = await waitFor(
    () => contexts.find((c) => c.auxData?.type === 'isolated' && c.name.includes('PopLine')),
    { what: "PopLine's isolated world" },
  );
  return { session, contextId: context.id };
}

/** Evaluates `expression` (awaited) in the world; returns its value or `{ threw: message }`. */
export async function evaluateIn(world: World, expression: string): Promise<unknown> {
  const wrapped = `(async () => { try { return await (${expression}); } catch (e) { return { threw: String(e && e.message || e) }; } })()`;
  const { result } = await world.session.send('Runtime.evaluate', {
    expression: wrapped,
    contextId: world.contextId,
    awaitPromise: true,
    returnByValue: true,
  });
  return result.value;
}

/**
 * Sends a PopLine message from the world, as its content script would. The background's handlers
 * always answer something (null at least); a message nobody answered resolves to `undefined`,
 * returned here as `{ noAnswer: true }`.
 */
export const sendFromWorld = (world: World, type: string, body: unknown) =>
  evaluateIn(
    world,
    `chrome.runtime.sendMessage(${JSON.stringify({ popline: 1, type, body })}).then((a) => a === undefined ? { noAnswer: true } : a)`,
  );
