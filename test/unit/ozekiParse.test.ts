import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type Answer,
  parseActiveCalls,
  parseAnswer,
  parseCallHistory,
  parseSeconds,
  parseTime,
  resultCode,
  statusText,
} from '../../src/shared/ozeki/parse';

const fixture = (name: string) => readFileSync(join(__dirname, '../fixtures/ozeki', name), 'utf8');

function ok(answer: Answer) {
  if (!answer.ok) throw new Error(answer.detail);
  return answer.root;
}

describe('ListActiveCalls', () => {
  test('Ozeki Phone System XE: CallInfo, ISO times with offset and fractions, whole seconds', () => {
    const answer = parseAnswer(fixture('xe-active-calls.xml'), 'application/xml');
    expect(answer).toMatchObject({ ok: true, code: 200, message: 'Command successfully executed' });
    const { calls, skipped } = parseActiveCalls(ok(answer));
    expect(skipped).toBe(0);
    expect(calls).toEqual([
      {
        callId: 'uteom',
        state: 'InCall',
        source: '1000',
        destination: '1001',
        callerId: 'John Smith',
        startTime: Date.parse('2013-07-01T08:49:07.955Z'),
        ringSeconds: 2,
        talkSeconds: 956,
      },
      {
        callId: 'K7pQ2',
        state: 'Ringing',
        source: '+4930123456',
        destination: '1001',
        callerId: 'Anna Schmidt & Söhne',
        startTime: Date.parse('2013-07-01T10:52:00Z'),
        ringSeconds: 1,
        talkSeconds: 0,
      },
    ]);
  });

  test('Ozeki 10: Call elements, namespace attributes, local times, decimal seconds, extra fields', () => {
    const { calls } = parseActiveCalls(ok(parseAnswer(fixture('ozeki10-active-calls.xml'))));
    expect(calls).toHaveLength(2);
    expect(calls[0]).toEqual({
      callId: 'a8Fz3',
      state: 'Ringing',
      source: '+36 1 234 5678',
      destination: '1001',
      callerId: '+36 1 234 5678',
      callerDialed: '1001',
      calleeDialed: '1001',
      startTime: new Date(2024, 2, 5, 14, 7, 9).getTime(),
      ringSeconds: 3.52,
      talkSeconds: 0,
    });
    expect(calls[1]).toMatchObject({
      callId: 'b91QQ',
      state: 'Hold',
      talkSeconds: 312.75,
      calleeDialed: '06301112222',
    });
  });

  test('no calls: an empty ActiveCalls, or none at all', () => {
    expect(parseActiveCalls(ok(parseAnswer(fixture('xe-no-calls.xml'))))).toEqual({ calls: [], skipped: 0 });
    expect(parseActiveCalls(ok(parseAnswer('<Response><Code>200</Code></Response>'))).calls).toEqual([]);
  });

  test('prefixed names, CDATA and character references; an entry without an id is left out', () => {
    const { calls, skipped } = parseActiveCalls(ok(parseAnswer(fixture('prefixed-cdata.xml'))));
    expect(skipped).toBe(1);
    expect(calls).toEqual([
      expect.objectContaining({ callId: 'x1y', callerId: '<script>alert("hi")</script> & Co', state: 'Ringing' }),
    ]);
  });

  test('a duplicated call id is read once; oversize display names are clipped', () => {
    const call = (id: string, name: string) =>
      `<CallInfo><CallId>${id}</CallId><CallState>Ringing</CallState><CallerId>${name}</CallerId></CallInfo>`;
    const xml = `<Response><Code>200</Code><ActiveCalls>${call('a', 'x')}${call('a', 'y')}${call('b', 'n'.repeat(5000))}</ActiveCalls></Response>`;
    const { calls } = parseActiveCalls(ok(parseAnswer(xml)));
    expect(calls.map((c) => c.callId)).toEqual(['a', 'b']);
    expect(calls[1]?.callerId).toHaveLength(256);
  });
});

describe('GetCallHistory', () => {
  test('XE: NumberOfCalls and Calls of Call', () => {
    const history = parseCallHistory(ok(parseAnswer(fixture('xe-history.xml'))));
    expect(history.total).toBe(4);
    expect(history.calls).toHaveLength(4);
    expect(history.calls[2]).toEqual({
      callId: 'AOZXH',
      startTime: new Date(2013, 7, 13, 8, 4, 37).getTime(),
      direction: 'Inbound',
      source: '+4930123456',
      destination: '1001',
      state: 'Cancelled',
      dialed: '1001',
      callerId: 'Anna Schmidt',
      type: 'Audio',
    });
  });

  test('Ozeki 10: TotalRecords and CallHistory nodes, with a duration', () => {
    const history = parseCallHistory(ok(parseAnswer(fixture('ozeki10-history.xml'))));
    expect(history.total).toBe(57);
    expect(history.calls.map((c) => [c.callId, c.state, c.talkSeconds])).toEqual([
      ['fba20', 'CalleeHungUp', 125.5],
      ['fba21', 'Busy', undefined],
    ]);
  });
});

