/**
 * The caller cards in this tab: draws whatever card list the background pushes (newest
 * revision wins), and turns the agent's clicks into messages. Keeps no call state of its own.
 */
import { createElement, render } from 'preact';
import type { CardPosition, ContentState } from '../shared/messages';
import type { createMessenger } from '../shared/messenger';
import type { SessionAction } from '../shared/protocol';
import type { CardActions } from './Card';
import { CardStack } from './CardStack';
import { createHost, type Host, pageIsDark } from './host';

type Send = ReturnType<typeof createMessenger>;

export interface CardsView {
  apply(state: ContentState): void;
  current(): ContentState | undefined;
}

export function createCardsView(send: Send, signal: AbortSignal, onError: (error: unknown) => void): CardsView {
  let host: Host | undefined;
  let current: ContentState | undefined;
  let placed: CardPosition | undefined;

  const actions: Omit<CardActions, 'minimise'> = {
    close(sessionId) {
      if (!current) return;
      draw({ ...current, cards: current.cards.filter((card) => card.sessionId !== sessionId) });
      send('dismissCard', { sessionId }).catch(onError);
    },
    async act(sessionId: string, action: SessionAction, target?: string) {
      try {
        const result = await send('callAction', { sessionId, action, ...(target ? { target } : {}) });
        return result.ok ? null : result.message;
      } catch (error) {
        onError(error);
        return String((error as Error).message ?? error);
      }
    },
    async openRecord(sessionId: string, match: number | 'create') {
      try {
        const result = await send('openRecord', { sessionId, match });
        return result.ok ? null : result.message;
      } catch (error) {
        onError(error);
        return String((error as Error).message ?? error);
      }
    },
    copy: copyText,
    dragStart(event: PointerEvent) {
      if (event.button !== 0 || (event.target as Element).closest('button') || !host) return;
      drag(host, event, (position) => send('savePosition', position).catch(onError));
    },
  };

  function draw(state: ContentState): void {
    current = state;
    if (!state.cards.length) {
      if (host) render(null, host.mount);
      host?.hide();
      return;
    }
    host ??= createHost(signal);
    host.show();
    if (state.position && (state.position.right !== placed?.right || state.position.bottom !== placed?.bottom)) {
      placed = host.move(state.position);
    }
    render(createElement(CardStack, { state, isDark: pageIsDark, actions }), host.mount);
  }

  const scheme = matchMedia('(prefers-color-scheme: dark)');
  scheme.addEventListener('change', () => current && draw(current), { signal });
  signal.addEventListener('abort', () => host && render(null, host.mount), { once: true });

  return {
    apply(state) {
      if (current && state.rev < current.rev) return;
      draw(state);
    },
    current: () => current,
  };
}

/** Drags the stack with the pointer; the place is saved when the agent lets go. */
function drag(host: Host, start: PointerEvent, save: (position: CardPosition) => void): void {
  const target = start.currentTarget as HTMLElement;
  const origin = host.position();
  target.setPointerCapture(start.pointerId);
  const move = (event: PointerEvent) =>
    host.move({
      right: origin.right - (event.clientX - start.clientX),
      bottom: origin.bottom - (event.clientY - start.clientY),
    });
  const end = () => {
    target.removeEventListener('pointermove', move);
    const moved = host.position();
    if (moved.right !== origin.right || moved.bottom !== origin.bottom) save(moved);
  };
  target.addEventListener('pointermove', move);
  target.addEventListener('pointerup', end, { once: true });
  target.addEventListener('pointercancel', end, { once: true });
}

async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}
