/**
 * Pathological inputs into every parser of untrusted text (issue 18, gap 5): long repeats,
 * nesting, near-misses. No parser may take much longer on them than on a plain input of the
 * same size: the bound is a ratio to that plain input's time, measured in the same run (never
 * a wall-clock threshold). A pattern that backtracks exponentially or quadratically fails here.
 */

import { mapAnswer, textAt, valueAt } from '../../src/shared/crm/lookupMap';
import { findPhoneNumbers } from '../../src/shared/detect/findPhoneNumbers';
import { mightHoldNumber } from '../../src/shared/detect/quickTest';
import { checkDial, cleanDialText } from '../../src/shared/dial/input';
import { parseDialInput } from '../../src/shared/dial/target';
import { csvCell } from '../../src/shared/history/csv';
import { parseActiveCalls, parseAnswer, parseCallHistory } from '../../src/shared/ozeki/parse';
import { parseXml } from '../../src/shared/ozeki/xml';
import { lookupVariants } from '../../src/shared/phone/forms';
import { parseServerFrame } from '../../src/shared/protocol';
import { matchesPattern } from '../../src/shared/settings/matchPattern';
import { fillTemplate, templateProblem } from '../../src/shared/templates';

/** Pathological may cost at most this many times the plain input of the same length. */
const MAX_RATIO = 20;

/** Seconds per call: the best of a few rounds, each repeated until it lasts a few milliseconds. */
function perCall(run: () => unknown): number {
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 3; round++) {
    let calls = 0;
    const start = performance.now();
    let elapsed = 0;
    do {
      run();
      calls += 1;
      elapsed = performance.now() - start;
    } while (elapsed < 4 && calls < 10_000);
    best = Math.min(best, elapsed / calls);
  }
  return best;
}

/** Same length as `like`: `unit` repeated and cut. */
const sized = (unit: string, length: number) => unit.repeat(Math.ceil(length / unit.length)).slice(0, length);

interface Case {
  name: string;
  input: string;
}

/** Checks every pathological input against the plain one padded or cut to its length. */
function expectLinear(parse: (input: string) => unknown, plainOfLength: (length: number) => string, cases: Case[]) {
  for (const { name, input } of cases) {
    if (process.env.FUZZ_DEBUG) process.stderr.write(`case ${name}\n`);
    const plain = plainOfLength(input.length);
    expect(plain.length).toBe(input.length);
    perCall(() => parse(plain)); // warm up the JIT on the plain shape too
    // Other jobs share the machine: a case that looks slow is measured again (at most 3 times).
    // A super-linear parser is slow every time, by orders of magnitude.
    let ratio = Number.POSITIVE_INFINITY;
    for (let attempt = 0; attempt < 3 && ratio > MAX_RATIO; attempt++) {
      const plainCost = perCall(() => parse(plain));
      const hostileCost = perCall(() => parse(input));
      ratio = Math.min(ratio, hostileCost / Math.max(plainCost, 1e-6));
    }
    expect({ name, ratio: ratio <= MAX_RATIO ? 'ok' : ratio.toFixed(0) }).toEqual({ name, ratio: 'ok' });
  }
}

