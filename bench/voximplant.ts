/**
 * Voximplant screen-pop: the shipped scenario (in the VoxEngine emulator) calling Net.httpRequestAsync
 * for CallAlerting → the bridge's Voximplant source → the extension in Chromium → the card painted in
 * the CRM tab (the card host entering the page, then the next animation frame). Both ends read the same
 * clock (epoch milliseconds on this machine). The peer measured in the same run is the generic webhook
 * source with the same call posted directly, so the ratio is what the Voximplant path adds. Also: the
 * scenario's requests and bytes per answered call, and how long the customer's call waits for the
 * bridge's answer before it is forwarded, against a bare HTTP round trip to the bridge (the floor).
 * Prints figures; asserts nothing.
 */
import type { Page } from 'puppeteer-core';
import { VoximplantSource } from '../bridge/src/sources/voximplant';
import { WebhookSource } from '../bridge/src/sources/webhook';
import { SIGNATURE_HEADER, signBody, TIMESTAMP_HEADER } from '../bridge/src/webhook/signature';
import { startSimulator } from '../sim/server';
import { startTestBridge } from '../test/bridge/fixture';
import { launchChromium, readCards, waitFor } from '../test/support/browsers';
import { configure, connectionState, settingsFor } from '../test/support/extension';
import { sleep } from '../test/support/session';
import { VoxCloud } from '../test/support/voxengine';

const CALLS = Number(process.env.BENCH_CALLS ?? 100);
const SECRET = 'voximplant-bench-secret-0123456789';
const epoch = (performanceTime: number) => performance.timeOrigin + performanceTime;

function q(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? Number.NaN;
}
const line = (values: number[]) =>
  `p50 ${q(values, 0.5).toFixed(1)} ms   p95 ${q(values, 0.95).toFixed(1)} ms   (n=${values.length})`;

async function armPaintProbe(page: Page): Promise<void> {
  await waitFor(() => page.evaluate(() => !document.querySelector('popline-cards')), {
    what: 'no card',
    timeout: 15_000,
  }).catch(async (error) => {
    throw new Error(`${(error as Error).message}: ${JSON.stringify(await readCards(page))}`);
  });
  await page.evaluate(() => {
    const w = window as unknown as { __painted?: number };
    w.__painted = undefined;
    const observer = new MutationObserver((records) => {
      if (!records.some((r) => [...r.addedNodes].some((n) => n.nodeName === 'POPLINE-CARDS'))) return;
      observer.disconnect();
      requestAnimationFrame(() => {
        w.__painted = performance.timeOrigin + performance.now();
      });
    });
    observer.observe(document.documentElement, { childList: true });
  });
}

const painted = (page: Page) =>
  waitFor(() => page.evaluate(() => (window as unknown as { __painted?: number }).__painted), {
    what: 'the card',
    timeout: 30_000,
  });

export async function main(): Promise<void> {
  const bridge = await startTestBridge({
    sources: [
      new VoximplantSource({
        id: 'vox',
        secret: SECRET,
        agents: { '1001': 'user:anna' },
        controlUrl: '^http://127\\.0\\.0\\.1:\\d+/',
      }),
      new WebhookSource({ id: 'hooks', secret: SECRET }),
    ],
  });
  const cloud = await VoxCloud.start({
    storage: { popline_bridge_url: `${bridge.running.origin}/sources/vox/events`, popline_secret: SECRET },
  });
  const crm = await startSimulator({ port: 0 });
  const chromium = await launchChromium();
  try {
    const worker = await chromium.worker();
    await configure(worker, settingsFor(bridge.url, { cards: { fadeAfterSeconds: 0 } } as never), 'a1001');
    await waitFor(async () => ((await connectionState(worker)) === 'ACCESS_GRANTED' ? true : null), {
      what: 'the connection',
    });
    const page = await chromium.browser.newPage();
    await page.goto(crm.crmUrl);
    await page.bringToFront();

    const voxCall = async (): Promise<{ latency: number; requests: number; bytes: number; forward: number }> => {
      await armPaintProbe(page);
      const session = cloud.incoming({ callerid: '+4930123456', displayName: 'Bench Caller', destination: '1001' });
      const leg = await session.nextCall();
      const at = await painted(page);
      const alerting = session.http[0];
      leg.remote.ringing();
      leg.remote.answer();
      await session.settled();
      session.inbound?.remote.hangup(30);
      await session.ended();
      if (!alerting) throw new Error('the scenario made no request');
      return {
        latency: at - epoch(alerting.sentAt),
        requests: session.http.length,
        bytes: session.http.reduce((sum, r) => sum + r.bytes, 0),
        forward: alerting.doneAt - alerting.sentAt,
      };
    };

    let next = 0;
    const post = (event: Record<string, unknown>) => {
      const body = JSON.stringify(event);
      const timestamp = Math.floor(Date.now() / 1000);
      return fetch(`${bridge.running.origin}/sources/hooks/events`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [TIMESTAMP_HEADER]: String(timestamp),
          [SIGNATURE_HEADER]: signBody(SECRET, body, timestamp),
        },
        body,
      });
    };
    const webhookCall = async (): Promise<number> => {
      await armPaintProbe(page);
      next += 1;
      const base = { callId: `bench-${next}`, caller: '+4930123456', callee: '1001', callerName: 'Bench Caller' };
      const sent = Date.now();
      await post({ ...base, event: 'ringing', seq: 1 });
      const at = await painted(page);
      await post({ ...base, event: 'connected', seq: 2 });
      await post({ ...base, event: 'ended', seq: 3, outcome: 'hungup' });
      return at - sent;
    };
    const floor = async (): Promise<number> => {
      const start = performance.now();
      await (await fetch(`${bridge.running.origin}/healthz`)).text();
      return performance.now() - start;
    };

    for (let i = 0; i < 10; i++) {
      await voxCall();
      await webhookCall();
    }
    const vox: Awaited<ReturnType<typeof voxCall>>[] = [];
    const peer: number[] = [];
    const floors: number[] = [];
    for (let i = 0; i < CALLS; i++) {
      // Interleaved, so both paths see the same machine load.
      vox.push(await voxCall());
      peer.push(await webhookCall());
      floors.push(await floor());
      await sleep(10);
    }
    const latency = vox.map((v) => v.latency);
    const forward = vox.map((v) => v.forward);
    const requests = vox.map((v) => v.requests);
    const bytes = vox.map((v) => v.bytes);
    const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
    console.log(`
Voximplant screen-pop (Chromium ${await chromium.browser.version()}), one clock, interleaved calls
  scenario request → card painted   ${line(latency)}
  peer: webhook POST → card painted ${line(peer)}
  ratio Voximplant / webhook        p50 ${(q(latency, 0.5) / q(peer, 0.5)).toFixed(2)}   p95 ${(q(latency, 0.95) / q(peer, 0.95)).toFixed(2)}
The scenario's cost per answered call (alerting, ringing, connected, disconnected, terminating)
  requests per call                 ${mean(requests).toFixed(1)} (min ${Math.min(...requests)}, max ${Math.max(...requests)})
  bytes per call (both ways)        ${mean(bytes).toFixed(0)} B   (${(mean(bytes) / mean(requests)).toFixed(0)} B per request)
  customer waits for the bridge     ${line(forward)}
  floor: GET /healthz round trip    ${line(floors)}
  ratio wait / floor                p50 ${(q(forward, 0.5) / q(floors, 0.5)).toFixed(2)}`);
  } finally {
    await chromium.close();
    await crm.close();
    await cloud.stop();
    await bridge.stop();
  }
}
