/** The card's CSS. It lives in the shadow root: the page cannot reach it and it cannot leak. */
import type { CardPosition } from '../../shared/cards';

/** The host's inline style: reset everything, fixed at the given distance from the corner. */
export const hostStyle = ({ right, bottom }: CardPosition) =>
  'all: initial !important; position: fixed !important; z-index: 2147483647 !important; ' +
  `right: ${right}px !important; bottom: ${bottom}px !important; display: block !important; ` +
  'width: auto !important; height: auto !important; margin: 0 !important; padding: 0 !important; ' +
  'pointer-events: none !important; contain: layout style !important;';

export const CARD_CSS = `
:host { color-scheme: light dark; }
* { box-sizing: border-box; }
.stack { display: flex; flex-direction: column-reverse; gap: 8px; align-items: flex-end;
  font: 13px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  --bg: #ffffff; --fg: #1f1f1f; --muted: #5f6368; --border: #dadce0; --hover: rgba(0,0,0,.06); }
.stack.dark { --bg: #202124; --fg: #e8eaed; --muted: #9aa0a6; --border: #3c4043; --hover: rgba(255,255,255,.08); }
.card, .pill, .more { pointer-events: auto; background: var(--bg); color: var(--fg); border: 1px solid var(--border);
  box-shadow: 0 6px 24px rgba(0,0,0,.18); }
.card { width: 300px; border-radius: 10px; overflow: hidden; transition: opacity .4s ease; --accent: #1a73e8; }
.card.fading { opacity: 0; }
.bar { height: 4px; background: var(--accent); }
[data-phase="ringing"] { --accent: #1a73e8; }
.card[data-phase="ringing"] .bar { animation: pulse 1.2s ease-in-out infinite; }
[data-phase="connected"] { --accent: #1e8e3e; }
[data-phase="held"] { --accent: #e37400; }
[data-phase="transferring"] { --accent: #9334e6; }
[data-phase="setup"], [data-phase="ended"] { --accent: #80868b; }
[data-outcome="missed"] { --accent: #d93025; }
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
.note, .message { color: var(--muted); font-size: 12px; unicode-bidi: isolate; overflow-wrap: anywhere; }
.message:empty { display: none; }
button { font: inherit; color: inherit; background: none; border: 1px solid var(--border); border-radius: 6px;
  cursor: pointer; padding: 3px 10px; }
button:hover { background: var(--hover); }
button:focus-visible, input:focus-visible, textarea:focus-visible { outline: 2px solid var(--accent); outline-offset: 1px; }
button:disabled { opacity: .5; cursor: default; }
button.icon { border-color: transparent; padding: 0 6px; font-size: 16px; line-height: 1.2; color: var(--muted); }
button.link { border: 0; padding: 0; color: var(--accent); font-size: 12px; }
button.danger { background: #d93025; border-color: #d93025; color: #fff; }
button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
.actions, .transfer { display: flex; gap: 6px; margin-top: 8px; flex-wrap: wrap; }
.transfer input { flex: 1 1 100%; min-width: 0; font: inherit; color: inherit; background: transparent;
  border: 1px solid var(--border); border-radius: 6px; padding: 3px 8px; }
.note-form { display: flex; flex-direction: column; gap: 6px; margin-top: 8px; }
.note-form textarea { width: 100%; min-height: 56px; resize: vertical; font: inherit; color: inherit;
  background: transparent; border: 1px solid var(--border); border-radius: 6px; padding: 4px 8px; }
.note-form .actions { margin-top: 0; }
.tags { display: flex; gap: 4px; flex-wrap: wrap; border: 0; margin: 0; padding: 0; min-width: 0; }
button.tag { border-radius: 999px; padding: 1px 8px; font-size: 12px; unicode-bidi: isolate; }
button.tag[aria-pressed="true"] { background: var(--accent); border-color: var(--accent); color: #fff; }
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
.sr, .sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
`;