describe('the Ozeki HTTP API reader', () => {
  const call = (i: number) =>
    `<CallInfo><CallState>Ringing</CallState><CallId>c${i}</CallId><Source>+4930123456</Source>` +
    `<CallerId>Anna &amp; Söhne</CallerId><Destination>1001</Destination>` +
    `<StartTime>2013-07-01T10:52:00Z</StartTime><RingDuration>1</RingDuration><TalkDuration>0</TalkDuration></CallInfo>`;
  /** A real-looking ListActiveCalls answer of (about) `length` characters, padded with spaces. */
  const plainAnswer = (length: number) => {
    const head = '<?xml version="1.0"?><Response><Code>200</Code><Message>ok</Message><ActiveCalls>';
    const tail = '</ActiveCalls></Response>';
    let body = '';
    for (let i = 0; head.length + body.length + tail.length + call(i).length <= length; i++) body += call(i);
    const text = head + body + tail;
    return text.length <= length ? text + ' '.repeat(length - text.length) : text.slice(0, length);
  };
  const read = (body: string) => {
    const answer = parseAnswer(body);
    if (answer.ok) {
      parseActiveCalls(answer.root);
      parseCallHistory(answer.root);
    }
    return answer;
  };
  const cases: Case[] = [
    // The nested quantifier in the HTML sniffing: 2^n ways to split n comments.
    { name: 'repeated comments before the root', input: `${'<!-- a -->'.repeat(26)}<Response>` },
    { name: 'repeated comments, no root', input: '<!-- x -->\n'.repeat(24) },
    { name: 'unclosed comments', input: '<!--'.repeat(20_000) },
    { name: 'title tags without an end', input: `<html>${'<title'.repeat(20_000)}` },
    { name: 'titles never closed', input: `<html>${'<title>a'.repeat(15_000)}` },
    { name: 'deep nesting', input: `<Response>${'<a>'.repeat(30_000)}` },
    { name: 'many attributes', input: `<Response ${'a="1" '.repeat(15_000)}>` },
    { name: 'ampersands', input: `<Response><Code>${'&amp'.repeat(25_000)}</Code></Response>` },
    { name: 'character reference near-misses', input: `<Response><Code>${'&#x'.repeat(30_000)}</Code></Response>` },
    { name: 'unclosed CDATA', input: `<Response>${'<![CDATA['.repeat(10_000)}` },
    { name: 'processing instructions', input: `${'<?x ?>'.repeat(15_000)}<Response/>` },
    { name: 'many empty elements', input: `<Response>${'<Code/>'.repeat(15_000)}</Response>` },
    { name: 'many calls', input: plainAnswer(100_000).replace(/<CallId>/g, '<CallId>') },
    { name: 'whitespace runs', input: `<Response${' '.repeat(90_000)}` },
  ];
  test('pathological answers cost about what a plain answer of the same size costs', () => {
    expectLinear(read, plainAnswer, cases);
  });
  test('the XML reader alone', () => {
    expectLinear(parseXml, plainAnswer, cases);
  });
});

describe('CTI frames', () => {
  const session = (i: number) =>
    `{"sessionId":"s${i}","state":"Ringing","caller":"+4930123456","callee":"1001","startTime":"2024-01-01T00:00:00Z"},`;
  const plainFrame = (length: number) => {
    const head = '{"op":"sessionsSnapshot","seq":1,"sessions":[';
    let body = '';
    for (let i = 0; head.length + body.length + session(i).length + 2 <= length; i++) body += session(i);
    const text = `${head}${body.replace(/,$/, '')}]}`;
    return text + ' '.repeat(Math.max(0, length - text.length));
  };
  test('nesting, long strings and many fields parse in linear time', () => {
    expectLinear(parseServerFrame, plainFrame, [
      {
        name: 'deep arrays',
        input: `{"op":"sessionsSnapshot","seq":1,"sessions":${'['.repeat(5000)}${']'.repeat(5000)}}`,
      },
      {
        name: 'deep objects',
        input: `{"op":"result","requestId":"r","ok":true,"x":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`,
      },
      { name: 'long string', input: `{"op":"error","code":"X","message":"${'\\u0041'.repeat(20_000)}"}` },
      { name: 'many keys', input: `{"op":"pong",${'"k":1,'.repeat(15_000)}"t":1}` },
      { name: 'many sessions, one bad', input: plainFrame(60_000).replace('"Ringing"', '7') },
    ]);
  });
});

describe('URL templates and match patterns', () => {
  const values = { number: '+4930123456', e164: '+4930123456', digits: '4930123456', national: '030 123456' };
  const fill = (template: string) => {
    templateProblem(template);
    templateProblem(template, { allowRecordId: true });
    return fillTemplate(template, values);
  };
  const plainTemplate = (length: number) => sized('https://crm.example.com/search?q={number}&x=', length);
  test('templates', () => {
    expectLinear(fill, plainTemplate, [
      { name: 'open braces', input: `https://crm.example.com/${'{'.repeat(2000)}` },
      { name: 'braces unclosed', input: `https://crm.example.com/${'{number'.repeat(290)}` },
      { name: 'nested braces', input: `https://crm.example.com/${'{{}'.repeat(680)}` },
      { name: 'many placeholders', input: `https://crm.example.com/${'{number}'.repeat(250)}` },
    ]);
  });

  const page = 'https://crm.example.com/';
  test('a page address against the CRM sites (the page chooses its own address)', () => {
    const starry = 'https://crm.example.com/*a*a*b';
    expectLinear(
      (url) => matchesPattern(url, starry),
      (length) => page + sized('x', length - page.length),
      [
        { name: 'many stars, almost matching', input: page + 'a'.repeat(800) },
        { name: 'many stars, query', input: `${page}?${'a'.repeat(800)}` },
      ],
    );
    const wildHost = '*://*.example.com/*';
    expectLinear(
      (url) => matchesPattern(url, wildHost),
      (length) => `https://${sized('b', length - 21)}.example.org/`,
      [{ name: 'long subdomain', input: `https://${'a.'.repeat(110)}example.net/`.padEnd(232 + 20, 'x') }],
    );
  });
});

