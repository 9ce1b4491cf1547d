/**
 * Bounds against a hostile or very busy PBX (issue 18, gap 8): one heartbeat timer however many
 * grants arrive, a cap on live calls, and ids from outside that are Object.prototype's names.
 */
import { CtiConnector } from '../../src/background/pbx/connectors/cti';
import { applyEvent, type CallBook, emptyBook, MAX_LIVE_CALLS } from '../../src/shared/calls';
import type { CtiSession } from '../../src/shared/protocol';

class FakeSocket {
  static last: FakeSocket;
  readyState = 1;
  sent: string[] = [];
  onopen?: () => void;
  onmessage?: (event: { data: string }) => void;
  onclose?: (event: { code: number; reason: string }) => void;
  onerror?: () => void;
  constructor() {
    FakeSocket.last = this;
  }
  send(data: string) {
    this.sent.push(data);
  }
  close() {
    this.readyState = 3;
  }
}

test('many ACCESS_GRANTED frames still mean one heartbeat timer', () => {
  jest.useFakeTimers();
  try {
    const connector = new CtiConnector(
      {
        url: 'ws://127.0.0.1:1/cti',
        token: 't',
        extension: '1001',
        clientVersion: 'test',
        WebSocketImpl: FakeSocket as unknown as typeof WebSocket,
      },
      { status: () => undefined, call: () => undefined, closed: () => undefined },
    );
    connector.open();
    const socket = FakeSocket.last;
    socket.onopen?.();
    const grant = JSON.stringify({ op: 'connectionStateChanged', state: 'ACCESS_GRANTED', heartbeat: 1 });
    const pings = () => socket.sent.filter((frame) => JSON.parse(frame).op === 'ping').length;
    socket.onmessage?.({ data: grant });
    jest.advanceTimersByTime(1000);
    // Positive control: one grant, one ping a second.
    expect(pings()).toBe(1);
    for (let i = 0; i < 50; i++) socket.onmessage?.({ data: grant });
    socket.onmessage?.({ data: JSON.stringify({ op: 'pong', t: 1 }) });
    jest.advanceTimersByTime(1000);
    expect(pings()).toBe(2);
    connector.close();
  } finally {
    jest.useRealTimers();
  }
});

const rules = { extension: '1001', extraNumbers: [], monitorAll: true };
const session = (sessionId: string, state = 'Ringing'): CtiSession => ({
  sessionId,
  state,
  caller: '+4930123456',
  callee: '1001',
  startTime: '2024-01-01T00:00:00Z',
});

test.each([
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
])('a session id %s is a call like any other', (id) => {
  let book: CallBook = emptyBook();
  book = applyEvent(book, { type: 'upsert', seq: 1, session: session(id) }, rules, 1000).book;
  expect(Object.hasOwn(book.calls, id)).toBe(true);
  expect(Object.getPrototypeOf(book.calls)).toBe(Object.prototype);
  book = applyEvent(book, { type: 'upsert', seq: 2, session: session(id, 'Answered') }, rules, 2000).book;
  expect(book.calls[id]?.phase).toBe('connected');
  book = applyEvent(book, { type: 'close', seq: 3, sessionId: id }, rules, 3000).book;
  expect(book.calls[id]?.endedAt).toBe(3000);
  const snap = applyEvent(emptyBook(), { type: 'snapshot', seq: 1, sessions: [session(id)], fresh: true }, rules, 1);
  expect(Object.hasOwn(snap.book.calls, id)).toBe(true);
  expect(Object.keys(JSON.parse(JSON.stringify(snap.book.calls)))).toEqual([id]);
});

test('live calls are capped: the oldest ringing ones go', () => {
  let book = emptyBook();
  const answered = session('answered', 'Answered');
  book = applyEvent(book, { type: 'upsert', seq: 1, session: answered }, rules, 1).book;
  for (let i = 0; i < MAX_LIVE_CALLS + 20; i++) {
    book = applyEvent(book, { type: 'upsert', seq: i + 2, session: session(`s${i}`) }, rules, 10 + i).book;
  }
  const live = Object.values(book.calls).filter((call) => call.endedAt === undefined);
  expect(live.length).toBe(MAX_LIVE_CALLS);
  expect(book.calls.answered).toBeDefined();
  expect(book.calls.s0).toBeUndefined();
  expect(book.calls[`s${MAX_LIVE_CALLS + 19}`]).toBeDefined();
  // A dropped call does not come back with a late event.
  book = applyEvent(book, { type: 'upsert', seq: 10_000, session: session('s0') }, rules, 99_999).book;
  expect(book.calls.s0).toBeUndefined();
});
