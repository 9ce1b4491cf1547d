/** What every PBX connector offers the rest of the background. */
import type { CallEvent } from '../../../shared/calls';
import type { ActionResult } from '../../../shared/outcome';
import type { ConnectionState, HistoryEntry, Permissions, SessionAction } from '../../../shared/protocol';

export interface ConnectorStatus {
  state: ConnectionState;
  /** Why, in words, for the user. */
  detail?: string;
  userName?: string;
  permissions?: Permissions;
  tokenExpiresAt?: string;
}

export interface ConnectorEvents {
  status(status: ConnectorStatus): void;
  call(event: CallEvent): void;
  /** The connection is gone; `retry` is false when retrying cannot help (access denied). */
  closed(info: { retry: boolean; detail: string }): void;
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
}
