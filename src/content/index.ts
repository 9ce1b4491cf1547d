/**
 * Content script entry, in CRM tabs only. It asks the background whether this tab is a CRM
 * tab, then shows the cards the background pushes, and keeps in touch: a port that wakes a
 * stopped worker, a re-sync every few seconds during a call, and "this tab is in use" signals.
 */
import type { ContentState } from '../shared/cards';
import { createMessenger, isContextInvalidated } from '../shared/messenger';
import { webext } from '../webext';
import { createLazyCardsView } from './cards/lazy';
import { sendLogRequest } from './crmlog';
import { type Dialing, startDialing } from './dial';
import { keepWorkerAwake } from './liveness';
import { fetchOwnSite } from './lookup';
import { receivePushes } from './pushes';

const MARK = Symbol.for('popline.content');
/** How often a tab re-syncs with the background: often during a call, rarely otherwise. */
const SYNC_ACTIVE_MS = 3000;
const SYNC_IDLE_MS = 20_000;

const send = createMessenger((message) => webext().runtime.sendMessage(message));
const isVisible = () => document.visibilityState === 'visible' && document.hasFocus();

/** The cards' side of this tab while it is a CRM tab: what pushes and lookups reach. */
interface CrmTab {
  apply(state: ContentState | null): void;
}

function start(dialing: Dialing, onStop: () => void): CrmTab {
  const controller = new AbortController();
  const { signal } = controller;
  let syncTimer: ReturnType<typeof setTimeout> | undefined;

  const stop = () => {
    controller.abort();
    clearTimeout(syncTimer);
    onStop();
  };
  const failed = (error: unknown) => {
    if (isContextInvalidated(error)) stop();
  };
  const cards = createLazyCardsView(send, signal, failed);

  function apply(state: ContentState | null): void {
    if (state === null) return stop();
    if (state.features) dialing.configure(state.features);
    cards.apply(state);
    scheduleSync();
  }

  const sync = () => send('contentHello', { visible: isVisible() }).then(apply, failed);

  function scheduleSync(): void {
    clearTimeout(syncTimer);
    if (signal.aborted) return;
    const active = cards.current()?.cards.some((card) => card.endedAt === undefined);
    syncTimer = setTimeout(
      () => {
        if (document.visibilityState === 'visible' || active) void sync();
        else scheduleSync();
      },
      active ? SYNC_ACTIVE_MS : SYNC_IDLE_MS,
    );
  }

  let lastActive = 0;
  const onActivity = (event: Event) => {
    if (!event.isTrusted || !isVisible() || Date.now() - lastActive < 1000) return;
    lastActive = Date.now();
    send('tabActive', { visible: true }).catch(failed);
  };

  window.addEventListener('focus', onActivity, { signal });
  window.addEventListener('pointerdown', onActivity, { signal, capture: true, passive: true });
  window.addEventListener('keydown', onActivity, { signal, capture: true, passive: true });
  document.addEventListener('visibilitychange', onActivity, { signal });
  keepWorkerAwake(signal, () => void sync());
  void sync();
  return { apply };
}

const scope = globalThis as { [MARK]?: boolean };
if (!scope[MARK]) {
  scope[MARK] = true;
  // Click-to-dial outlives the cards: a page that shows none may still dial or show a dial's outcome.
  const dialing = startDialing(send);
  let crmTab: CrmTab | null = null;
  crmTab = start(dialing, () => {
    crmTab = null;
  });
  receivePushes({
    cards: (state) => {
      if (!crmTab) return undefined;
      crmTab.apply(state);
      return Promise.resolve(null);
    },
    dialOutcome: ({ outcome, near }) => Promise.resolve(dialing.showOutcome(outcome, near)),
    lookupFetch: ({ url, timeoutMs }) => (crmTab ? fetchOwnSite(url, timeoutMs) : undefined),
    crmLogFetch: (request) => (crmTab ? sendLogRequest(request) : undefined),
  });
}
