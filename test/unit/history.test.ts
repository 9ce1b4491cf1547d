/** The pure parts of the call history: records, merging, search keys, PBX import, CSV. */
import type { FollowRules } from '../../src/shared/calls';
import { mergeRecord, recordFromCall, recordFromEntry, validateRecord } from '../../src/shared/history';
import { csvCell, toCsv } from '../../src/shared/history/csv';
import {
  isNumberSearch,
  matchesName,
  nameKeys,
  nameQuery,
  numberKeys,
  numberQuery,
  sameNumberAs,
} from '../../src/shared/history/search';
import { makeCall, T0 } from '../support/historyFixtures';

const call = makeCall;

const rules: FollowRules = { extension: '1001', extraNumbers: [], monitorAll: false };

describe('records from live calls', () => {
  test('a ringing call has no outcome; an ended one has outcome and talk time', () => {
    const ringing = recordFromCall(call(), 'DE', T0);
    expect(ringing).toMatchObject({ sessionId: 's1', source: 'live', e164: '+49301234567', name: 'Anna Schmidt' });
    expect(ringing.outcome).toBeUndefined();
    const ended = recordFromCall(
      call({
        phase: 'ended',
        wasConnected: true,
        answeredAt: T0 + 5000,
        endedAt: T0 + 65_400,
        endReason: 'answered',
      }),
      'DE',
      T0 + 65_400,
    );
    expect(ended).toMatchObject({ outcome: 'answered', talkSeconds: 60, endedAt: T0 + 65_400 });
    expect(validateRecord(ended).ok).toBe(true);
  });

  test('an extension gets no E.164 form (it is not a phone number)', () => {
    expect(recordFromCall(call({ remoteNumber: '1002' }), 'DE', T0).e164).toBeUndefined();
  });

  test('merging keeps what happened and what the agent wrote', () => {
    const answered = recordFromCall(call({ phase: 'connected', wasConnected: true, answeredAt: T0 + 3000 }), 'DE', 1);
    const withNote = { ...answered, note: 'wants a quote', disposition: 'sale' };
    const ended = recordFromCall(
      call({ phase: 'ended', wasConnected: true, answeredAt: T0 + 3000, endedAt: T0 + 10_000, endReason: 'answered' }),
      'DE',
      2,
    );
    const merged = mergeRecord(withNote, ended);
    expect(merged).toMatchObject({ note: 'wants a quote', disposition: 'sale', outcome: 'answered', talkSeconds: 7 });
    // A late, older write (the book copy re-recorded at start-up) never undoes the end.
    const stale = recordFromCall(call({ phase: 'connected', wasConnected: true, answeredAt: T0 + 3000 }), 'DE', 3);
    expect(mergeRecord(merged, stale)).toMatchObject({ outcome: 'answered', endedAt: T0 + 10_000, talkSeconds: 7 });
  });
});

describe('search keys', () => {
  const stored = (raw: string, country = 'DE') => {
    const record = recordFromCall(call({ remoteNumber: raw }), country, T0);
    return { record, keys: numberKeys(record.number, record.e164) };
  };
  const finds = (query: string, raw: string, country = 'DE') => {
    const { record, keys } = stored(raw, country);
    const q = numberQuery(query, country);
    return !!q && keys.some((key) => q.lookups.some((term) => key.startsWith(term))) && sameNumberAs(q, record);
  };

  test.each([
    ['+49 30 1234567'],
    ['030 1234567'],
    ['0049301234567'],
    ['+49 (0)30 123-45-67'],
    ['030/1234567'],
    ['tel:+49301234567'],
    ['sip:+49301234567@pbx.example'],
  ])('"%s" finds a call from 030 1234567, stored in any form', (query) => {
    for (const raw of ['+49 30 1234567', '030 1234567', '0049301234567', 'sip:+49301234567@pbx']) {
      expect(finds(query, raw)).toBe(true);
    }
  });

  test('part of a number finds it: the last digits, or the start as typed', () => {
    expect(finds('4567', '+49 30 1234567')).toBe(true);
    expect(finds('1234567', '+49 30 1234567')).toBe(true);
    expect(finds('0100', '+1 212 555 0100')).toBe(true);
    expect(finds('0100', '0100 123456')).toBe(true); // the start of a national number
    expect(finds('0100', '+49 30 7100999')).toBe(false); // digits from the middle are not searched
    expect(finds('030 12', '+49 30 1234567')).toBe(true);
    expect(finds('+49 30 12', '+49 30 1234567')).toBe(true);
  });

  test('a different whole number does not match', () => {
    expect(finds('+49 30 1234568', '+49 30 1234567')).toBe(false);
    expect(finds('+43 30 1234567', '+49 30 1234567')).toBe(false);
  });

  test('US and Hungarian national forms', () => {
    expect(finds('(212) 555-0100', '+1 212 555 0100', 'US')).toBe(true);
    expect(finds('1 212 555 0100', '+12125550100', 'US')).toBe(true);
    expect(finds('06 30 123 4567', '+36 30 123 4567', 'HU')).toBe(true);
  });

  test('too few digits is no number query; letters make a name search', () => {
    expect(numberQuery('12', 'DE')).toBeNull();
    expect(isNumberSearch('030 123')).toBe(true);
    expect(isNumberSearch('Anna 2')).toBe(false);
    expect(isNumberSearch('sip:alice@pbx')).toBe(false);
  });

  test('names: prefix of any word, accents and case folded', () => {
    const keys = nameKeys('Jürgen Müller-Lüdenscheidt', '+49301234567');
    expect(keys).toEqual(['jurgen', 'muller', 'ludenscheidt']);
    expect(matchesName(nameQuery('lüd'), keys)).toBe(true);
    expect(matchesName(nameQuery('MULL jur'), keys)).toBe(true);
    expect(matchesName(nameQuery('ller'), keys)).toBe(false);
    expect(nameKeys(undefined, 'sip:alice.smith@pbx')).toEqual(['alice', 'smith']);
  });
});

