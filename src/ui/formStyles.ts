/**
 * The look shared by the card (in its shadow root) and the card's text entry frame (entry.html):
 * the light and dark palettes, the call-state accent, buttons, the transfer and note forms.
 */
export const FORM_CSS = `
* { box-sizing: border-box; }
.theme { --bg: #ffffff; --fg: #1f1f1f; --muted: #5f6368; --border: #dadce0; --hover: rgba(0,0,0,.06); --accent: #1a73e8;
  font: 13px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
.theme.dark { --bg: #202124; --fg: #e8eaed; --muted: #9aa0a6; --border: #3c4043; --hover: rgba(255,255,255,.08); }
[data-phase="ringing"] { --accent: #1a73e8; }
[data-phase="connected"] { --accent: #1e8e3e; }
[data-phase="held"] { --accent: #e37400; }
[data-phase="transferring"] { --accent: #9334e6; }
[data-phase="setup"], [data-phase="ended"] { --accent: #80868b; }
[data-outcome="missed"] { --accent: #d93025; }
button { font: inherit; color: inherit; background: none; border: 1px solid var(--border); border-radius: 6px;
  cursor: pointer; padding: 3px 10px; }
button:hover { background: var(--hover); }
button:focus-visible, input:focus-visible, textarea:focus-visible { outline: 2px solid var(--accent); outline-offset: 1px; }
button:disabled { opacity: .5; cursor: default; }
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
.message, .note { color: var(--muted); font-size: 12px; unicode-bidi: isolate; overflow-wrap: anywhere; }
.message:empty { display: none; }
.sr, .sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
`;
