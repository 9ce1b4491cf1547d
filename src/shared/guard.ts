/**
 * Tiny runtime validators for untrusted input (PBX frames, messages from content scripts,
 * stored settings). Each guard either returns the typed value or throws a GuardError with a
 * path, so a caller can reject a whole input with one readable reason.
 */
export class GuardError extends Error {
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(path ? `${path}: ${message}` : message);
    this.name = 'GuardError';
  }
}

export type Guard<T> = (value: unknown, path?: string) => T;
export type Guarded<G> = G extends Guard<infer T> ? T : never;

const fail = (message: string, path = ''): never => {
  throw new GuardError(message, path);
};

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export const str =
  (max = 1024, { min = 0 } = {}): Guard<string> =>
  (value, path = '') => {
    if (typeof value !== 'string') return fail('expected a string', path);
    if (value.length > max) return fail(`longer than ${max} characters`, path);
    if (value.length < min) return fail(`shorter than ${min} characters`, path);
    return value;
  };

/** A string that is cut to `max` characters instead of being rejected (display names). */
export const clippedStr =
  (max: number): Guard<string> =>
  (value, path = '') => {
    if (typeof value !== 'string') return fail('expected a string', path);
    return value.length > max ? `${value.slice(0, max - 1)}…` : value;
  };

export const num =
  ({ min = -Infinity, max = Infinity, integer = false } = {}): Guard<number> =>
  (value, path = '') => {
    if (typeof value !== 'number' || !Number.isFinite(value)) return fail('expected a number', path);
    if (integer && !Number.isInteger(value)) return fail('expected an integer', path);
    if (value < min || value > max) return fail(`out of range ${min}..${max}`, path);
    return value;
  };

export const bool: Guard<boolean> = (value, path = '') =>
  typeof value === 'boolean' ? value : fail('expected true or false', path);

export const oneOf =
  <const T extends readonly (string | number)[]>(choices: T): Guard<T[number]> =>
  (value, path = '') =>
    choices.includes(value as T[number]) ? (value as T[number]) : fail(`expected one of ${choices.join(', ')}`, path);

export const literal =
  <const T extends string | number | boolean>(expected: T): Guard<T> =>
  (value, path = '') =>
    value === expected ? expected : fail(`expected ${String(expected)}`, path);

export const anyOf =
  <T>(...guards: Guard<T>[]): Guard<T> =>
  (value, path = '') => {
    const reasons: string[] = [];
    for (const guard of guards) {
      try {
        return guard(value, path);
      } catch (error) {
        reasons.push((error as Error).message);
      }
    }
    return fail(`no alternative matched (${reasons.join('; ')})`, path);
  };

export const arrayOf =
  <T>(item: Guard<T>, { max = 10_000 } = {}): Guard<T[]> =>
  (value, path = '') => {
    if (!Array.isArray(value)) return fail('expected a list', path);
    if (value.length > max) return fail(`more than ${max} items`, path);
    return value.map((entry, index) => item(entry, `${path}[${index}]`));
  };

/** A record of strings, as the protocol's `customData`. */
export const stringMap =
  (maxKeys = 64, maxValue = 1024): Guard<Record<string, string>> =>
  (value, path = '') => {
    if (!isRecord(value)) return fail('expected an object', path);
    const entries = Object.entries(value);
    if (entries.length > maxKeys) return fail(`more than ${maxKeys} keys`, path);
    const out: Record<string, string> = {};
    for (const [key, entry] of entries) out[key.slice(0, 256)] = str(maxValue)(entry, `${path}.${key}`);
    return out;
  };

type Shape = Record<string, Guard<unknown>>;
type Optional<G> = G & { optional: true };
type ShapeResult<S extends Shape> = {
  [K in keyof S as S[K] extends Optional<unknown> ? never : K]: Guarded<S[K]>;
} & {
  [K in keyof S as S[K] extends Optional<unknown> ? K : never]?: Guarded<S[K]>;
};

/** Marks a field that may be absent (or null). Unknown fields are always dropped. */
export const optional = <T>(guard: Guard<T>): Optional<Guard<T | undefined>> =>
  Object.assign(
    (value: unknown, path?: string) => (value === undefined || value === null ? undefined : guard(value, path)),
    {
      optional: true as const,
    },
  );

export const obj =
  <S extends Shape>(shape: S): Guard<ShapeResult<S>> =>
  (value, path = '') => {
    if (!isRecord(value)) return fail('expected an object', path);
    const out: Record<string, unknown> = {};
    for (const [key, guard] of Object.entries(shape)) {
      const field = guard(value[key], path ? `${path}.${key}` : key);
      if (field !== undefined) out[key] = field;
    }
    return out as ShapeResult<S>;
  };

/** Runs a guard and returns a result instead of throwing. */
export function check<T>(guard: Guard<T>, value: unknown): { ok: true; value: T } | { ok: false; error: string } {
  try {
    return { ok: true, value: guard(value) };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}
