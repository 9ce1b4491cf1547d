/** The call button, toasts and confirmations: all in PopLine's closed shadow root. */

/** The host covers nothing (0×0 at the top-left corner); its children are placed in the viewport. */
export const DIAL_HOST_STYLE =
  'all: initial !important; position: fixed !important; top: 0 !important; left: 0 !important; ' +
  'width: 0 !important; height: 0 !important; overflow: visible !important; display: block !important; ' +
  'z-index: 2147483647 !important; pointer-events: none !important; margin: 0 !important; padding: 0 !important;';

export const DIAL_CSS = `
:host { color-scheme: light dark; }
* { box-sizing: border-box; }
.root { font: 13px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  --bg: #ffffff; --fg: #1f1f1f; --muted: #5f6368; --border: #dadce0; --accent: #1a73e8; --danger: #d93025; }
.root.dark { --bg: #202124; --fg: #e8eaed; --muted: #9aa0a6; --border: #3c4043; --accent: #8ab4f8; --danger: #f28b82; }
.call { position: fixed; pointer-events: auto; width: 26px; height: 26px; border-radius: 13px; padding: 0;
  display: grid; place-items: center; cursor: pointer; border: 1px solid var(--border);
  background: var(--accent); color: #fff; box-shadow: 0 2px 8px rgba(0,0,0,.25); }
.call:hover { filter: brightness(1.1); }
.call:focus-visible { outline: 2px solid var(--fg); outline-offset: 2px; }
.call svg { width: 14px; height: 14px; fill: currentColor; }
.bubble { position: fixed; pointer-events: auto; width: max-content; max-width: 300px; padding: 10px 12px;
  border-radius: 10px; background: var(--bg); color: var(--fg); border: 1px solid var(--border);
  box-shadow: 0 6px 24px rgba(0,0,0,.2); border-left: 4px solid var(--accent); }
.bubble.error { border-left-color: var(--danger); }
.title { font-weight: 600; overflow-wrap: anywhere; unicode-bidi: isolate; }
.text { color: var(--muted); margin-top: 2px; overflow-wrap: anywhere; }
.actions { display: flex; gap: 8px; justify-content: flex-end; margin-top: 10px; }
button.action { font: inherit; border-radius: 6px; padding: 4px 12px; cursor: pointer; border: 1px solid var(--border);
  background: transparent; color: var(--fg); }
button.action.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
button.action:focus-visible, .close:focus-visible { outline: 2px solid var(--accent); outline-offset: 1px; }
.close { position: absolute; top: 4px; right: 6px; border: 0; background: none; color: var(--muted); cursor: pointer;
  font-size: 15px; line-height: 1; padding: 2px 4px; }
.bubble.toast { padding-right: 28px; }
`;
