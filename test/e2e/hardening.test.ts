/**
 * Issue 18 in real Chromium against the simulator, gaps 2, 4, 6 and 9 (the others: gap 5 is
 * the fuzz test, test/unit/fuzz.test.ts; gap 8 is test/unit/bounds.test.ts). Attacker B, a
 * compromised CRM renderer, is played by code evaluated in PopLine's own content-script world
 * (the isolated world of the CRM tab, found over CDP) calling chrome.runtime.sendMessage with
 * forged messages. Every "did not happen" has its positive control in the same test.
 */
import type { CDPSession, Page } from 'puppeteer-core';
import { clickCardControl, waitFor } from '../support/browsers';
import { entryFrame } from '../support/entry';
import { connectionState } from '../support/extension';
import { type E2E, sleep, startE2E, waitForCard } from '../support/session';

jest.setTimeout(180_000);

let e2e: E2E;
beforeAll(async () => {
  e2e = await startE2E();
});
afterAll(() => e2e?.close());

/** Code run in PopLine's content-script world of `page` (attacker B). */
async function contentWorld(page: Page): Promise<(expression: string) => Promise<unknown>> {
  const client: CDPSession = await page.createCDPSession();
  const contexts: { id: number; name: string; origin: string; frameId: string; type: string }[] = [];
  client.on('Runtime.executionContextCreated', ({ context }) => {
    contexts.push({
      id: context.id,
      name: context.name,
      origin: context.origin,
      frameId: context.auxData?.frameId,
      type: context.auxData?.type,
    });
  });
  await client.send('Runtime.enable');
  const { frameTree } = await client.send('Page.getFrameTree');
  const top = frameTree.frame.id;
  const context = await waitFor(
    () =>
      contexts.find(
        (c) =>
          c.type === 'isolated' &&
          c.frameId === top &&
          !c.name.startsWith('__puppeteer') &&
          (c.origin.includes(e2e.chromium.extensionId) || c.name === 'PopLine'),
      ) ?? null,
    { what: "PopLine's content-script world" },
  );
  return async (expression: string) => {
    const { result, exceptionDetails } = await client.send('Runtime.evaluate', {
      expression,
      contextId: context.id,
      awaitPromise: true,
      returnByValue: true,
    });
    if (exceptionDetails) throw new Error(exceptionDetails.exception?.description ?? exceptionDetails.text);
    return result.value;
  };
}

const alive = (sessionId: string) => e2e.sim.pbx.active().some((call) => call.sessionId === sessionId);

/** A forged message from the content-script world: the answer, or the error's text. */
const forge = (type: string, body: unknown) => `
  chrome.runtime.sendMessage({ popline: 1, type: ${JSON.stringify(type)}, body: ${JSON.stringify(body)} })
    .then((answer) => ({ answer: answer ?? null }), (error) => ({ error: String(error && error.message || error) }))`;

