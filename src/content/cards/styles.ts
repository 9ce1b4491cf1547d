/** The card's CSS. It lives in the shadow root: the page cannot reach it and it cannot leak. */
import type { CardPosition } from '../../shared/cards';
import { FORM_CSS } from '../../ui/formStyles';

/** The host's inline style: reset everything, fixed at the given distance from the corner. */
export const hostStyle = ({ right, bottom }: CardPosition) =>
  'all: initial !important; position: fixed !important; z-index: 2147483647 !important; ' +
  `right: ${right}px !important; bottom: ${bottom}px !important; display: block !important; ` +
  'width: auto !important; height: auto !important; margin: 0 !important; padding: 0 !important; ' +
  'pointer-events: none !important; contain: layout style !important;';

export const CARD_CSS = `
:host { color-scheme: light dark; }
${FORM_CSS}
.stack { display: flex; flex-direction: column-reverse; gap: 8px; align-items: flex-end; }
.card, .pill, .more { pointer-events: auto; background: var(--bg); color: var(--fg); border: 1px solid var(--border);
  box-shadow: 0 6px 24px rgba(0,0,0,.18); }
.card { width: 300px; border-radius: 10px; overflow: hidden; transition: opacity .4s ease; }
.card.fading { opacity: 0; }
.bar { height: 4px; background: var(--accent); }
.entry-frame { display: block; width: 100%; border: 0; margin-top: 8px; background: transparent; color-scheme: normal; }
.card[data-phase="ringing"] .bar { animation: pulse 1.2s ease-in-out infinite; }
@keyframes pulse { 50% { opacity: .35; } }
@media (prefers-reduced-motion: reduce) { .card[data-phase="ringing"] .bar { animation: none; } .card { transition: none; } }
.body { padding: 8px 12px 10px; }
.top { display: flex; flex-wrap: wrap; align-items: center; gap: 6px; color: var(--muted); font-size: 12px; cursor: grab;
  touch-action: none; user-select: none; }
.state { font-weight: 600; color: var(--accent); }
.spacer { flex: 1; }
.timer { font-variant-numeric: tabular-nums; }
.name { margin-top: 2px; font-size: 16px; font-weight: 600; white-space: nowrap; overflow: hidden;
  text-overflow: ellipsis; unicode-bidi: isolate; }
.line { display: flex; align-items: baseline; gap: 2px 8px; flex-wrap: wrap; }
.line button.link { white-space: nowrap; }
.number { color: var(--muted); font-variant-numeric: tabular-nums; white-space: nowrap; overflow: hidden;
  text-overflow: ellipsis; direction: ltr; unicode-bidi: isolate; }
button.icon { border-color: transparent; padding: 0 6px; font-size: 16px; line-height: 1.2; color: var(--muted); }
.saved-note { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.pills { display: flex; gap: 6px; flex-wrap: wrap; justify-content: flex-end; max-width: 300px; }
.pill { display: flex; align-items: center; gap: 6px; border-radius: 999px; padding: 4px 10px; max-width: 300px; }
.pill .dot { width: 8px; height: 8px; border-radius: 50%; background: var(--accent); flex: none; }
.pill-name { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; unicode-bidi: isolate; font-weight: 600; }
.more { border-radius: 999px; padding: 4px 12px; }
.caller { margin-top: 4px; display: flex; flex-direction: column; align-items: flex-start; gap: 2px;
  unicode-bidi: isolate; overflow-wrap: anywhere; }
.caller.quiet, .caller .quiet { color: var(--muted); font-size: 12px; }
.company { font-weight: 600; }
.matches { list-style: none; margin: 2px 0 0; padding: 0; display: flex; flex-direction: column; gap: 4px; width: 100%; }
button.match { display: flex; flex-direction: column; align-items: flex-start; width: 100%; text-align: start; }
.match-name { font-weight: 600; }
.match-company { color: var(--muted); font-size: 12px; }
.crm-log { margin-top: 6px; display: flex; flex-wrap: wrap; align-items: baseline; gap: 2px 8px; font-size: 12px;
  color: var(--muted); overflow-wrap: anywhere; unicode-bidi: isolate; }
.crm-log[data-crm-log="failed"] .crm-log-text { color: var(--danger, #b3261e); }
.crm-log .countdown { font-variant-numeric: tabular-nums; }
`;
