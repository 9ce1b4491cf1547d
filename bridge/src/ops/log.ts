/**
 * Structured logs: one JSON object per line ({time, level, msg, ...fields}) on stdout, for
 * journald or any collector. Secrets never reach a log: values under secret-looking keys are
 * replaced, and anything shaped like a token, an enrolment code, a signature or an Authorization
 * header is cut out of every string, messages and error texts included, wherever it hides.
 */
import type { BridgeConfig } from './config';

export type LogLevel = BridgeConfig['logLevel'];

export interface Logger {
  debug(msg: string, fields?: object): void;
  info(msg: string, fields?: object): void;
  warn(msg: string, fields?: object): void;
  error(msg: string, fields?: object): void;
  /** A logger that adds `fields` to every line (e.g. {source: "crm-hooks"}). */
  child(fields: object): Logger;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
/** Keys whose value is a secret. Paths to files holding one (keyFile, tokenFile) are not. */
const SECRET_KEY = /token|secret|password|passwd|authorization|cookie|code|key|signature/i;
const NOT_SECRET_KEY = /(file|path|dir|count|length)$/i;
export const REDACTED = '[redacted]';

const SCRUB: [RegExp, string][] = [
  [/\bpl1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/g, '[redacted token]'],
  [
    /\b[A-HJKMNP-TV-Z2-9]{4}-?[A-HJKMNP-TV-Z2-9]{4}-?[A-HJKMNP-TV-Z2-9]{4}-?[A-HJKMNP-TV-Z2-9]{4}\b/g,
    '[redacted code]',
  ],
  [/\bv1=[0-9a-fA-F]{16,}/g, 'v1=[redacted]'],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, '$1 [redacted]'],
  [/("?(?:token|secret|password)"?\s*[:=]\s*"?)[^"\s,}]+/gi, '$1[redacted]'],
];

/** Removes secret-shaped substrings from free text. */
export function scrub(text: string): string {
  let out = text;
  for (const [pattern, replacement] of SCRUB) out = out.replace(pattern, replacement);
  return out;
}

const isSecretKey = (key: string) => SECRET_KEY.test(key) && !NOT_SECRET_KEY.test(key);

/** A JSON-safe copy with secrets removed; numbers stay (a close `code` 4401 is no secret). */
export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrub(value);
  if (value === null || typeof value !== 'object') return typeof value === 'bigint' ? String(value) : value;
  if (depth > 6) return '[deep]';
  if (value instanceof Error) {
    return {
      name: value.name,
      message: scrub(value.message),
      ...((value as NodeJS.ErrnoException).code ? { errno: (value as NodeJS.ErrnoException).code } : {}),
      ...(value.stack ? { stack: scrub(value.stack) } : {}),
    };
  }
  if (Array.isArray(value)) return value.slice(0, 100).map((item) => redact(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (
      isSecretKey(key) &&
      item !== undefined &&
      item !== null &&
      typeof item !== 'number' &&
      typeof item !== 'boolean'
    )
      out[key] = REDACTED;
    else out[key] = redact(item, depth + 1);
  }
  return out;
}

export function createLogger(o: { level: LogLevel; stream?: NodeJS.WritableStream; fields?: object }): Logger {
  const stream = o.stream ?? process.stdout;
  const min = RANK[o.level] ?? RANK.info;
  const base = o.fields ? (redact(o.fields) as object) : {};
  const write = (level: LogLevel, msg: string, fields?: object) => {
    if (RANK[level] < min) return;
    const extra = fields ? (redact(fields) as object) : {};
    let line: string;
    try {
      line = JSON.stringify({ time: new Date().toISOString(), level, msg: scrub(String(msg)), ...base, ...extra });
    } catch {
      line = JSON.stringify({
        time: new Date().toISOString(),
        level,
        msg: scrub(String(msg)),
        fields: 'unserialisable',
      });
    }
    stream.write(`${line}\n`);
  };
  return {
    debug: (msg, fields) => write('debug', msg, fields),
    info: (msg, fields) => write('info', msg, fields),
    warn: (msg, fields) => write('warn', msg, fields),
    error: (msg, fields) => write('error', msg, fields),
    child: (fields) => createLogger({ level: o.level, stream, fields: { ...base, ...fields } }),
  };
}