describe('attacker B: call control and least privilege', () => {
  test('callAction needs a call this tab shows and a fresh gesture; the card itself still works', async () => {
    await e2e.setup({ cards: { target: 'allCrmTabs', fadeAfterSeconds: 8, notifications: false } });
    const page = await e2e.openCrm();
    const evaluate = await contentWorld(page);
    const call = e2e.sim.pbx.ring({ from: '+4930123456', to: '1001' });
    await waitForCard(page, call.sessionId);

    // No gesture: refused, the call still rings.
    const bare = (await evaluate(forge('callAction', { sessionId: call.sessionId, action: 'reject' }))) as {
      answer?: { ok: boolean; code?: string };
    };
    expect(bare.answer).toMatchObject({ ok: false, code: 'refused' });
    // A made-up gesture from "now" is replayed twice: at most... still refused when the tab is not the call's.
    const other = e2e.sim.pbx.ring({ from: '+4930999999', to: '1002' });
    const notShown = (await evaluate(
      forge('callAction', {
        sessionId: other.sessionId,
        action: 'hangup',
        gesture: { at: Date.now(), kind: 'pointer' },
      }),
    )) as { answer?: { ok: boolean; code?: string } };
    expect(notShown.answer).toMatchObject({ ok: false });
    expect(e2e.sim.pbx.get(call.sessionId).state).toBe('ringing');
    expect(alive(other.sessionId)).toBe(true);

    // Positive control: the agent's real click on the card's button rejects the call.
    await clickCardControl(page, call.sessionId, 'Decline');
    await waitFor(() => (alive(call.sessionId) ? null : true), { what: 'declined' });
    e2e.sim.pbx.hangup(other.sessionId);
    await page.close();
  });

  test('historyPrevious is refused, notes only for calls this tab showed, dismissals stay in their tab', async () => {
    const pageA = await e2e.openCrm();
    const pageB = await e2e.openCrm();
    const inA = await contentWorld(pageA);
    const call = e2e.sim.pbx.ring({ from: '+4930123457', to: '1001' });
    await waitForCard(pageA, call.sessionId);
    await waitForCard(pageB, call.sessionId);

    const previous = (await inA(forge('historyPrevious', { sessionId: call.sessionId }))) as { answer?: unknown };
    expect(previous.answer ?? null).toBeNull();

    // Notes are typed in the entry frame (gap 11): a content script may not write one at all,
    // not even for the call its tab shows.
    const fromContent = (await inA(forge('historySetNote', { sessionId: call.sessionId, note: 'forged' }))) as {
      answer?: unknown;
    };
    expect(fromContent.answer ?? null).toBeNull();
    // The entry frame of tab A: only calls its tab showed.
    await clickCardControl(pageA, call.sessionId, 'Add a note');
    const frame = await entryFrame(pageA, 'note');
    const fromFrame = (type: string, body: unknown) =>
      frame.evaluate(
        (envelope) =>
          chrome.runtime.sendMessage(envelope).then(
            (answer: unknown) => ({ answer: answer ?? null }),
            (error: unknown) => ({ error: String(error) }),
          ),
        { popline: 1, type, body },
      ) as Promise<{ answer?: { ok: boolean } | null }>;
    // A call this tab never showed (another agent's number): no note.
    expect((await fromFrame('historySetNote', { sessionId: 'not-a-call-here', note: 'x' })).answer).toMatchObject({
      ok: false,
    });
    // Positive control: the call the tab shows may be noted from its frame.
    expect(
      (await fromFrame('historySetNote', { sessionId: call.sessionId, note: 'called back' })).answer,
    ).toMatchObject({ ok: true });
    // And the frame may not use what only PopLine's own pages may.
    expect((await fromFrame('historyQuery', { kind: 'recent' })).answer ?? null).toBeNull();

    // Tab A dismisses the card: gone in A, still in B.
    await inA(forge('dismissCard', { sessionId: call.sessionId }));
    await waitFor(async () => ((await waitForCard(pageA, call.sessionId).catch(() => null)) ? null : true), {
      what: 'the card gone from tab A',
      timeout: 5000,
    }).catch(() => undefined);
    await sleep(500);
    expect(await waitForCard(pageB, call.sessionId)).toBeDefined();
    e2e.sim.pbx.hangup(call.sessionId);
    await pageA.close();
    await pageB.close();
  });
});

describe('attacker A: emergency numbers from a page', () => {
  test('a real click on tel:911 or tel:112 does not dial; tel:1002 does', async () => {
    await e2e.setup({ phone: { defaultCountry: 'US' }, dial: { confirmAfterPerMinute: 0 } as never });
    const page = await e2e.openCrm();
    await page.evaluate(() => {
      for (const number of ['911', '112', '1002']) {
        const link = document.createElement('a');
        link.href = `tel:${number}`;
        link.id = `dial-${number}`;
        link.textContent = `Call ${number} now, please`;
        link.style.cssText =
          'display:block;font-size:24px;padding:12px;margin:12px;background:#fff;position:relative;z-index:1';
        document.body.prepend(link);
      }
    });
    await sleep(800); // the in-page call button wants to have been visible a moment (gap 3)
    e2e.sim.cti.dialRequests.splice(0);
    await page.click('#dial-911');
    await sleep(400);
    await page.click('#dial-112');
    await sleep(1500);
    expect(e2e.sim.cti.dialRequests.map((request) => request.number)).toEqual([]);
    // Positive control: an internal extension dials at once.
    await page.click('#dial-1002');
    await waitFor(() => (e2e.sim.cti.dialRequests.length ? true : null), { what: 'the extension dial' });
    expect(e2e.sim.cti.dialRequests.map((request) => request.number)).toEqual(['1002']);
    await page.close();
  });
});

describe('attacker C: a refused login is not retried after a worker stop', () => {
  test('the same refused token is not tried again by a restarted worker; a new one is', async () => {
    let attempts = 0;
    const bridge = e2e.sim.bridge as unknown as { handleUpgrade: (...args: unknown[]) => boolean };
    const original = bridge.handleUpgrade.bind(bridge);
    bridge.handleUpgrade = (...args: unknown[]) => {
      attempts += 1;
      return original(...args);
    };
    try {
      const page = await e2e.openCrm(); // its liveness port restarts a stopped worker
      await e2e.setup({}, 'wrong-token');
      await waitFor(async () => ((await connectionState(await e2e.worker())) === 'ACCESS_DENIED' ? true : null), {
        what: 'denied',
      });
      const refused = attempts;
      expect(refused).toBeGreaterThan(0);
      await e2e.chromium.stopWorker();
      await sleep(500);
      await page.reload(); // a new content script connects: a new worker starts
      await e2e.worker();
      await sleep(4000);
      expect(attempts).toBe(refused);
      expect(await connectionState(await e2e.worker())).toBe('ACCESS_DENIED');
      // Positive control: new credentials connect.
      await e2e.setup();
      expect(attempts).toBeGreaterThan(refused);
      await page.close();
    } finally {
      bridge.handleUpgrade = original;
    }
  });
});
