/** Presence and chat frames (issue 16): the guards both the extension and the bridge use. */
import {
  type DirectoryUser,
  directoryFrames,
  LIMITS,
  normaliseFeatures,
  normalisePermissions,
  parseClientFrame,
  parseServerFrame,
} from '../../src/shared/protocol';

const HOSTILE = [
  '<img src=x onerror=alert(1)>',
  '"><script>alert(document.cookie)</script>',
  '\u202Eevil\u202C',
  '{{constructor.constructor("alert(1)")()}}',
  'javascript:alert(1)',
  '__proto__',
];

const state = { phoneNumber: '1002', status: 'ONLINE', phone: 'inCall', availability: 'available' };
const user = { extension: '1002', name: 'bob', fullName: 'Bob Smith', mobile: '+4915112345678', email: 'b@x.test' };
const time = '2026-12-02T10:00:00Z';

const server = (frame: object) => parseServerFrame(JSON.stringify(frame));
const client = (frame: object) => parseClientFrame(JSON.stringify(frame));

describe('server frames', () => {
  test('connectionStateChanged carries permissions.accept and features, both optional', () => {
    const granted = server({
      op: 'connectionStateChanged',
      state: 'ACCESS_GRANTED',
      permissions: { dial: true, accept: true },
      features: { presence: true, chat: false, future: 1 },
    });
    expect(granted.kind).toBe('frame');
    if (granted.kind !== 'frame' || granted.frame.op !== 'connectionStateChanged') throw new Error('not granted');
    expect(normalisePermissions(granted.frame.permissions).accept).toBe(true);
    expect(granted.frame.features).toEqual({ presence: true, chat: false });
    expect(normaliseFeatures(granted.frame.features)).toEqual({ presence: true, chat: false });
    // A server from before the addition: nothing announced, nothing assumed.
    const old = server({ op: 'connectionStateChanged', state: 'ACCESS_GRANTED', permissions: { dial: true } });
    if (old.kind !== 'frame' || old.frame.op !== 'connectionStateChanged') throw new Error('not granted');
    expect(normalisePermissions(old.frame.permissions).accept).toBe(false);
    expect(normaliseFeatures(old.frame.features)).toEqual({ presence: false, chat: false });
    expect(server({ op: 'connectionStateChanged', state: 'ACCESS_GRANTED', features: { chat: 'yes' } }).kind).toBe(
      'invalid',
    );
  });

  test('accepts each new frame and drops unknown fields', () => {
    expect(server({ op: 'directory', page: 1, pages: 1, users: [{ ...user, state, x: 1 }] })).toEqual({
      kind: 'frame',
      frame: { op: 'directory', page: 1, pages: 1, users: [{ ...user, state }] },
    });
    expect(server({ op: 'userInfoReceived', user })).toEqual({
      kind: 'frame',
      frame: { op: 'userInfoReceived', user },
    });
    const changed = { ...state, availability: 'dnd', note: 'writing up', until: time, nickname: 'Bobby' };
    expect(server({ op: 'clientStateChanged', ...changed })).toEqual({
      kind: 'frame',
      frame: { op: 'clientStateChanged', ...changed },
    });
    const message = { id: 'm1', from: '1002', to: '1001', content: 'your customer is on line 2', time };
    expect(server({ op: 'messageReceived', ...message })).toEqual({
      kind: 'frame',
      frame: { op: 'messageReceived', ...message },
    });
    const status = { ids: ['m1', 'm2'], state: 'read', by: '1001', time };
    expect(server({ op: 'messageStatus', ...status })).toEqual({
      kind: 'frame',
      frame: { op: 'messageStatus', ...status },
    });
    expect(server({ op: 'result', requestId: 'r1', ok: true, messageId: 'm1' })).toEqual({
      kind: 'frame',
      frame: { op: 'result', requestId: 'r1', ok: true, messageId: 'm1' },
    });
  });

  test('every phone state and availability is accepted', () => {
    for (const phone of ['idle', 'ringing', 'inCall', 'onHold', 'offline']) {
      for (const availability of ['available', 'away', 'dnd']) {
        expect(server({ op: 'clientStateChanged', ...state, phone, availability }).kind).toBe('frame');
      }
    }
  });

  test.each([
    ['an unknown phone state', { op: 'clientStateChanged', ...state, phone: 'busy' }],
    ['an unknown availability', { op: 'clientStateChanged', ...state, availability: 'DND' }],
    ['an unknown status', { op: 'clientStateChanged', ...state, status: 'online' }],
    ['no phoneNumber', { op: 'clientStateChanged', ...state, phoneNumber: undefined }],
    ['an empty phoneNumber', { op: 'clientStateChanged', ...state, phoneNumber: '' }],
    ['an oversize phoneNumber', { op: 'clientStateChanged', ...state, phoneNumber: '1'.repeat(65) }],
    ['an expiry that is no time', { op: 'clientStateChanged', ...state, until: 'tomorrow' }],
    ['a user without extension', { op: 'userInfoReceived', user: { name: 'x' } }],
    ['a user whose devices are no list', { op: 'userInfoReceived', user: { ...user, devices: '1002' } }],
    ['a user with a bad state', { op: 'userInfoReceived', user: { ...user, state: { ...state, phone: 1 } } }],
    ['a page after the last', { op: 'directory', page: 3, pages: 2, users: [] }],
    ['page 0', { op: 'directory', page: 0, pages: 1, users: [] }],
    ['a fractional page', { op: 'directory', page: 1.5, pages: 2, users: [] }],
    ['too many users on a page', { op: 'directory', page: 1, pages: 1, users: Array(201).fill({ extension: '1' }) }],
    ['a message without id', { op: 'messageReceived', from: '1', to: '2', content: 'x', time }],
    ['a message whose content is no string', { op: 'messageReceived', id: 'm', from: '1', to: '2', content: 1, time }],
    [
      'a message with an oversize id',
      { op: 'messageReceived', id: 'm'.repeat(129), from: '1', to: '2', content: '', time },
    ],
    ['an unknown message state', { op: 'messageStatus', ids: ['m'], state: 'seen', by: '1', time }],
    ['too many ids', { op: 'messageStatus', ids: Array(201).fill('m'), state: 'read', by: '1', time }],
    ['an empty id', { op: 'messageStatus', ids: [''], state: 'read', by: '1', time }],
    ['an oversize messageId', { op: 'result', requestId: 'r', ok: true, messageId: 'm'.repeat(129) }],
  ])('rejects %s', (_what, frame) => {
    expect(server(frame).kind).toBe('invalid');
  });

  test('names, notes and message text are clipped rather than losing the frame', () => {
    const long = server({
      op: 'messageReceived',
      id: 'm',
      from: '1',
      to: '2',
      content: 'x'.repeat(5000),
      time,
    });
    expect(long.kind === 'frame' && long.frame.op === 'messageReceived' && long.frame.content.length).toBe(
      LIMITS.message,
    );
    const note = server({ op: 'clientStateChanged', ...state, note: 'n'.repeat(500), nickname: 'k'.repeat(500) });
    if (note.kind !== 'frame' || note.frame.op !== 'clientStateChanged') throw new Error('dropped');
    expect(note.frame.note).toHaveLength(LIMITS.note);
    expect(note.frame.nickname).toHaveLength(LIMITS.displayName);
    // A contact field over the limit is dropped alone; the user stays.
    const contact = server({
      op: 'userInfoReceived',
      user: { ...user, email: `${'e'.repeat(300)}@x`, fullName: 'F'.repeat(999) },
    });
    if (contact.kind !== 'frame' || contact.frame.op !== 'userInfoReceived') throw new Error('dropped');
    expect(contact.frame.user.email).toBeUndefined();
    expect(contact.frame.user.mobile).toBe(user.mobile);
    expect(contact.frame.user.fullName).toHaveLength(LIMITS.displayName);
  });

  test('hostile strings stay the same strings (no decoding, no evaluation)', () => {
    for (const hostile of HOSTILE) {
      const parsed = server({ op: 'messageReceived', id: hostile, from: '1', to: '2', content: hostile, time });
      expect(parsed).toEqual({
        kind: 'frame',
        frame: { op: 'messageReceived', id: hostile, from: '1', to: '2', content: hostile, time },
      });
      const named = server({
        op: 'userInfoReceived',
        user: { extension: '7', name: hostile, fullName: hostile, nickname: hostile },
      });
      expect(named.kind === 'frame' && named.frame.op === 'userInfoReceived' && named.frame.user).toEqual({
        extension: '7',
        name: hostile,
        fullName: hostile,
        nickname: hostile,
      });
    }
    // A user object whose keys try prototype tricks gets only the known fields.
    const proto = parseServerFrame('{"op":"userInfoReceived","user":{"extension":"1","__proto__":{"admin":true}}}');
    expect(proto.kind === 'frame' && proto.frame.op === 'userInfoReceived' && Object.keys(proto.frame.user)).toEqual([
      'extension',
    ]);
  });

  test('a frame over 65,536 bytes is rejected before it is parsed', () => {
    const text = JSON.stringify({
      op: 'directory',
      page: 1,
      pages: 1,
      users: [{ extension: '1', pad: 'é'.repeat(40_000) }],
    });
    expect(parseServerFrame(text)).toEqual({ kind: 'invalid', reason: `frame over ${LIMITS.frameBytes} bytes` });
  });
});

