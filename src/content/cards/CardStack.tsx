/**
 * The stack of cards, newest on top: a few open, minimised ones as pills, the rest folded
 * behind "N more calls". A live region announces a ringing call to screen readers.
 */
import { useEffect, useState } from 'preact/hooks';
import { t, tPlural } from '../../i18n';
import type { ContentState } from '../../shared/cards';
import { fadeStart, logHoldsCard } from '../../shared/crm/log/outbox';
import { displayText } from '../../shared/format';
import { Card, type CardActions, Pill } from './Card';

export interface StackProps {
  state: ContentState;
  /** Asked on every tick, so the card follows a page that switches its scheme. */
  isDark: () => boolean;
  actions: Omit<CardActions, 'minimise'>;
  /** Cards the agent is writing a note on: they neither fade nor fold away. */
  kept?: ReadonlySet<string>;
}

const MAX_OPEN = 3;

/** Ticks once a second while anything on screen has a running timer or a fade pending. */
function useNow(active: boolean): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [active]);
  return now;
}

const NOTHING_KEPT: ReadonlySet<string> = new Set();

export function CardStack({ state, isDark, actions, kept = NOTHING_KEPT }: StackProps) {
  const now = useNow(state.cards.length > 0);
  const [minimised, setMinimised] = useState<ReadonlySet<string>>(new Set());
  const [showAll, setShowAll] = useState(false);
  // A card whose log waits for the wrap-up or failed stays; a logged one fades from when it was logged.
  const fadesAt = (card: ContentState['cards'][number]) =>
    card.endedAt === undefined || card.endReason === 'missed' || kept.has(card.sessionId) || logHoldsCard(card.crmLog)
      ? Number.POSITIVE_INFINITY
      : fadeStart(card.endedAt, card.crmLog) + state.fadeAfterMs;
  const cards = state.cards.filter((card) => now < fadesAt(card) + 500);
  const ringing = cards.find((card) => card.phase === 'ringing' && card.direction !== 'outbound');
  const toggle = (id: string, on: boolean) =>
    setMinimised((current) => {
      const next = new Set(current);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });
  const open = cards.filter((card) => !minimised.has(card.sessionId));
  const pills = cards.filter((card) => minimised.has(card.sessionId));
  // A card being noted always shows; the others fill the places left, newest first.
  let room = MAX_OPEN - open.filter((card) => kept.has(card.sessionId)).length;
  const shown = showAll ? open : open.filter((card) => kept.has(card.sessionId) || room-- > 0);
  const folded = open.length - shown.length;
  return (
    <div class={`stack theme${isDark() ? ' dark' : ''}`}>
      <div class="sr" role="status" aria-live="assertive">
        {ringing ? t('announceIncoming', displayText(ringing.name) || displayText(ringing.numberDisplay)) : ''}
      </div>
      {shown.map((card) => (
        <Card
          key={card.sessionId}
          call={card}
          now={now}
          fading={now >= fadesAt(card)}
          canControl={state.canControl}
          canAnswer={state.canAnswer === true}
          actions={{ ...actions, minimise: (id) => toggle(id, true) }}
        />
      ))}
      {folded > 0 || showAll ? (
        <button
          type="button"
          class="more"
          onClick={(event) => event.isTrusted && setShowAll(!showAll)}
          aria-label={showAll ? t('showFewerCalls') : t('showAllCalls')}
        >
          {showAll ? t('showFewerCalls') : tPlural('moreCalls', folded)}
        </button>
      ) : null}
      {pills.length ? (
        <div class="pills">
          {pills.map((card) => (
            <Pill key={card.sessionId} call={card} now={now} onExpand={(id) => toggle(id, false)} />
          ))}
        </div>
      ) : null}
    </div>
  );
}
