/** The stack of cards, newest on top, with a live region that announces a ringing call. */
import { useEffect, useState } from 'preact/hooks';
import { displayText } from '../shared/format';
import type { ContentState } from '../shared/messages';
import { Card } from './Card';
import { t } from './i18n';

export interface StackProps {
  state: ContentState;
  dark: boolean;
  onClose: (sessionId: string) => void;
}

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

export function CardStack({ state, dark, onClose }: StackProps) {
  const now = useNow(state.cards.length > 0);
  const cards = state.cards.filter(
    (card) => card.endedAt === undefined || card.endReason === 'missed' || now - card.endedAt < state.fadeAfterMs + 500,
  );
  const ringing = cards.find((card) => card.phase === 'ringing' && card.direction !== 'outbound');
  return (
    <div class={`stack${dark ? ' dark' : ''}`}>
      <div class="sr" role="status" aria-live="assertive">
        {ringing ? t('announceIncoming', displayText(ringing.name) || displayText(ringing.numberDisplay)) : ''}
      </div>
      {cards.map((card) => (
        <Card
          key={card.sessionId}
          call={card}
          now={now}
          fading={card.endedAt !== undefined && card.endReason !== 'missed' && now - card.endedAt >= state.fadeAfterMs}
          onClose={onClose}
        />
      ))}
    </div>
  );
}
