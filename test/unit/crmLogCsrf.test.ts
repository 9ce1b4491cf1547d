/** CSRF strategies for logging from the CRM tab: meta tag, cookie, answer header. */
import { type CsrfSources, cookieValue, csrfHeaders, csrfProblem } from '../../src/shared/crm/log/csrf';

const page = (
  parts: Partial<{ meta: Record<string, string>; cookies: string; header: string | null }>,
): CsrfSources & { fetched: string[] } => {
  const fetched: string[] = [];
  return {
    fetched,
    meta: (name) => parts.meta?.[name] ?? null,
    cookies: () => parts.cookies ?? '',
    fetchHeader: async (url) => {
      fetched.push(url);
      return parts.header ?? null;
    },
  };
};

const config = (kind: 'none' | 'meta' | 'cookie' | 'header', name = 'csrf-token') => ({
  kind,
  name,
  sendHeader: 'X-CSRF-Token',
  url: 'https://crm.example.com/api/session',
});

test('meta: the named tag content goes back in the configured header', async () => {
  expect(await csrfHeaders(config('meta'), page({ meta: { 'csrf-token': 'abc123' } }))).toEqual({
    ok: true,
    headers: { 'X-CSRF-Token': 'abc123' },
  });
  expect(await csrfHeaders(config('meta'), page({ meta: { other: 'abc' } }))).toMatchObject({ ok: false });
});

test('cookie: found among others, decoded; a similar name is not it', async () => {
  const cookies = 'a=1; xcsrf=nope; XSRF-TOKEN=t%2Bk%3D; b=2';
  expect(cookieValue(cookies, 'XSRF-TOKEN')).toBe('t+k=');
  expect(await csrfHeaders(config('cookie', 'XSRF-TOKEN'), page({ cookies }))).toEqual({
    ok: true,
    headers: { 'X-CSRF-Token': 't+k=' },
  });
  expect(await csrfHeaders(config('cookie', 'csrf'), page({ cookies }))).toMatchObject({ ok: false });
});

test('header: fetched from the configured address; control characters or a huge value are no token', async () => {
  const sources = page({ header: 'tok-1' });
  expect(await csrfHeaders(config('header', 'x-csrf-token'), sources)).toEqual({
    ok: true,
    headers: { 'X-CSRF-Token': 'tok-1' },
  });
  expect(sources.fetched).toEqual(['https://crm.example.com/api/session']);
  expect(await csrfHeaders(config('header'), page({ header: 'a\r\nSet-Cookie: x' }))).toMatchObject({ ok: false });
  expect(await csrfHeaders(config('header'), page({ header: 'x'.repeat(5000) }))).toMatchObject({ ok: false });
});

test('none sends nothing; settings are checked (names, header, the token address on the CRM origin)', async () => {
  expect(await csrfHeaders(config('none'), page({}))).toEqual({ ok: true, headers: {} });
  expect(csrfProblem(config('header'), 'https://crm.example.com')).toBeNull();
  expect(csrfProblem(config('header'), 'https://other.example.com')).toBe('foreignUrl');
  expect(csrfProblem({ ...config('meta'), name: 'a b"' }, 'https://crm.example.com')).toBe('name');
  expect(csrfProblem({ ...config('meta'), sendHeader: 'X Bad:' }, 'https://crm.example.com')).toBe('sendHeader');
});
