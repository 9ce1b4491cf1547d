/** The card's CSS. It lives in the shadow root: the page cannot reach it and it cannot leak. */
export const HOST_STYLE =
  'all: initial !important; position: fixed !important; z-index: 2147483647 !important; ' +
  'right: 16px !important; bottom: 16px !important; display: block !important; ' +
  'width: auto !important; height: auto !important; margin: 0 !important; padding: 0 !important; ' +
  'pointer-events: none !important; contain: layout style !important;';

export const CARD_CSS = `
:host { color-scheme: light dark; }
* { box-sizing: border-box; }
.stack { display: flex; flex-direction: column-reverse; gap: 8px; align-items: flex-end;
  font: 13px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
.card { pointer-events: auto; width: 300px; border-radius: 10px; overflow: hidden;
  background: var(--bg); color: var(--fg); border: 1px solid var(--border);
  box-shadow: 0 6px 24px rgba(0,0,0,.18); transition: opacity .4s ease;
  --bg: #ffffff; --fg: #1f1f1f; --muted: #5f6368; --border: #dadce0; --accent: #1a73e8; }
.dark .card { --bg: #202124; --fg: #e8eaed; --muted: #9aa0a6; --border: #3c4043; }
.card.fading { opacity: 0; }
.bar { height: 4px; background: var(--accent); }
.card[data-phase="ringing"] { --accent: #1a73e8; }
.card[data-phase="ringing"] .bar { animation: pulse 1.2s ease-in-out infinite; }
.card[data-phase="connected"] { --accent: #1e8e3e; }
.card[data-phase="held"] { --accent: #f29900; }
.card[data-phase="transferring"] { --accent: #9334e6; }
.card[data-phase="setup"] { --accent: #80868b; }
.card[data-phase="ended"] { --accent: #80868b; }
.card[data-outcome="missed"] { --accent: #d93025; }
@keyframes pulse { 50% { opacity: .35; } }
@media (prefers-reduced-motion: reduce) { .card[data-phase="ringing"] .bar { animation: none; } }
.body { padding: 10px 12px 12px; }
.top { display: flex; align-items: center; gap: 8px; color: var(--muted); font-size: 12px; }
.state { font-weight: 600; color: var(--accent); }
.spacer { flex: 1; }
.timer { font-variant-numeric: tabular-nums; }
.name { margin-top: 4px; font-size: 16px; font-weight: 600; white-space: nowrap; overflow: hidden;
  text-overflow: ellipsis; unicode-bidi: isolate; }
.number { color: var(--muted); font-variant-numeric: tabular-nums; white-space: nowrap; overflow: hidden;
  text-overflow: ellipsis; direction: ltr; unicode-bidi: isolate; }
button { font: inherit; color: inherit; background: none; border: 1px solid transparent; border-radius: 6px;
  cursor: pointer; padding: 2px 6px; }
button:hover { background: color-mix(in srgb, var(--fg) 8%, transparent); }
button:focus-visible { outline: 2px solid var(--accent); outline-offset: 1px; }
.close { font-size: 16px; line-height: 1; padding: 2px 6px; color: var(--muted); }
.sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
`;
