import { LIMITS, parseServerFrame, serverUrlProblem } from '../../src/shared/protocol';

const session = {
  sessionId: 's1',
  state: 'Ringing',
  caller: '+4930123',
  callee: '1001',
  startTime: '2026-11-23T10:00:00Z',
};

describe('parseServerFrame', () => {
  test('accepts a valid frame and drops unknown fields', () => {
    const parsed = parseServerFrame(
      JSON.stringify({ op: 'sessionCreated', seq: 1, session: { ...session, extra: 1 }, x: 2 }),
    );
    expect(parsed).toEqual({ kind: 'frame', frame: { op: 'sessionCreated', seq: 1, session } });
  });

  test.each([
    ['not JSON', '{nope'],
    ['an array', '[1,2]'],
    ['no op', '{"seq":1}'],
    ['a number op', '{"op":1}'],
    ['wrong types', JSON.stringify({ op: 'sessionCreated', seq: '1', session })],
    ['negative seq', JSON.stringify({ op: 'sessionCreated', seq: -1, session })],
    ['missing session fields', JSON.stringify({ op: 'sessionCreated', seq: 1, session: { sessionId: 'x' } })],
    ['an empty session id', JSON.stringify({ op: 'sessionCreated', seq: 1, session: { ...session, sessionId: '' } })],
    [
      'oversize strings',
      JSON.stringify({ op: 'sessionCreated', seq: 1, session: { ...session, caller: 'x'.repeat(1025) } }),
    ],
  ])('rejects %s', (_what, text) => {
    expect(parseServerFrame(text).kind).toBe('invalid');
  });

  test('rejects a frame over 65,536 bytes', () => {
    const text = JSON.stringify({ op: 'pong', t: 1, pad: 'é'.repeat(40_000) });
    expect(parseServerFrame(text)).toEqual({ kind: 'invalid', reason: `frame over ${LIMITS.frameBytes} bytes` });
  });

  test('ignores unknown ops', () => {
    expect(parseServerFrame('{"op":"conferenceCreated","room":{}}')).toEqual({
      kind: 'ignored',
      op: 'conferenceCreated',
    });
  });

  test('clips display names to 256 characters instead of dropping the call', () => {
    const parsed = parseServerFrame(
      JSON.stringify({ op: 'sessionCreated', seq: 1, session: { ...session, callerDisplayName: 'A'.repeat(10_000) } }),
    );
    expect(parsed.kind).toBe('frame');
    if (parsed.kind === 'frame' && parsed.frame.op === 'sessionCreated') {
      expect(parsed.frame.session.callerDisplayName).toHaveLength(LIMITS.displayName);
    }
  });

  test('accepts integer states', () => {
    expect(
      parseServerFrame(JSON.stringify({ op: 'sessionStateChanged', seq: 2, session: { ...session, state: 4 } })).kind,
    ).toBe('frame');
  });

  test('never throws on hostile input', () => {
    for (const input of [undefined, null, 42, {}, '', '""', 'null', '{"op":"__proto__"}', '{"op":"constructor"}']) {
      expect(() => parseServerFrame(input)).not.toThrow();
    }
    expect(parseServerFrame('{"op":"__proto__"}').kind).toBe('ignored');
  });
});

describe('serverUrlProblem', () => {
  test('wss is fine anywhere; ws only for loopback unless allowed', () => {
    expect(serverUrlProblem('wss://pbx.example.com/cti', false)).toBeNull();
    expect(serverUrlProblem('ws://127.0.0.1:8765/cti', false)).toBeNull();
    expect(serverUrlProblem('ws://localhost/cti', false)).toBeNull();
    expect(serverUrlProblem('ws://[::1]:8765/cti', false)).toBeNull();
    expect(serverUrlProblem('ws://pbx.example.com/cti', false)).toMatch(/only allowed/);
    expect(serverUrlProblem('ws://pbx.example.com/cti', true)).toBeNull();
    expect(serverUrlProblem('https://pbx.example.com', false)).toMatch(/wss/);
    expect(serverUrlProblem('not a url', false)).toMatch(/valid/);
  });
});