describe('phone numbers in pages, selections and lookups', () => {
  const prose = (length: number) => sized('Please call Maria at (212) 555-0198 after lunch, or write. ', length);
  const find = (text: string) => {
    mightHoldNumber(text);
    return findPhoneNumbers(text, { defaultCountry: 'US' });
  };
  test('number finding in a 16 KiB text node', () => {
    expectLinear(find, prose, [
      { name: 'digits and spaces', input: '1 '.repeat(8000) },
      { name: 'digits and dashes', input: '1-'.repeat(8000) },
      { name: 'separator runs', input: '1 - / '.repeat(2700) },
      { name: 'parentheses', input: '(1)'.repeat(5400) },
      { name: 'plus signs', input: '+ 1 '.repeat(4000) },
      { name: 'one long number', input: '1'.repeat(16_000) },
      { name: 'extensions', input: '2125550198 ext '.repeat(1000) },
      { name: 'dots', input: '1.2.3.'.repeat(2700) },
      { name: 'dashes between', input: '555 - '.repeat(2700) },
    ]);
  });

  const selection = (length: number) => sized('Call (212) 555-0198 today ', length);
  const dial = (text: string) => {
    parseDialInput(text, 'US');
    cleanDialText(text);
    return checkDial(text, 'US');
  };
  test('dial input (selections, links, the popup field)', () => {
    expectLinear(dial, selection, [
      { name: 'spaced digits', input: '1 '.repeat(128) },
      { name: 'extension words', input: `2125550198${' x'.repeat(120)}` },
      { name: 'hashes', input: '#1 '.repeat(85) },
      { name: 'tel with params', input: `tel:+12125550142${';ext=1'.repeat(40)}` },
      { name: 'separators', input: '1 -()/'.repeat(42) },
    ]);
  });

  test('lookup variants of a PBX number', () => {
    expectLinear(
      (raw) => lookupVariants(raw, 'DE'),
      (length) => sized('+49 30 1234567 ', length),
      [
        { name: 'spaces', input: `+49${' '.repeat(3000)}1` },
        { name: 'brackets', input: '(('.repeat(1500) },
      ],
    );
  });
});

describe('CRM lookup answers', () => {
  const map = {
    listPath: 'data.items',
    namePath: 'first last',
    companyPath: 'company.name',
    recordUrlPath: 'url',
    notePath: 'note',
    idPath: 'id',
  };
  const context = { base: 'https://crm.example.com/api', allowedOrigins: ['https://crm.example.com'] };
  test('paths and contacts', () => {
    const answer = { data: { items: Array.from({ length: 50 }, (_, i) => ({ first: 'A', last: `B${i}`, id: i })) } };
    expectLinear(
      (path) => {
        valueAt(answer, path);
        return textAt(answer, path, 120);
      },
      (length) => sized('data.items.0.first ', length),
      [
        { name: 'index runs', input: '[0]'.repeat(3000) },
        { name: 'dots', input: '.'.repeat(9000) },
        { name: 'spaces', input: ' '.repeat(9000) },
        { name: 'brackets unclosed', input: '[[[['.repeat(2250) },
      ],
    );
    const text = (length: number) => sized('Anna Schmidt ', length);
    expectLinear(
      (name) => mapAnswer({ data: { items: [{ first: name, last: name, note: name }] } }, map, context),
      text,
      [
        { name: 'control characters', input: '\u202e\u0000'.repeat(5000) },
        { name: 'spaces', input: ' '.repeat(10_000) },
      ],
    );
  });
});

describe('CSV cells', () => {
  test('quotes and formula marks', () => {
    expectLinear(csvCell, (length) => sized('Anna "Schmidt" & Co ', length), [
      { name: 'quotes', input: '"'.repeat(20_000) },
      { name: 'formula', input: `${' '.repeat(20_000)}=` },
    ]);
  });
});
