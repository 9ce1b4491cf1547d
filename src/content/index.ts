/**
 * Content script entry, in CRM tabs only. It asks the background whether this tab is a CRM
 * tab, then draws whatever card list the background pushes. It keeps no call state of its
 * own beyond the last list, so a reload or a restarted worker simply re-syncs.
 */
import { createElement, render } from 'preact';
import browser from 'webextension-polyfill';
import { check } from '../shared/guard';
import type { ContentState } from '../shared/messages';
import { envelopeGuard } from '../shared/messages';
import { createMessenger, isContextInvalidated } from '../shared/messenger';
import { CardStack } from './CardStack';
import { createHost, type Host, pageIsDark } from './host';

const MARK = Symbol.for('popline.content');
/** How often a tab re-syncs with the background: often during a call, rarely otherwise. */
const SYNC_ACTIVE_MS = 3000;
const SYNC_IDLE_MS = 20_000;

const send = createMessenger((message) => browser.runtime.sendMessage(message));
const isVisible = () => document.visibilityState === 'visible' && document.hasFocus();

function start(): void {
  const controller = new AbortController();
  const { signal } = controller;
  let host: Host | undefined;
  let current: ContentState | undefined;
  let syncTimer: ReturnType<typeof setTimeout> | undefined;

  const stop = () => {
    controller.abort();
    clearTimeout(syncTimer);
    browser.runtime.onMessage.removeListener(onPush);
  };

  const failed = (error: unknown) => {
    if (isContextInvalidated(error)) stop();
  };

  const onClose = (sessionId: string) => {
    if (!current) return;
    draw({ ...current, cards: current.cards.filter((card) => card.sessionId !== sessionId) });
    send('dismissCard', { sessionId }).catch(failed);
  };

  function draw(state: ContentState): void {
    current = state;
    if (!state.cards.length) {
      if (host) render(null, host.mount);
      host?.hide();
    } else {
      host ??= createHost(signal);
      host.show();
      render(createElement(CardStack, { state, dark: pageIsDark(), onClose }), host.mount);
    }
    scheduleSync();
  }

  function apply(state: ContentState | null): void {
    if (state === null) return stop();
    if (current && state.rev < current.rev) return;
    draw(state);
  }

  function onPush(message: unknown, sender: { id?: string; tab?: unknown }): undefined {
    if (sender.id !== browser.runtime.id || sender.tab) return undefined;
    const envelope = check(envelopeGuard, message);
    if (envelope.ok && envelope.value.type === 'cards') apply(envelope.value.body as ContentState);
    return undefined;
  }

  const sync = () => send('contentHello', { visible: isVisible() }).then(apply, failed);

  function scheduleSync(): void {
    clearTimeout(syncTimer);
    if (signal.aborted) return;
    const active = current?.cards.some((card) => card.endedAt === undefined);
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

  browser.runtime.onMessage.addListener(onPush);
  window.addEventListener('focus', onActivity, { signal });
  window.addEventListener('pointerdown', onActivity, { signal, capture: true, passive: true });
  window.addEventListener('keydown', onActivity, { signal, capture: true, passive: true });
  document.addEventListener('visibilitychange', onActivity, { signal });
  void sync();
}

const scope = globalThis as { [MARK]?: boolean };
if (!scope[MARK]) {
  scope[MARK] = true;
  start();
}
