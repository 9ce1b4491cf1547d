/**
 * The caller cards in this tab: draws whatever card list the background pushes (newest
 * revision wins), and turns the agent's clicks into messages. Keeps no call state of its own,
 * only the cards the agent is writing a note on, so they stay until the note is done.
 */
import { createElement, render } from 'preact';
import { t } from '../../i18n';
import type { CardPosition, CardView, ContentState } from '../../shared/cards';
import { ENTRY_PAGE, entryHash } from '../../shared/cards/entry';
import type { ActionResult } from '../../shared/outcome';
import { failureText } from '../../ui/format';
import { webext } from '../../webext';
import type { CardsView, Send } from './api';
import type { CardActions } from './Card';
import { CardStack } from './CardStack';
import { createHost, type Host } from './host';
import { pageIsDark } from './theme';

export type { CardsView } from './api';

/** How long a card stays after its note is saved, so the agent sees it was. */
const KEEP_AFTER_NOTE_MS = 3000;

export function createCardsView(send: Send, signal: AbortSignal, onError: (error: unknown) => void): CardsView {
  let host: Host | undefined;
  let current: ContentState | undefined;
  let placed: CardPosition | undefined;
  // Cards with a note being written, as last seen: they stay even after the background lets
  // their call go, so the agent never loses what they are typing.
  const kept = new Map<string, CardView>();
  const releases = new Map<string, ReturnType<typeof setTimeout>>();

  function release(sessionId: string): void {
    clearTimeout(releases.get(sessionId));
    releases.delete(sessionId);
    kept.delete(sessionId);
  }

  /** What the card shows after asking the background: null when done, else why not, in words. */
  async function outcome(request: Promise<ActionResult>): Promise<string | null> {
    try {
      const result = await request;
      if (result.ok) return null;
      // A transfer target the dial policy asks about: the card cannot answer for the agent.
      if (result.code === 'confirm') return t('transferConfirmInPopup');
      return failureText(result.code, result.message);
    } catch (error) {
      onError(error);
      return failureText('failed', String((error as Error).message ?? error));
    }
  }

  const actions: Omit<CardActions, 'minimise'> = {
    close(sessionId) {
      release(sessionId);
      if (!current) return;
      draw({ ...current, cards: current.cards.filter((card) => card.sessionId !== sessionId) });
      send('dismissCard', { sessionId }).catch(onError);
    },
    act: (sessionId, action, gesture) =>
      outcome(send('callAction', { sessionId, action, ...(gesture ? { gesture } : {}) })),
    openRecord: (sessionId: string, match: number | 'create') => outcome(send('openRecord', { sessionId, match })),
    // Only with a real click's evidence: the background refuses the rest (as for call control).
    logNow: (sessionId, gesture) =>
      gesture ? outcome(send('crmLogNow', { sessionId, gesture })) : Promise.resolve(failureText('refused')),
    entryUrl: (kind, sessionId, phase, quiet) =>
      `${webext().runtime.getURL(ENTRY_PAGE)}#${entryHash({ kind, sessionId, phase, dark: pageIsDark(), quiet })}`,
    keepOpen(sessionId, on) {
      clearTimeout(releases.get(sessionId));
      releases.delete(sessionId);
      if (on) {
        const card = current?.cards.find((c) => c.sessionId === sessionId) ?? kept.get(sessionId);
        if (card) kept.set(sessionId, card);
        redrawSoon();
        return;
      }
      releases.set(
        sessionId,
        setTimeout(() => {
          release(sessionId);
          if (current) draw(current);
        }, KEEP_AFTER_NOTE_MS),
      );
    },
    copy: copyText,
    dragStart(event: PointerEvent) {
      if (event.button !== 0 || (event.target as Element).closest('button') || !host) return;
      drag(host, event, (position) => send('savePosition', position).catch(onError));
    },
  };

  // keepOpen is called from the cards' own effects and handlers: drawing the stack there, while Preact
  // is still committing that card (its own state update pending), has drawn the card twice. So the
  // stack is drawn again on a later task, once Preact's queued renders are done.
  let redrawQueued = false;
  function redrawSoon(): void {
    if (redrawQueued) return;
    redrawQueued = true;
    setTimeout(() => {
      redrawQueued = false;
      if (current && !signal.aborted) draw(current);
    }, 0);
  }

  /** The pushed cards plus the kept ones the push no longer has, after them. */
  function withKept(state: ContentState): ContentState {
    const pushed = new Set(state.cards.map((card) => card.sessionId));
    for (const card of state.cards) if (kept.has(card.sessionId)) kept.set(card.sessionId, card);
    const extra = [...kept.values()].filter((card) => !pushed.has(card.sessionId));
    return extra.length ? { ...state, cards: [...state.cards, ...extra] } : state;
  }

  function draw(pushed: ContentState): void {
    current = pushed;
    const state = withKept(pushed);
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
    render(createElement(CardStack, { state, isDark: pageIsDark, actions, kept: new Set(kept.keys()) }), host.mount);
  }

  const scheme = matchMedia('(prefers-color-scheme: dark)');
  scheme.addEventListener('change', () => current && draw(current), { signal });
  signal.addEventListener(
    'abort',
    () => {
      for (const id of [...releases.keys()]) release(id);
      if (host) render(null, host.mount);
    },
    { once: true },
  );

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
