/**
 * Where the card's forms are typed (issue 18, gap 11): an extension frame (entry.html), sized to
 * its content. Only events from this very frame count: a page can post look-alike messages,
 * but it cannot send them from the frame's window.
 */
import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import { type EntryEvent, readEntryEvent } from '../../shared/cards/entry';

/** The height before the frame has measured itself (a three-line note form). */
const FIRST_HEIGHT = 120;

export interface EntryFrameProps {
  src: string;
  label: string;
  onEvent(event: EntryEvent): void;
  /**
   * Take the keyboard focus when ready (the agent opened the form with a click). False for a form
   * the card opens by itself (the wrap-up's): the agent may be typing in the page.
   */
  autoFocus?: boolean;
}

export function EntryFrame({ src, label, onEvent, autoFocus = true }: EntryFrameProps) {
  // The address it opened with, for good: a new one (the call's phase changed) would reload the frame.
  const [address] = useState(src);
  const frame = useRef<HTMLIFrameElement>(null);
  const [height, setHeight] = useState(FIRST_HEIGHT);
  const focused = useRef(false);
  // Read once, like the address: the frame takes focus on its first "ready" only if asked then.
  const takeFocus = useRef(autoFocus);
  const latest = useRef(onEvent);
  latest.current = onEvent;
  // Listening from the commit that inserts the frame (a layout effect), not after the next paint: no
  // message the frame sends can come before the listener.
  useLayoutEffect(() => {
    const listen = (message: MessageEvent) => {
      const element = frame.current;
      if (!element || message.source !== element.contentWindow) return;
      const event = readEntryEvent(message.data);
      if (!event) return;
      if (event.type === 'size') setHeight(event.height);
      // The agent opened the form with a click: focus goes into the frame, which focuses its field.
      // A frame that reloads (the card moved) takes it back only if it had it.
      else if (event.type === 'ready') {
        const host = (element.getRootNode() as ShadowRoot).host;
        if ((!focused.current && takeFocus.current) || (focused.current && document.activeElement === host))
          element.focus();
        focused.current = true;
      } else latest.current(event);
    };
    window.addEventListener('message', listen);
    return () => window.removeEventListener('message', listen);
  }, []);
  return <iframe ref={frame} class="entry-frame" src={address} title={label} style={{ height: `${height}px` }} />;
}
