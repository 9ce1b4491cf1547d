/** From a CRM's JSON answer to the card's contacts, hostile answers included; and when a record opens. */

import { searchContacts } from '../../sim/crmApi';
import type { CallLookup } from '../../src/shared/crm/lookup';
import { LOOKUP_MAX_BYTES, readJsonLimited } from '../../src/shared/crm/lookup';
import { type LookupMap, mapAnswer, textAt, valueAt } from '../../src/shared/crm/lookupMap';
import { decideRecord, recordDue, shownMatch } from '../../src/shared/crm/recordPop';
import { defaultSettings, type Settings } from '../../src/shared/settings';

const MAP: LookupMap = {
  listPath: 'contacts',
  namePath: 'name',
  companyPath: 'company',
  recordUrlPath: 'url',
  notePath: 'note',
  idPath: 'id',
};
const context = {
  base: 'https://crm.example.com/api/contacts?phone=1',
  allowedOrigins: ['https://crm.example.com', 'https://app.example.com'],
  recordUrlFromId: (id: string) => `https://app.example.com/r/${encodeURIComponent(id)}`,
};

describe('valueAt and textAt', () => {
  const answer = {
    data: { items: [{ item: { id: 7, name: 'Anna', organization: { name: 'ACME' } } }] },
    records: [{ Name: 'Bob', phones: [{ number: '+1' }, { number: '+2' }] }],
    first_name: 'Émile',
    last_name: 'Zola',
  };
  test('dotted paths, indexes in both spellings, and a name step on a list takes its first entry', () => {
    expect(valueAt(answer, 'data.items.0.item.name')).toBe('Anna');
    expect(valueAt(answer, 'data.items[0].item.organization.name')).toBe('ACME');
    expect(valueAt(answer, 'data.items.item.id')).toBe(7);
    expect(valueAt(answer, 'records[0].phones[1].number')).toBe('+2');
    expect(valueAt(answer, 'records.phones.number')).toBe('+1');
    expect(valueAt(answer, 'records.5.Name')).toBeUndefined();
    expect(valueAt(answer, 'nope.deeper')).toBeUndefined();
    expect(valueAt(answer, '')).toBe(answer);
  });
  test('inherited properties are not paths', () => {
    expect(valueAt({}, 'constructor')).toBeUndefined();
    expect(valueAt({ a: {} }, 'a.__proto__')).toBeUndefined();
    expect(valueAt([], 'length')).toBeUndefined();
  });
  test('several paths are joined; objects are not text; text is cleaned and clipped', () => {
    expect(textAt(answer, 'first_name last_name', 100)).toBe('Émile Zola');
    expect(textAt(answer, 'data', 100)).toBe('');
    expect(textAt({ n: 'A\u202eB\u0000C  D' }, 'n', 100)).toBe('A B C D');
    expect(textAt({ n: 'x'.repeat(500) }, 'n', 10)).toHaveLength(10);
    expect(textAt({ n: 42 }, 'n', 10)).toBe('42');
  });
});

describe('mapAnswer', () => {
  test('maps each match; relative record addresses resolve on the CRM', () => {
    const answer = {
      contacts: [
        { id: 'c-1', name: 'Anna Schmidt', company: 'Schmidt & Partner', url: '/contacts/c-1', note: 'VIP' },
        { id: 'c-2', name: 'Anna S.', company: '', url: 'https://app.example.com/contacts/c-2' },
      ],
    };
    expect(mapAnswer(answer, MAP, context)).toEqual({
      total: 2,
      matches: [
        {
          name: 'Anna Schmidt',
          company: 'Schmidt & Partner',
          note: 'VIP',
          id: 'c-1',
          recordUrl: 'https://crm.example.com/contacts/c-1',
        },
        { name: 'Anna S.', id: 'c-2', recordUrl: 'https://app.example.com/contacts/c-2' },
      ],
    });
  });
  test('hostile answers: markup stays text, javascript: and foreign addresses are dropped', () => {
    const answer = {
      contacts: [
        { name: '<img src=x onerror=alert(1)>', url: 'javascript:alert(document.cookie)' },
        { name: 'Evil', url: 'https://evil.example/phish' },
        { name: 'Sneaky', url: '//evil.example/x' },
        { name: 'Data', url: 'data:text/html,<script>alert(1)</script>' },
        { name: { toString: 'x' }, company: ['Array Co'], url: 42 },
      ],
    };
    const mapped = mapAnswer(answer, { ...MAP, idPath: '' }, { ...context, recordUrlFromId: undefined });
    expect(mapped.matches).toEqual([
      { name: '<img src=x onerror=alert(1)>' },
      { name: 'Evil' },
      { name: 'Sneaky' },
      { name: 'Data' },
      { name: 'Array Co' },
    ]);
  });
  test('without an address in the answer, the record template makes one from the id', () => {
    const mapped = mapAnswer({ contacts: [{ id: 'a b', name: 'X', url: 'https://evil.example/' }] }, MAP, context);
    expect(mapped.matches[0]?.recordUrl).toBe('https://app.example.com/r/a%20b');
  });
  test('an answer that is a list, one object, or nothing useful', () => {
    expect(mapAnswer([{ name: 'A' }, { name: 'B' }], { ...MAP, listPath: '' }, context).total).toBe(2);
    expect(mapAnswer({ name: 'Only' }, { ...MAP, listPath: '' }, context).matches).toEqual([{ name: 'Only' }]);
    expect(mapAnswer({ contacts: [] }, MAP, context)).toEqual({ matches: [], total: 0 });
    expect(mapAnswer({ contacts: [{ phone: '1' }, null, 7, 'x'] }, MAP, context)).toEqual({ matches: [], total: 0 });
    expect(mapAnswer('text', MAP, context)).toEqual({ matches: [], total: 0 });
    expect(mapAnswer(null, MAP, context)).toEqual({ matches: [], total: 0 });
  });
  test('keeps at most 20 matches, counts them all', () => {
    const contacts = Array.from({ length: 500 }, (_, i) => ({ name: `P${i}` }));
    const mapped = mapAnswer({ contacts }, MAP, context);
    expect(mapped.matches).toHaveLength(20);
    expect(mapped.total).toBe(500);
  });
});