describe('import from the PBX history', () => {
  const entry = {
    sessionId: 'p1',
    startTime: '2025-03-09T15:00:00Z',
    direction: 'Inbound',
    caller: '+4930111222',
    callee: '1001',
    callerDisplayName: 'Max',
    state: 'CalleeHungUp',
    talkDuration: 42,
  };

  test('an answered inbound call', () => {
    const result = recordFromEntry(entry, rules, 'DE', T0);
    expect(result).toMatchObject({
      ok: true,
      record: { source: 'pbx', direction: 'inbound', number: '+4930111222', outcome: 'answered', talkSeconds: 42 },
    });
  });

  test('a missed call, an unanswered outbound one, and a numeric state', () => {
    expect(recordFromEntry({ ...entry, state: 'Cancelled', talkDuration: 0 }, rules, 'DE', T0)).toMatchObject({
      record: { outcome: 'missed' },
    });
    const outbound = { ...entry, caller: '1001', callee: '030 999888', state: 19, talkDuration: 0 };
    expect(recordFromEntry(outbound, rules, 'DE', T0)).toMatchObject({
      record: { direction: 'outbound', number: '030 999888', e164: '+4930999888', outcome: 'unanswered' },
    });
  });

  test('bad entries are refused with a reason', () => {
    expect(recordFromEntry({ ...entry, startTime: 'yesterday-ish' }, rules, 'DE', T0)).toMatchObject({ ok: false });
    expect(recordFromEntry({ ...entry, callee: '1009' }, rules, 'DE', T0)).toEqual({
      ok: false,
      reason: 'not a call of this agent',
    });
  });
});

describe('CSV export', () => {
  test.each([
    ['=HYPERLINK("http://evil","x")', '"\'=HYPERLINK(""http://evil"",""x"")"'],
    ['+49301234567', '"\'+49301234567"'],
    ['-2+3', '"\'-2+3"'],
    ['@SUM(A1)', '"\'@SUM(A1)"'],
    ['\tcmd', '"\'\tcmd"'],
    ['\r=1', '"\'\r=1"'],
    ['  =1', '"\'  =1"'],
    ['\uFF1D1', '"\'\uFF1D1"'],
    ['Anna "the" Schmidt', '"Anna ""the"" Schmidt"'],
    ['a=b', '"a=b"'],
  ])('%j is written as %s', (value, written) => {
    expect(csvCell(value)).toBe(written);
  });

  test('a file: BOM, header, one CRLF line per call', () => {
    const record = {
      ...recordFromCall(call({ remoteName: '=cmd|"/C calc"!A0' }), 'DE', T0),
      note: 'line one\nline two',
    };
    const csv = toCsv([record]);
    expect(csv.startsWith('\uFEFF"session id","source"')).toBe(true);
    const lines = csv.slice(1).split('\r\n');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toContain('"\'=cmd|""/C calc""!A0"');
    expect(lines[1]).toContain('"line one\nline two"');
    expect(lines[1]).toContain('"in progress"');
  });
});
