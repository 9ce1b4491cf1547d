/** parseDialInput: what a gesture pointed at, turned into something to dial, or a reason not to. */
import { parseDialInput } from '../../src/shared/dial/target';

const dial = (input: string, country = 'US') => {
  const parsed = parseDialInput(input, country);
  return parsed.ok ? parsed.target : parsed;
};

describe('links', () => {
  test.each([
    ['tel:+1-212-555-0142', '+12125550142'],
    ['tel:+1-212-555-0142;ext=12', '+12125550142;ext=12'],
    ['tel:%2B442079460123', '+442079460123'],
    ['callto:+49301234567', '+49301234567'],
    ['callto://+49301234567', '+49301234567'],
    ['sip:+12125550143@pbx.example.com;user=phone', '+12125550143'],
    ['TEL: (212) 555-0142', '+12125550142'],
  ])('%s dials %s', (input, expected) => {
    expect(dial(input)).toMatchObject({ kind: 'number', dial: expected });
  });

  test('a sip: or tel: extension is dialled as written', () => {
    expect(dial('sip:1002@pbx.example.com')).toEqual({ kind: 'internal', dial: '1002', display: '1002' });
    expect(dial('tel:4411')).toEqual({ kind: 'internal', dial: '4411', display: '4411' });
  });
});

describe('selections', () => {
  test('a number with words around it', () => {
    expect(dial('Please call Maria at (212) 555-0198 after lunch.')).toMatchObject({
      kind: 'number',
      e164: '+12125550198',
      display: '(212) 555-0198',
    });
  });

  test('national numbers use the default country; the extension is kept', () => {
    expect(dial('030 1234567', 'DE')).toMatchObject({ dial: '+49301234567', international: false });
    expect(dial('617-555-0125 ext. 12')).toMatchObject({
      dial: '+16175550125;ext=12',
      ext: '12',
      display: '(617) 555-0125 ext. 12',
    });
    expect(dial('0121 496 0003 x15', 'GB')).toMatchObject({ dial: '+441214960003;ext=15' });
  });

  test('00 is the international prefix', () => {
    expect(dial('0049 30 1234567')).toMatchObject({ dial: '+49301234567', international: true });
  });

  test('international and premium-rate numbers are flagged', () => {
    expect(dial('+44 20 7946 0123')).toMatchObject({ international: true, premium: false, country: 'GB' });
    expect(dial('+1 416-555-0188')).toMatchObject({ international: false });
    expect(dial('1-900-555-0199')).toMatchObject({ premium: true, international: false });
    expect(dial('0900 1234567', 'DE')).toMatchObject({ premium: true });
    expect(dial('09065 123456', 'GB')).toMatchObject({ premium: true });
  });
});

describe('never a guess', () => {
  test.each([
    ['', 'empty'],
    ['   ', 'empty'],
    ['x'.repeat(300), 'tooLong'],
    ['no number here', 'notANumber'],
    ['tel:not-a-number', 'notANumber'],
    ['Maria (212) 555-0198 or James (212) 555-0197', 'ambiguous'],
    ['Invoice INV-2024-001234 dated 03/12/2024', 'invalid'],
    ['(212) 555-01', 'invalid'],
    ['+99 1234 5678', 'invalid'],
    ['020 7946 0123', 'invalid'],
  ])('%j: %s', (input, problem) => {
    expect(dial(input)).toMatchObject({ ok: false, problem });
  });

  test('bidirectional overrides and invisible characters do not hide another number', () => {
    expect(dial('\u202e2410-555 )212(')).toMatchObject({ ok: false });
  });
});