describe('client frames (server side)', () => {
  test('accepts the three new commands', () => {
    expect(
      client({ op: 'setAvailability', requestId: 'r1', availability: 'dnd', note: 'call-up', until: time }),
    ).toEqual({
      kind: 'frame',
      frame: { op: 'setAvailability', requestId: 'r1', availability: 'dnd', note: 'call-up', until: time },
    });
    expect(client({ op: 'sendMessage', requestId: 'r2', to: '1002', content: HOSTILE[0] })).toEqual({
      kind: 'frame',
      frame: { op: 'sendMessage', requestId: 'r2', to: '1002', content: HOSTILE[0] },
    });
    expect(client({ op: 'markRead', requestId: 'r3', ids: ['m1'] })).toEqual({
      kind: 'frame',
      frame: { op: 'markRead', requestId: 'r3', ids: ['m1'] },
    });
  });

  test.each([
    ['an unknown availability', { op: 'setAvailability', requestId: 'r', availability: 'busy' }],
    [
      'a note over 140 characters',
      { op: 'setAvailability', requestId: 'r', availability: 'away', note: 'n'.repeat(141) },
    ],
    ['an expiry that is no time', { op: 'setAvailability', requestId: 'r', availability: 'dnd', until: 'soon' }],
    ['an empty message', { op: 'sendMessage', requestId: 'r', to: '1002', content: '' }],
    ['a message over 1,000 characters', { op: 'sendMessage', requestId: 'r', to: '1002', content: 'x'.repeat(1001) }],
    ['no recipient', { op: 'sendMessage', requestId: 'r', content: 'hi' }],
    ['a recipient that is no string', { op: 'sendMessage', requestId: 'r', to: 1002, content: 'hi' }],
    ['ids that are no list', { op: 'markRead', requestId: 'r', ids: 'm1' }],
    ['too many ids', { op: 'markRead', requestId: 'r', ids: Array(201).fill('m') }],
  ])('rejects %s, keeping the requestId for an INVALID result', (_what, frame) => {
    const parsed = client(frame);
    expect(parsed.kind).toBe('invalid');
    expect(parsed.kind === 'invalid' && parsed.requestId).toBe('r');
  });

  test('never throws on hostile input', () => {
    for (const op of ['setAvailability', 'sendMessage', 'markRead']) {
      for (const input of [`{"op":"${op}"}`, `{"op":"${op}","requestId":{}}`, `{"op":"${op}","ids":[null]}`]) {
        expect(() => parseClientFrame(input)).not.toThrow();
        expect(parseClientFrame(input).kind).toBe('invalid');
      }
    }
  });
});

