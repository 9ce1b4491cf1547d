/**
 * "Test connection" on the options page: what a throwaway connection found out, in a few
 * outcomes a user understands. The background gathers the facts (background/connectionTest.ts);
 * this file turns them into an outcome, so the reasoning is tested without a browser.
 */
import { CLOSE, normalisePermissions, type ParsedFrame, type Permissions } from '../protocol';

export const TEST_OUTCOMES = [
  'connected',
  'denied',
  'unreachable',
  'tls',
  'timeout',
  'notPopline',
  'badAddress',
  'noToken',
  'failed',
] as const;
export type TestOutcome = (typeof TEST_OUTCOMES)[number];

export interface ConnectionTestResult {
  outcome: TestOutcome;
  /** More about why, in words (from the server or the browser); untrusted text. */
  detail?: string;
  userName?: string;
  permissions?: Permissions;
  /** The server's own name and version, when it says (the PopLine bridge does). Untrusted text. */
  server?: { name?: string; version?: string };
}

/** How an HTTP request to the same address went: it tells "nothing there" from "not ours". */
export type HttpProbe = 'answered' | 'failed' | 'timeout' | 'skipped';

export interface ProbeFacts {
  /** The server's WebSocket URL was `wss://`. */
  secure: boolean;
  /** The WebSocket opened (the server speaks WebSocket at this address). */
  opened: boolean;
  /** The first frame the server sent, parsed. */
  firstFrame?: ParsedFrame;
  closeCode?: number;
  closeReason?: string;
  /** Nothing decisive happened within the test's time limit. */
  timedOut: boolean;
  /** `http(s)://` to the same URL, when the socket never opened. */
  sameUrl: HttpProbe;
  /** Plain `http://` to the same host and port, for a `wss://` address that did not answer. */
  plainHttp: HttpProbe;
}

export function classifyProbe(facts: ProbeFacts): ConnectionTestResult {
  const frame = facts.firstFrame?.kind === 'frame' ? facts.firstFrame.frame : undefined;
  if (frame?.op === 'connectionStateChanged') {
    if (frame.state === 'ACCESS_GRANTED') {
      const name = frame.user?.fullName || frame.user?.userName;
      return {
        outcome: 'connected',
        permissions: normalisePermissions(frame.permissions),
        ...(name ? { userName: name } : {}),
        ...(frame.server?.name || frame.server?.version ? { server: frame.server } : {}),
      };
    }
    if (frame.state === 'ACCESS_DENIED') return { outcome: 'denied', detail: frame.reason || facts.closeReason || '' };
  }
  if (frame?.op === 'error' && frame.code === 'UNSUPPORTED_VERSION') {
    return { outcome: 'notPopline', detail: frame.message ?? 'the server does not speak this protocol version' };
  }
  if (facts.closeCode === CLOSE.unauthorized || facts.closeCode === CLOSE.forbidden) {
    return { outcome: 'denied', detail: facts.closeReason ?? '' };
  }
  if (facts.opened) {
    if (facts.firstFrame || facts.closeCode === CLOSE.protocolError) return { outcome: 'notPopline' };
    return facts.timedOut ? { outcome: 'timeout' } : { outcome: 'notPopline' };
  }
  if (facts.sameUrl === 'answered') return { outcome: 'notPopline' };
  if (facts.timedOut || facts.sameUrl === 'timeout') return { outcome: 'timeout' };
  if (facts.secure && facts.plainHttp === 'answered') return { outcome: 'tls' };
  return { outcome: 'unreachable' };
}
