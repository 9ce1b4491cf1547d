/** What the popup gets from the background about the team and the messages (shared/messages.ts). */
import type { ClientState, DirectoryUser } from '../protocol';
import type { ChatMessage } from './messages';

export interface TeamView {
  /** Presence and chat as the server announced them; both false hide the views. */
  hasPresence: boolean;
  hasChat: boolean;
  /** The agent's own extension. */
  me: string;
  self?: ClientState;
  /** Unread messages per colleague. */
  unread: Record<string, number>;
  favourites: string[];
  /** The directory's revision; `users` only when it differs from the one asked with. */
  dirRev: number;
  users?: DirectoryUser[];
  /** The presence revision; `presence` holds every state (`full`) or only those changed since the one asked with. */
  presRev: number;
  presence?: ClientState[];
  full?: boolean;
}

/** One conversation in the list: the colleague, the newest message, unread count. */
export interface ConversationSummary {
  peer: string;
  last: ChatMessage;
  unread: number;
}

export type ChatSendResult =
  | { ok: true; message: ChatMessage }
  | { ok: false; code: import('../outcome').Failure; message: string; sent?: ChatMessage };
