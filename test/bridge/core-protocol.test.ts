/** parseClientFrame (src/shared/protocol.ts): the server side's one reading of every client frame. */
import { parseClientFrame } from '../../src/shared/protocol';

test('known frames are typed, unknown ops and fields ignored', () => {
  expect(parseClientFrame('{"op":"ping","t":5,"extra":1}')).toEqual({ kind: 'frame', frame: { op: 'ping', t: 5 } });
  expect(parseClientFrame('{"op":"connect","v":1,"token":"x","extension":"1001"}')).toMatchObject({
    kind: 'frame',
    frame: { op: 'connect', v: 1, token: 'x', extension: '1001' },
  });
  expect(parseClientFrame('{"op":"subscribePresence","x":1}')).toEqual({ kind: 'ignored', op: 'subscribePresence' });
});

test('bad frames have a reason, and the requestId when it is usable', () => {
  expect(parseClientFrame('nope')).toEqual({ kind: 'invalid', reason: 'not JSON' });
  expect(parseClientFrame('[1]')).toEqual({ kind: 'invalid', reason: 'not a JSON object' });
  expect(parseClientFrame('{"op":3}')).toEqual({ kind: 'invalid', reason: 'no string op' });
  expect(parseClientFrame(Buffer.from('{}'))).toEqual({ kind: 'invalid', reason: 'not a text frame' });
  expect(parseClientFrame(JSON.stringify({ op: 'ping', pad: 'x'.repeat(70_000) }))).toMatchObject({ kind: 'invalid' });
  expect(parseClientFrame('{"op":"createCall","requestId":"r1","number":5}')).toEqual({
    kind: 'invalid',
    reason: 'createCall: number: expected a string',
    op: 'createCall',
    requestId: 'r1',
  });
  expect(parseClientFrame('{"op":"listSessions"}')).toEqual({
    kind: 'invalid',
    reason: 'listSessions: requestId: expected a string',
    op: 'listSessions',
  });
  expect(
    parseClientFrame(JSON.stringify({ op: 'sessionAction', requestId: 'r', sessionId: 's', action: 'x'.repeat(2000) })),
  ).toMatchObject({ kind: 'invalid', requestId: 'r' });
});
