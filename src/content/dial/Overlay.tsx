/**
 * What PopLine shows in a page for dialing: the call button next to a marked number, and a
 * bubble near where the agent clicked (a toast with the outcome, or a confirmation). Text from
 * the page or the PBX is rendered as text, never as HTML.
 */
import { useEffect, useRef } from 'preact/hooks';
import { t } from '../../i18n';
import type { MarkedNumber } from '../detect/api';

export interface Bubble {
  /** Changes with every new bubble, so a newer one replaces an older one. */
  id: number;
  x: number;
  y: number;
  kind: 'toast' | 'confirm';
  error?: boolean;
  title: string;
  text?: string;
  ticket?: string;
}

export interface OverlayProps {
  dark: boolean;
  button?: MarkedNumber;
  bubble?: Bubble;
  onCall(event: MouseEvent, number: MarkedNumber): void;
  onConfirm(event: MouseEvent, ticket: string): void;
  onClose(): void;
  onButtonHover(inside: boolean): void;
}

const BUTTON = 26;
const BUBBLE_WIDTH = 300;

const PhoneIcon = () => (
  <svg viewBox="0 0 24 24" aria-hidden="true">
    <path d="M6.6 10.8a15.1 15.1 0 0 0 6.6 6.6l2.2-2.2a1 1 0 0 1 1-.25 11.4 11.4 0 0 0 3.6.57 1 1 0 0 1 1 1V20a1 1 0 0 1-1 1A17 17 0 0 1 3 4a1 1 0 0 1 1-1h3.5a1 1 0 0 1 1 1c0 1.25.2 2.45.57 3.57a1 1 0 0 1-.25 1z" />
  </svg>
);

function CallButton({
  number,
  onCall,
  onHover,
}: {
  number: MarkedNumber;
  onCall: OverlayProps['onCall'];
  onHover(inside: boolean): void;
}) {
  const { rect } = number;
  const left = Math.min(rect.right + 4, innerWidth - BUTTON - 2);
  const top = Math.max(2, (rect.top + rect.bottom) / 2 - BUTTON / 2);
  return (
    <button
      type="button"
      class="call"
      style={{ left: `${left}px`, top: `${top}px` }}
      aria-label={t('clickDialButton', number.text)}
      title={t('clickDialButton', number.text)}
      onClick={(event) => onCall(event, number)}
      onPointerEnter={() => onHover(true)}
      onPointerLeave={() => onHover(false)}
    >
      <PhoneIcon />
    </button>
  );
}

function BubbleView({ bubble, onConfirm, onClose }: { bubble: Bubble } & Pick<OverlayProps, 'onConfirm' | 'onClose'>) {
  const primary = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (bubble.kind === 'confirm') primary.current?.focus();
  }, [bubble.id]);
  const left = Math.max(8, Math.min(bubble.x - 24, innerWidth - BUBBLE_WIDTH - 8));
  const below = bubble.y < innerHeight - 150;
  const position = below
    ? { left: `${left}px`, top: `${bubble.y + 16}px` }
    : { left: `${left}px`, bottom: `${innerHeight - bubble.y + 16}px` };
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'Escape') onClose();
  };
  return (
    <div
      class={`bubble ${bubble.kind}${bubble.error ? ' error' : ''}`}
      style={position}
      role={bubble.kind === 'confirm' ? 'alertdialog' : bubble.error ? 'alert' : 'status'}
      aria-live={bubble.kind === 'confirm' ? undefined : 'polite'}
    >
      <div class="title">{bubble.title}</div>
      {bubble.text ? <div class="text">{bubble.text}</div> : null}
      {bubble.kind === 'confirm' && bubble.ticket ? (
        <div class="actions">
          <button type="button" class="action" onClick={onClose} onKeyDown={onKeyDown}>
            {t('clickDialCancel')}
          </button>
          <button
            type="button"
            class="action primary"
            ref={primary}
            onKeyDown={onKeyDown}
            onClick={(event) => onConfirm(event, bubble.ticket as string)}
          >
            {t('clickDialConfirm')}
          </button>
        </div>
      ) : (
        <button type="button" class="close" aria-label={t('clickDialClose')} onClick={onClose} onKeyDown={onKeyDown}>
          ×
        </button>
      )}
    </div>
  );
}

export function Overlay(props: OverlayProps) {
  return (
    <div class={`root${props.dark ? ' dark' : ''}`}>
      {props.button ? <CallButton number={props.button} onCall={props.onCall} onHover={props.onButtonHover} /> : null}
      {props.bubble ? (
        <BubbleView key={props.bubble.id} bubble={props.bubble} onConfirm={props.onConfirm} onClose={props.onClose} />
      ) : null}
    </div>
  );
}