describe('readJsonLimited', () => {
  test('reads JSON; refuses what is too large or not JSON', async () => {
    await expect(readJsonLimited(new Response('{"a":[1,2]}'))).resolves.toEqual({ a: [1, 2] });
    await expect(readJsonLimited(new Response('<html>login</html>'))).rejects.toThrow('not JSON');
    await expect(readJsonLimited(new Response(`"${'x'.repeat(2000)}"`), 1000)).rejects.toThrow('too large');
    const declared = new Response('{}', { headers: { 'content-length': String(LOOKUP_MAX_BYTES + 1) } });
    await expect(readJsonLimited(declared)).rejects.toThrow('too large');
  });
  test('stops reading a stream once it is too large', async () => {
    let pulled = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += 1;
        controller.enqueue(new Uint8Array(1000).fill(32));
      },
    });
    await expect(readJsonLimited(new Response(stream), 10_000)).rejects.toThrow('too large');
    expect(pulled).toBeLessThan(20);
  });
});

describe('the record pop', () => {
  const settings = (patch: Partial<Settings['record']>): Settings => ({
    ...defaultSettings,
    record: { ...defaultSettings.record, ...patch },
  });
  const ringing = { direction: 'inbound' as const, wasConnected: false };
  const answered = { direction: 'inbound' as const, wasConnected: true, answeredAt: 5 };
  const found = (n: number, extra: Partial<CallLookup> = {}): CallLookup => ({
    state: 'found',
    startedAt: 0,
    matches: Array.from({ length: n }, (_, i) => ({ name: `M${i}`, recordUrl: `https://crm.example.com/${i}` })),
    ...extra,
  });

  test('due at the moment each direction is set to, never for internal or ended calls', () => {
    const onRing = settings({ openInbound: 'ringing', openOutbound: 'answered' });
    expect(recordDue(ringing, onRing)).toBe(true);
    expect(recordDue({ ...ringing, direction: 'outbound' }, onRing)).toBe(false);
    expect(recordDue({ ...answered, direction: 'outbound' }, onRing)).toBe(true);
    expect(recordDue({ ...answered, direction: 'internal' }, onRing)).toBe(false);
    expect(recordDue({ ...answered, endedAt: 9 }, onRing)).toBe(false);
    expect(recordDue(answered, defaultSettings)).toBe(false);
  });
  test('waits for the lookup, then opens the one match, the chosen one, or the template', () => {
    const s = settings({ openInbound: 'ringing' });
    const opts = { lookupExpected: true, templateUrl: 'https://crm.example.com/search' };
    expect(decideRecord(ringing, { state: 'pending', startedAt: 0 }, s, opts)).toEqual({ kind: 'wait' });
    expect(decideRecord(ringing, undefined, s, opts)).toEqual({ kind: 'wait' });
    expect(decideRecord(ringing, found(1), s, opts)).toEqual({ kind: 'open', url: 'https://crm.example.com/0' });
    expect(decideRecord(ringing, found(2), s, opts)).toEqual({ kind: 'open', url: 'https://crm.example.com/search' });
    expect(decideRecord(ringing, found(2), s, { ...opts, templateUrl: null })).toEqual({ kind: 'nothing' });
    expect(decideRecord(ringing, found(3, { chosen: 2 }), s, opts)).toEqual({
      kind: 'open',
      url: 'https://crm.example.com/2',
    });
    expect(decideRecord(ringing, { state: 'failed', startedAt: 0 }, s, opts)).toEqual({
      kind: 'open',
      url: 'https://crm.example.com/search',
    });
    expect(decideRecord(ringing, undefined, s, { ...opts, lookupExpected: false })).toEqual({
      kind: 'open',
      url: 'https://crm.example.com/search',
    });
  });
  test('once per call', () => {
    const s = settings({ openInbound: 'ringing' });
    const opts = { lookupExpected: true, templateUrl: 'https://crm.example.com/search' };
    expect(decideRecord(ringing, found(1, { recordDone: true }), s, opts)).toEqual({ kind: 'wait' });
  });
  test('the match a card shows', () => {
    expect(shownMatch(found(1))?.name).toBe('M0');
    expect(shownMatch(found(2))).toBeUndefined();
    expect(shownMatch(found(2, { chosen: 1 }))?.name).toBe('M1');
    expect(shownMatch({ state: 'none', startedAt: 0 })).toBeUndefined();
  });
});

describe('the demo CRM search', () => {
  test('matches the digits exactly, so numbers stored in other shapes need other formats', () => {
    expect(searchContacts('+49 30 1234567').map((c) => c.id)).toEqual(['c-1001']);
    expect(searchContacts('+4915123456789')).toEqual([]);
    expect(searchContacts('015123456789').map((c) => c.id)).toEqual(['c-1001']);
    expect(searchContacts('+14155550132')).toEqual([]);
    expect(searchContacts('4155550132').map((c) => c.id)).toEqual(['c-1002']);
    expect(searchContacts('+1 415 555 0199').map((c) => c.id)).toEqual(['c-1002']);
  });
  test('one person entered twice: both records', () => {
    expect(searchContacts('+3612345678').map((c) => c.id)).toEqual(['c-1004', 'c-1011']);
    expect(searchContacts('12')).toEqual([]);
  });
});
