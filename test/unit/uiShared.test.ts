/** Pure pieces behind the popup and options page: paths, locale guess, the dial field, change sorting. */
import { needsReconnect } from '../../src/background/settings/change';
import { caretAfterDigits, checkDial, cleanDialText, formatTyping } from '../../src/shared/dial/input';
import { countryFromLocales } from '../../src/shared/phone/locale';
import { defaultSettings } from '../../src/shared/settings';
import { changedSections, deletePath, getPath, isLocked, leafPaths, setPath } from '../../src/shared/settings/paths';

describe('settings paths', () => {
  test('leaves, get, set and delete without mutating', () => {
    expect(leafPaths(defaultSettings)).toEqual(expect.arrayContaining(['connection.serverUrl', 'crm.sites']));
    expect(leafPaths(defaultSettings)).not.toContain('crm.sites.0.pattern');
    const copy = setPath(defaultSettings, 'cards.target', 'none');
    expect(copy.cards.target).toBe('none');
    expect(defaultSettings.cards.target).toBe('lastCrmTab');
    expect(getPath(copy, 'cards.target')).toBe('none');
    expect(getPath(copy, 'cards.nothing.here')).toBeUndefined();
    expect(getPath(deletePath(copy, 'cards.target'), 'cards.target')).toBeUndefined();
  });
  test('a lock covers the path, what is under it and the section above it', () => {
    expect(isLocked(['connection'], 'connection.serverUrl')).toBe(true);
    expect(isLocked(['connection.serverUrl'], 'connection')).toBe(true);
    expect(isLocked(['connection.serverUrl'], 'connection.extension')).toBe(false);
  });
  test('changed sections', () => {
    expect(changedSections({ a: { x: 1 }, b: 2 }, { a: { x: 1 }, b: 3, c: 1 })).toEqual(['b', 'c']);
  });
});

describe('what a settings change needs', () => {
  const before = structuredClone(defaultSettings);
  test('display settings apply without a reconnect', () => {
    const after = setPath(before, 'cards.fadeAfterSeconds', 20);
    expect(needsReconnect({ settings: { oldValue: before, newValue: after } })).toBe(false);
    const sites = setPath(before, 'crm.sites', []);
    expect(needsReconnect({ settings: { oldValue: before, newValue: sites } })).toBe(false);
  });
  test('connection settings and credentials reconnect; so does an unknown section', () => {
    const after = setPath(before, 'connection.extension', '1002');
    expect(needsReconnect({ settings: { oldValue: before, newValue: after } })).toBe(true);
    expect(needsReconnect({ credentials: { newValue: { token: 'x' } } })).toBe(true);
    expect(needsReconnect({ settings: { oldValue: before, newValue: { ...before, brandNew: {} } } })).toBe(true);
    expect(needsReconnect({ settings: { oldValue: undefined, newValue: before } })).toBe(true);
  });
});

test('the country is guessed from the browser languages', () => {
  expect(countryFromLocales(['de-AT', 'de'])).toBe('AT');
  expect(countryFromLocales(['hu'])).toBe('HU');
  expect(countryFromLocales(['zh-Hant-TW'])).toBe('TW');
  expect(countryFromLocales(['xx'], 'GB')).toBe('GB');
  expect(countryFromLocales(['en', 'en-GB'])).toBe('GB');
});

describe('the dial field', () => {
  test('pasted text is cleaned', () => {
    expect(cleanDialText('Tel.: +49 (0)30 123-45 67')).toBe('+49301234567');
    expect(cleanDialText('tel:+1-212-555-0100')).toBe('+12125550100');
    expect(cleanDialText('(06 1) 234 5678 ext. 12')).toBe('0612345678');
    expect(cleanDialText('*97#')).toBe('*97#');
  });
  test('formats as the agent types, keeps extensions and words as they are', () => {
    expect(formatTyping('+4930123', 'DE')).toBe('+49 30 123');
    expect(formatTyping('2125550100', 'US')).toBe('(212) 555-0100');
    expect(formatTyping('1002', 'US')).toBe('1002');
    expect(formatTyping('Anna', 'US')).toBe('Anna');
  });
  test('the caret stays after the same digit', () => {
    expect(caretAfterDigits('(212) 555-0100', 3)).toBe(4);
    expect(caretAfterDigits('(212) 555-0100', 0)).toBe(0);
    expect(caretAfterDigits('123', 9)).toBe(3);
  });
  test('what is dialled, and why not', () => {
    expect(checkDial('(212) 555-0100', 'US')).toMatchObject({ ok: true, dial: '+12125550100', international: false });
    expect(checkDial('+49 30 1234567', 'US')).toMatchObject({ ok: true, country: 'DE', international: true });
    expect(checkDial('1002', 'US')).toMatchObject({ ok: true, kind: 'extension', dial: '1002' });
    expect(checkDial('', 'US')).toEqual({ ok: false, reason: 'empty' });
    expect(checkDial('+49 30', 'DE')).toEqual({ ok: false, reason: 'tooShort' });
    expect(checkDial('212555010099999999', 'US')).toEqual({ ok: false, reason: 'tooLong' });
    expect(checkDial('+999 1234567', 'US')).toEqual({ ok: false, reason: 'invalidCountry' });
    expect(checkDial('1234567', 'US')).toEqual({ ok: false, reason: 'tooShort' });
    expect(checkDial('1115550100', 'US')).toEqual({ ok: false, reason: 'invalid' });
  });
});