describe('directoryFrames', () => {
  const parse = (frames: string[]) =>
    frames.map((text) => {
      const parsed = parseServerFrame(text);
      if (parsed.kind !== 'frame' || parsed.frame.op !== 'directory') throw new Error(`bad page: ${text.slice(0, 80)}`);
      return parsed.frame;
    });

  test('an empty directory is one empty page', () => {
    expect(parse(directoryFrames([]))).toEqual([{ op: 'directory', page: 1, pages: 1, users: [] }]);
  });

  test('2,000 users: pages of at most 200, each within the frame limit, all users once, in order', () => {
    const users: DirectoryUser[] = Array.from({ length: 2000 }, (_, i) => ({
      extension: String(2000 + i),
      fullName: `Colleague ${i} ${'ü'.repeat(100)}`,
      email: `c${i}@example.test`,
    }));
    const frames = directoryFrames(users);
    const pages = parse(frames);
    expect(pages.length).toBeGreaterThanOrEqual(10);
    for (const [index, page] of pages.entries()) {
      expect(page.page).toBe(index + 1);
      expect(page.pages).toBe(pages.length);
      expect(page.users.length).toBeLessThanOrEqual(LIMITS.directoryPage);
    }
    for (const text of frames) expect(new TextEncoder().encode(text).length).toBeLessThanOrEqual(LIMITS.frameBytes);
    expect(pages.flatMap((p) => p.users)).toEqual(users);
  });

  test('large users are split by bytes before the count limit', () => {
    const users: DirectoryUser[] = Array.from({ length: 300 }, (_, i) => ({
      extension: String(i),
      name: 'n'.repeat(256),
      fullName: 'f'.repeat(256),
      nickname: 'k'.repeat(256),
      devices: Array(64).fill('1'.repeat(64)),
    }));
    const frames = directoryFrames(users);
    expect(frames.length).toBeGreaterThan(Math.ceil(300 / LIMITS.directoryPage));
    for (const text of frames) expect(new TextEncoder().encode(text).length).toBeLessThanOrEqual(LIMITS.frameBytes);
    expect(parse(frames).flatMap((p) => p.users)).toHaveLength(300);
  });
});