describe('answers that are not a successful Response', () => {
  test.each([
    ['status-305.xml', 305, 'wrong user name or password (code 305)'],
    ['status-307.xml', 307, "this computer's address is not allowed by the PBX (code 307)"],
    ['status-401.xml', 401, 'no API extension installed (code 401)'],
  ])('%s gives code %i in words', (file, code, words) => {
    const answer = parseAnswer(fixture(file));
    expect(answer).toMatchObject({ ok: false, problem: 'status', code });
    expect(!answer.ok && answer.detail.startsWith(words)).toBe(true);
  });

  test("code 401 keeps Ozeki's message, which names the extension", () => {
    const answer = parseAnswer(fixture('status-401.xml'));
    expect(!answer.ok && answer.detail).toContain("API extension '9986' unavailable");
  });

  test('an HTML error page, by content or by content type, names the page', () => {
    const page = parseAnswer(fixture('html-error.html'));
    expect(page).toMatchObject({ ok: false, problem: 'html' });
    if (!page.ok)
      expect(page.detail).toBe(
        'the address answered with a web page ("Not Found"), not the Ozeki HTTP API: check the API address',
      );
    expect(parseAnswer('<p>hi</p>', 'text/html; charset=utf-8')).toMatchObject({ problem: 'html' });
    expect(parseAnswer('<!-- x --><html><body>Login</body></html>')).toMatchObject({ problem: 'html' });
  });

  test('truncated XML, broken XML, not XML, empty, and XML that is not Ozeki', () => {
    expect(parseAnswer(fixture('truncated.xml'))).toMatchObject({
      problem: 'truncated',
      detail: 'the answer was cut off (truncated XML)',
    });
    expect(parseAnswer('<Response><Code>200</Code></Respons>')).toMatchObject({ problem: 'badXml' });
    expect(parseAnswer('{"Code":200}')).toMatchObject({ problem: 'notXml' });
    expect(parseAnswer('  \n')).toMatchObject({ problem: 'empty' });
    expect(parseAnswer('<rss><channel/></rss>')).toMatchObject({ problem: 'notOzeki' });
    expect(parseAnswer('<Response><Message>hi</Message></Response>')).toMatchObject({ problem: 'notOzeki' });
    expect(parseAnswer('<Response><Code>abc</Code></Response>')).toMatchObject({ problem: 'notOzeki' });
  });
});

describe('status codes in words', () => {
  test('every documented code has its own sentence, and an unknown one says its number and message', () => {
    const codes = [300, 301, 302, 303, 304, 305, 306, 307, 401, 402, 501, 601, 701, 702, 703];
    const texts = codes.map((code) => statusText(code, 'msg'));
    expect(new Set(texts).size).toBe(codes.length);
    for (const [index, code] of codes.entries()) expect(texts[index]).toContain(`code ${code}`);
    expect(statusText(305)).toBe('wrong user name or password (code 305)');
    expect(statusText(307)).toBe(
      "this computer's address is not allowed by the PBX (code 307): add it to the HTTP API's allowed addresses",
    );
    expect(statusText(401)).toMatch(/^no API extension installed \(code 401\)/);
    expect(statusText(999, 'Something odd')).toBe('the phone system answered with code 999: Something odd');
    expect(statusText(302, "Missing or invalid parameter 'Dialed' for command 'Call'")).toContain("'Dialed'");
  });

  test('action result codes', () => {
    expect(resultCode(601)).toBe('notFound');
    expect(resultCode(305)).toBe('forbidden');
    expect(resultCode(401)).toBe('forbidden');
    expect(resultCode(302)).toBe('invalid');
    expect(resultCode(402)).toBe('failed');
  });
});

describe('times and durations', () => {
  test.each([
    ['2', 2],
    ['956', 956],
    ['3.52', 3.52],
    ['3,52', 3.52],
    ['00:01:05.5', 65.5],
    ['1.02:00:00', 93_600],
    ['', undefined],
    ['-1', undefined],
    ['abc', undefined],
    ['1e9', undefined],
  ])('seconds %j', (text, seconds) => {
    expect(parseSeconds(text)).toBe(seconds);
  });

  test.each([
    ['2013-07-01T10:49:07.9558+02:00', Date.parse('2013-07-01T08:49:07.955Z')],
    ['2013-07-01T10:49:07+0200', Date.parse('2013-07-01T08:49:07Z')],
    ['2013-07-01T10:49:07Z', Date.parse('2013-07-01T10:49:07Z')],
    ['2024-03-05 14:07:09', new Date(2024, 2, 5, 14, 7, 9).getTime()],
    ['2024-03-05T14:07:09', new Date(2024, 2, 5, 14, 7, 9).getTime()],
    ['yesterday', undefined],
    ['2024-13-45 99:99:99', undefined],
    ['2024-02-05 24:00:00', undefined],
  ])('time %j', (text, time) => {
    expect(parseTime(text)).toBe(time);
  });
});
