/** What every PBX connector offers the rest of the background. */
import type { CallEvent } from '../../../shared/calls';
import type { ActionResult } from '../../../shared/outcome';
import type {
  ClientFrame,
  ConnectionState,
  Features,
  HistoryEntry,
  Permissions,
  ServerFrameOf,
  SessionAction,
} from '../../../shared/protocol';

/** The presence and chat frames (docs/protocol.md "Team"), handed to background/team as they come. */
export type TeamFrame = ServerFrameOf<
  'directory' | 'userInfoReceived' | 'clientStateChanged' | 'messageReceived' | 'messageStatus'
>;
/** The presence and chat commands, without their `requestId` (the connector numbers them). */
export type TeamCommand = DistributiveOmit<
  Extract<ClientFrame, { op: 'setAvailability' | 'sendMessage' | 'markRead' }>,
  'requestId'
>;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export interface ConnectorStatus {
  state: ConnectionState;
  /** Why, in words, for the user. */
  detail?: string;
  userName?: string;
  permissions?: Permissions;
  tokenExpiresAt?: string;
  /** The agent's extension as the server granted it. */
  extension?: string;
  /** Which of presence and chat the server announced (absent: neither). */
  features?: Features;
}

export interface ConnectorEvents {
  status(status: ConnectorStatus): void;
  call(event: CallEvent): void;
  /** The connection is gone; `retry` is false when retrying cannot help (access denied). */
  closed(info: { retry: boolean; detail: string }): void;
  /** A presence or chat frame (only connectors that speak them). */
  team?(frame: TeamFrame): void;
}

export interface HistoryPage {
  total: number;
  entries: HistoryEntry[];
}

export interface Connector {
  open(): void;
  close(): void;
  createCall(number: string): Promise<ActionResult>;
  sessionAction(sessionId: string, action: SessionAction, target?: string): Promise<ActionResult>;
  getCallHistory(
    pageNumber: number,
    pageRows: number,
    filter?: { general?: string; from?: string; to?: string },
  ): Promise<HistoryPage>;
  /** Presence and chat, where the connector speaks them; the answer carries a message's id. */
  teamCommand?(frame: TeamCommand): Promise<ActionResult & { messageId?: string }>;
}
