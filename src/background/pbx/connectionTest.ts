/**
 * "Test connection": opens a throwaway connection with the values typed into the options page,
 * without saving them and without touching the live connection, and reports what happened.
 * The token travels from the options page to here only; it is never stored by a test.
 */
import {
  type ConnectionTestResult,
  classifyProbe,
  type HttpProbe,
  type ProbeFacts,
} from '../../shared/pbx/connectionTest';
import { type ParsedFrame, PROTOCOL_VERSION, parseServerFrame, serverUrlProblem } from '../../shared/protocol';

/** How long a test may take in all; a server that has said nothing by then "timed out". */
export const TEST_TIMEOUT_MS = 8000;
const HTTP_PROBE_TIMEOUT_MS = 3000;

export interface CtiTestInput {
  serverUrl: string;
  extension: string;
  allowInsecure: boolean;
  token: string;
  clientVersion: string;
}

export interface ProbeDeps {
  WebSocketImpl?: typeof WebSocket;
  fetchImpl?: typeof fetch;
  timeoutMs?: number;
}

export async function testCti(input: CtiTestInput, deps: ProbeDeps = {}): Promise<ConnectionTestResult> {
  const problem = serverUrlProblem(input.serverUrl, input.allowInsecure);
  if (problem) return { outcome: 'badAddress', detail: problem };
  if (!input.token) return { outcome: 'noToken' };
  return classifyProbe(await probe(input, deps));
}

/** Whether an HTTP request to `url` gets any answer at all (the answer itself is opaque). */
async function httpProbe(url: string, fetchImpl: typeof fetch): Promise<HttpProbe> {
  try {
    await fetchImpl(url, {
      mode: 'no-cors',
      cache: 'no-store',
      credentials: 'omit',
      signal: AbortSignal.timeout(HTTP_PROBE_TIMEOUT_MS),
    });
    return 'answered';
  } catch (error) {
    return (error as Error)?.name === 'TimeoutError' ? 'timeout' : 'failed';
  }
}

async function probe(input: CtiTestInput, deps: ProbeDeps): Promise<ProbeFacts> {
  const url = new URL(input.serverUrl);
  const secure = url.protocol === 'wss:';
  const socketFacts = await openSocket(input, deps);
  const facts: ProbeFacts = { secure, ...socketFacts, sameUrl: 'skipped', plainHttp: 'skipped' };
  if (facts.opened || facts.timedOut) return facts;
  const fetchImpl = deps.fetchImpl ?? fetch.bind(globalThis);
  const sameUrl = new URL(url);
  sameUrl.protocol = secure ? 'https:' : 'http:';
  facts.sameUrl = await httpProbe(sameUrl.href, fetchImpl);
  if (secure && facts.sameUrl === 'failed') {
    // A server that answers plain HTTP on its TLS port is there: the TLS handshake failed.
    facts.plainHttp = await httpProbe(`http://${url.host}/`, fetchImpl);
  }
  return facts;
}

type SocketFacts = Pick<ProbeFacts, 'opened' | 'firstFrame' | 'closeCode' | 'closeReason' | 'timedOut'>;

function openSocket(input: CtiTestInput, deps: ProbeDeps): Promise<SocketFacts> {
  const Impl = deps.WebSocketImpl ?? WebSocket;
  return new Promise((resolve) => {
    const facts: SocketFacts = { opened: false, timedOut: false };
    let socket: WebSocket | undefined;
    const done = () => {
      clearTimeout(timer);
      resolve(facts);
      try {
        socket?.close(1000, 'connection test done');
      } catch {
        // Already closed.
      }
    };
    const timer = setTimeout(() => {
      facts.timedOut = true;
      done();
    }, deps.timeoutMs ?? TEST_TIMEOUT_MS);
    try {
      socket = new Impl(input.serverUrl);
    } catch {
      return done();
    }
    socket.onopen = () => {
      facts.opened = true;
      socket?.send(
        JSON.stringify({
          op: 'connect',
          v: PROTOCOL_VERSION,
          token: input.token,
          ...(input.extension ? { extension: input.extension } : {}),
          client: { name: 'PopLine', version: input.clientVersion },
        }),
      );
    };
    socket.onmessage = (event) => {
      const parsed: ParsedFrame = parseServerFrame(event.data);
      facts.firstFrame ??= parsed;
      const frame = parsed.kind === 'frame' ? parsed.frame : undefined;
      // Denied: wait for the close, whose code and reason say more. Anything else decides.
      if (frame?.op === 'connectionStateChanged' && frame.state === 'ACCESS_DENIED') return;
      if (frame?.op === 'error' && frame.code === 'UNSUPPORTED_VERSION') return;
      done();
    };
    socket.onerror = () => {
      // The close event follows with what there is to know.
    };
    socket.onclose = (event) => {
      facts.closeCode = event.code;
      if (event.reason) facts.closeReason = event.reason;
      done();
    };
  });
}
