/** One caller card. Every string from the PBX is rendered as text by Preact. */

import { displayText, formatDuration } from '../shared/format';
import type { CardView } from '../shared/messages';
import { t } from './i18n';

export interface CardProps {
  call: CardView;
  now: number;
  fading: boolean;
  onClose: (sessionId: string) => void;
}

const DIRECTION_KEY = { inbound: 'cardInbound', outbound: 'cardOutbound', internal: 'cardInternal' } as const;

export function stateLabel(call: CardView): string {
  if (call.phase === 'ended') return t(`end_${call.endReason ?? 'answered'}`);
  if (!call.stateKnown) return displayText(call.rawState, 40) || t('state_unknown');
  return t(`state_${call.phase}`);
}

/** Ring time while ringing, talk time once answered, the talk length when it ended. */
export function timerText(call: CardView, now: number): string {
  const end = call.endedAt ?? now;
  if (call.answeredAt !== undefined) return formatDuration(end - call.answeredAt);
  if (call.phase === 'ended') return '';
  return formatDuration(end - call.startedAt);
}

export function Card({ call, now, fading, onClose }: CardProps) {
  const name = displayText(call.name) || t('unknownCaller');
  const number = displayText(call.numberDisplay, 64);
  return (
    <section
      class={`card${fading ? ' fading' : ''}`}
      data-session={call.sessionId}
      data-phase={call.phase}
      data-outcome={call.endReason ?? ''}
      aria-label={t('cardLabel', name)}
    >
      <div class="bar" />
      <div class="body">
        <div class="top">
          <span class="direction">{t(DIRECTION_KEY[call.direction])}</span>
          <span class="state">{stateLabel(call)}</span>
          <span class="spacer" />
          <span class="timer">{timerText(call, now)}</span>
          <button
            type="button"
            class="close"
            title={t('close')}
            aria-label={t('close')}
            onClick={(event) => {
              if (event.isTrusted) onClose(call.sessionId);
            }}
          >
            ×
          </button>
        </div>
        <div class="name" title={name}>
          {name}
        </div>
        <div class="number">{number}</div>
      </div>
    </section>
  );
}
