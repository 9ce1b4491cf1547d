/**
 * Call control from a content script (issue 18, gap 2): only a call this tab shows, and a
 * transfer target is parsed and confirmed like a dial; a page cannot confirm its own question.
 */
import { tabShows, transferTarget } from '../../src/shared/dial/control';

const base = {
  country: 'US',
  dial: { confirmInternational: true, confirmPremium: true, confirmAfterPerMinute: 0 },
  log: [],
  now: 1_000_000,
  fromPage: true,
  confirmed: false,
};

test('a tab may act only on calls it shows', () => {
  expect(tabShows({ shown: ['s1'] }, 's1')).toBe(true);
  expect(tabShows({ shown: ['s1'] }, 's2')).toBe(false);
  expect(tabShows(undefined, 's1')).toBe(false);
  expect(tabShows({ shown: [] }, '__proto__')).toBe(false);
});

test('a transfer target is parsed like a dial', () => {
  expect(transferTarget('1002', base)).toEqual({ ok: true, dial: '1002', display: '1002' });
  expect(transferTarget('(212) 555-0142', base)).toMatchObject({ ok: true, dial: '+12125550142' });
  expect(transferTarget('call me maybe', base)).toMatchObject({ ok: false, code: 'notANumber' });
  expect(transferTarget(undefined, base)).toMatchObject({ ok: false, code: 'invalidNumber' });
});

test('premium, international and emergency targets ask; a page cannot say yes', () => {
  expect(transferTarget('1-900-555-0199', base)).toMatchObject({ code: 'confirm', reasons: ['premium'] });
  expect(transferTarget('+44 20 7946 0123', { ...base, confirmed: true })).toMatchObject({ code: 'confirm' });
  expect(transferTarget('911', { ...base, confirmed: true })).toMatchObject({
    code: 'confirm',
    reasons: ['emergency'],
  });
  // The popup (an extension page) may confirm.
  expect(transferTarget('1-900-555-0199', { ...base, fromPage: false, confirmed: true })).toMatchObject({ ok: true });
});
