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
  /** Only toasts: a question is asked in PopLine's own window, never in the page (docs/security.md). */
  kind: 'toast';
  error?: boolean;
  title: string;
  text?: string;
}

export interface OverlayProps {
  dark: boolean;
  button?: MarkedNumber;
  bubble?: Bubble;
  onCall(event: MouseEvent, number: MarkedNumber): void;
  onClose(): void;
  onButtonHover(inside: boolean): void;
  /** Whether the element the page's hit test finds is PopLine's own host. */
  isOurs(element: Element | null): boolean;
}

/**
 * The call button counts a click only once it has been on screen and uncovered this long
 * (docs/security.md): a page cannot slide it under a pointer that is already clicking, nor
 * lift a top-layer popover off it at the last moment.
 */
export const ARM_AFTER_MS = 400;

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
  isOurs,
}: {
  number: MarkedNumber;
  onCall: OverlayProps['onCall'];
  onHover(inside: boolean): void;
  isOurs: OverlayProps['isOurs'];
}) {
  const { rect } = number;
  const left = Math.min(rect.right + 4, innerWidth - BUTTON - 2);
  const top = Math.max(2, (rect.top + rect.bottom) / 2 - BUTTON / 2);
  // Since when the button's centre has been ours in the page's own hit test (null: covered now).
  const clearSince = useRef<number | null>(null);
  useEffect(() => {
    let frame = 0;
    const watch = () => {
      const uncovered = isOurs(document.elementFromPoint(left + BUTTON / 2, top + BUTTON / 2));
      if (!uncovered) clearSince.current = null;
      else clearSince.current ??= performance.now();
      frame = requestAnimationFrame(watch);
    };
    watch();
    return () => cancelAnimationFrame(frame);
  }, [left, top]);
  const armed = (event: MouseEvent) => {
    const since = clearSince.current;
    return (
      since !== null &&
      event.timeStamp - since >= ARM_AFTER_MS &&
      isOurs(document.elementFromPoint(event.clientX, event.clientY))
    );
  };
  return (
    <button
      type="button"
      class="call"
      style={{ left: `${left}px`, top: `${top}px` }}
      aria-label={t('clickDialButton', number.text)}
      title={t('clickDialButton', number.text)}
      onClick={(event) => armed(event) && onCall(event, number)}
      onPointerEnter={() => onHover(true)}
      onPointerLeave={() => onHover(false)}
    >
      <PhoneIcon />
    </button>
  );
}

function BubbleView({ bubble, onClose }: { bubble: Bubble } & Pick<OverlayProps, 'onClose'>) {
  const left = Math.max(8, Math.min(bubble.x - 24, innerWidth - BUBBLE_WIDTH - 8));
  const below = bubble.y < innerHeight - 150;
  const position = below
    ? { left: `${left}px`, top: `${bubble.y + 16}px` }
    : { left: `${left}px`, bottom: `${innerHeight - bubble.y + 16}px` };
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'Escape') onClose();
  };
  // Nothing here takes the focus: a page's Enter must never answer anything of ours.
  return (
    <div
      class={`bubble ${bubble.kind}${bubble.error ? ' error' : ''}`}
      style={position}
      role={bubble.error ? 'alert' : 'status'}
      aria-live="polite"
    >
      <div class="title">{bubble.title}</div>
      {bubble.text ? <div class="text">{bubble.text}</div> : null}
      <button type="button" class="close" aria-label={t('clickDialClose')} onClick={onClose} onKeyDown={onKeyDown}>
        ×
      </button>
    </div>
  );
}

export function Overlay(props: OverlayProps) {
  return (
    <div class={`root${props.dark ? ' dark' : ''}`}>
      {props.button ? (
        <CallButton number={props.button} onCall={props.onCall} onHover={props.onButtonHover} isOurs={props.isOurs} />
      ) : null}
      {props.bubble ? <BubbleView key={props.bubble.id} bubble={props.bubble} onClose={props.onClose} /> : null}
    </div>
  );
}
