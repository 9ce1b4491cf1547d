/**
 * The one logger. Secrets never reach it by construction (the token is not passed around
 * outside the connector), and as a second line of defence any `token` or `password` field in a
 * logged object is masked.
 */
const SECRET_KEYS = /token|password|secret|authorization/i;

function redact(value: unknown, depth = 0): unknown {
  if (depth > 4 || typeof value !== 'object' || value === null) return value;
  if (value instanceof Error) return value;
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [key, SECRET_KEYS.test(key) ? '[redacted]' : redact(item, depth + 1)]),
  );
}

const write =
  (level: 'debug' | 'info' | 'warn' | 'error') =>
  (message: string, ...details: unknown[]) =>
    console[level](`[PopLine] ${message}`, ...details.map((detail) => redact(detail)));

export const log = { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
