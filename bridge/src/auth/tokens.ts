/**
 * Agents' security tokens and one-time enrolment codes.
 *
 * A token is self-contained: `pl1.<base64url(JSON payload)>.<base64url(HMAC-SHA256)>`, the payload
 * holding id, extensions, permissions and expiry, so checking one needs only the secret. What cannot
 * live in a token (the list of issued grants, revocations, enrolment codes) is kept in a JSON file,
 * written atomically and re-read whenever it changes on disk: the CLI writes it while the server runs.
 * Without a file everything lives in memory. Tokens and codes are never stored or logged in clear:
 * the file holds grants (no token) and HMACs of the codes.
 */
import { createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { readFileSync, type Stats, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { writeFileAtomic } from './atomicFile';
import { type EnrolmentRecord, type FileState, parseState, type StoredGrant } from './tokenFile';

export type Permission = 'dial' | 'control' | 'history' | 'monitorAll';
export type Permissions = Record<Permission, boolean>;
export const PERMISSIONS: readonly Permission[] = ['dial', 'control', 'history', 'monitorAll'];

export interface Grant {
  id: string;
  extensions: string[];
  permissions: Permissions;
  expiresAt?: string;
  userName?: string;
  fullName?: string;
  revoked?: boolean;
}

/** Tokens configured by value (the simulator's 'popline-demo', tests). Consulted LIVE: tests mutate it. */
export interface StaticToken {
  extension?: string;
  userName?: string;
  fullName?: string;
  permissions?: Partial<Permissions>;
  expiresAt?: string;
}

export type Verdict = { ok: true; grant: Grant; extension: string } | { ok: false; code: 4401 | 4403; reason: string };

export type Redeemed =
  | { ok: true; token: string; grant: Grant }
  | { ok: false; status: 400 | 404 | 410; reason: string };

export interface IssueOptions {
  extensions: string[];
  permissions: Permission[];
  ttlSeconds: number;
  userName?: string;
  fullName?: string;
}

export interface EnrolOptions extends IssueOptions {
  /** How long the code itself may be redeemed (default 24 hours). */
  codeTtlSeconds?: number;
}

/** The token file inside dataDir: the server and the CLI must agree on it. */
export const TOKENS_FILE = 'tokens.json';

const PREFIX = 'pl1';
const MAX_TOKEN = 4096;
const EXTENSION = /^[0-9A-Za-z*#+._@-]{1,64}$/;
/** Enrolment code alphabet: no 0/O, 1/I/L, U, so that a code read aloud or typed cannot be mistaken. */
export const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTVWXYZ23456789';
const CODE_GROUPS = 4;
const CODE_GROUP_LENGTH = 4;
const DEFAULT_CODE_TTL = 24 * 3600;
const MAX_CHECKED = 20_000;
/** Grants and used codes are forgotten this long after they expired (list stays readable, file stays small). */
const KEEP_EXPIRED_MS = 7 * 24 * 3600 * 1000;

interface Payload {
  id: string;
  ext: string[];
  perm: Permission[];
  exp: number;
  un?: string;
  fn?: string;
}

const b64 = (data: Buffer | string) => Buffer.from(data).toString('base64url');

/** Formats a code as XXXX-XXXX-XXXX-XXXX. */
export function formatCode(raw: string): string {
  return raw.match(new RegExp(`.{1,${CODE_GROUP_LENGTH}}`, 'g'))?.join('-') ?? raw;
}

/** Accepts what a person types: any case, spaces or dashes anywhere. Null when it cannot be a code. */
export function normaliseCode(input: unknown): string | null {
  if (typeof input !== 'string' || input.length > 64) return null;
  const raw = input.toUpperCase().replace(/[\s-]/g, '');
  if (raw.length !== CODE_GROUPS * CODE_GROUP_LENGTH) return null;
  for (const char of raw) if (!CODE_ALPHABET.includes(char)) return null;
  return raw;
}

export function validExtension(value: unknown): value is string {
  return typeof value === 'string' && EXTENSION.test(value);
}

const toPermissions = (list: readonly Permission[]): Permissions => ({
  dial: list.includes('dial'),
  control: list.includes('control'),
  history: list.includes('history'),
  monitorAll: list.includes('monitorAll'),
});

const fromPermissions = (p: Permissions): Permission[] => PERMISSIONS.filter((name) => p[name]);

export class TokenAuthority {
  private readonly secret: string;
  private readonly file: string | undefined;
  private readonly staticTokens: Record<string, StaticToken>;
  private readonly now: () => number;
  private state: FileState = { version: 1, grants: {}, enrolments: {} };
  private fileStamp = '';
  private readonly revokeListeners = new Set<(id: string) => void>();
  /** Token ids revoked on another node of the cluster (shared through Redis, bridge/src/cluster). */
  private readonly revokedElsewhere = new Set<string>();
  /** Polls the file for changes made by another process (compared with what this one last read, not with
   * fs.watchFile's own first look, which a write landing just after the watch began would already include). */
  private watching: ReturnType<typeof setInterval> | undefined;
  /** Tokens whose MAC was checked, with their payload: re-verifying every agent must stay cheap. */
  private readonly checked = new Map<string, { grant: Grant; expiresMs: number }>();
  /** The file was stat'ed in this synchronous run: a loop over all agents stats it once, not per agent. */
  private statFresh = false;

  constructor(opts: { secret: string; file?: string; staticTokens?: Record<string, StaticToken>; now?: () => number }) {
    if (typeof opts.secret !== 'string' || opts.secret.length < 16)
      throw new Error('token secret: at least 16 characters');
    this.secret = opts.secret;
    this.file = opts.file;
    this.staticTokens = opts.staticTokens ?? {};
    this.now = opts.now ?? Date.now;
    this.refresh(true);
  }

  issue(o: IssueOptions): { token: string; grant: Grant } {
    const grant = this.newGrant(o);
    this.mutate((state) => {
      state.grants[grant.id] = { ...grant, issuedAt: new Date(this.now()).toISOString() };
    });
    return { token: this.sign(grant), grant };
  }

  verify(token: unknown, extension: string | undefined): Verdict {
    if (typeof token !== 'string' || token === '') return deny('missing token');
    if (token.length > MAX_TOKEN) return deny('invalid token');
    if (extension === '') extension = undefined; // as the simulator always did: empty means "not given"
    if (extension !== undefined && !validExtension(extension))
      return { ok: false, code: 4403, reason: 'invalid extension' };
    const grant = Object.hasOwn(this.staticTokens, token)
      ? this.staticGrant(token)
      : token.startsWith(`${PREFIX}.`)
        ? this.signedGrant(token)
        : undefined;
    if (!grant) return deny('invalid token');
    if (grant.expiresAt && Date.parse(grant.expiresAt) <= this.now()) return deny('token expired');
    if (grant.revoked || this.revokedElsewhere.has(grant.id)) return deny('token revoked');
    if (extension === undefined) {
      const [only] = grant.extensions;
      if (only === undefined) return { ok: false, code: 4403, reason: 'this token names no extension: send one' };
      return { ok: true, grant, extension: only };
    }
    // A static token without an extension may follow any one (the simulator's demo token).
    if (grant.extensions.length && !grant.extensions.includes(extension))
      return { ok: false, code: 4403, reason: 'extension not allowed for this token' };
    return { ok: true, grant, extension };
  }

  revoke(id: string): boolean {
    let found = false;
    this.mutate((state) => {
      const grant = Object.hasOwn(state.grants, id) ? state.grants[id] : undefined;
      if (!grant) return false;
      found = true;
      if (grant.revoked) return false;
      grant.revoked = true;
      grant.revokedAt = new Date(this.now()).toISOString();
    });
    if (found) this.emitRevoked([id]);
    return found;
  }

  list(): Grant[] {
    this.refresh();
    return Object.values(this.state.grants).map(publicGrant);
  }

  createEnrolment(o: EnrolOptions): { code: string; expiresAt: string } {
    this.newGrant(o); // validates the options now, not when the agent types the code
    const codeTtl = o.codeTtlSeconds ?? DEFAULT_CODE_TTL;
    if (!Number.isFinite(codeTtl) || codeTtl <= 0)
      throw new Error('code validity: expected a positive number of seconds');
    let raw = '';
    for (let i = 0; i < CODE_GROUPS * CODE_GROUP_LENGTH; i++) raw += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
    const expiresAt = new Date(this.now() + codeTtl * 1000).toISOString();
    const record: EnrolmentRecord = {
      extensions: [...o.extensions],
      permissions: [...o.permissions],
      ttlSeconds: o.ttlSeconds,
      expiresAt,
      ...(o.userName ? { userName: o.userName } : {}),
      ...(o.fullName ? { fullName: o.fullName } : {}),
    };
    this.mutate((state) => {
      state.enrolments[this.codeKey(raw)] = record;
    });
    return { code: formatCode(raw), expiresAt };
  }

  redeem(code: unknown): Redeemed {
    const raw = normaliseCode(code);
    if (!raw) return { ok: false, status: 400, reason: 'malformed code: expected 16 letters and digits' };
    const key = this.codeKey(raw);
    let outcome: Redeemed = { ok: false, status: 404, reason: 'unknown code' };
    this.mutate((state) => {
      const record = Object.hasOwn(state.enrolments, key) ? state.enrolments[key] : undefined;
      if (!record) return false;
      if (record.usedAt) {
        outcome = { ok: false, status: 410, reason: 'code already used' };
        return false;
      }
      if (Date.parse(record.expiresAt) <= this.now()) {
        outcome = { ok: false, status: 410, reason: 'code expired' };
        return false;
      }
      const grant = this.newGrant(record);
      record.usedAt = new Date(this.now()).toISOString();
      record.grantId = grant.id;
      state.grants[grant.id] = { ...grant, issuedAt: record.usedAt };
      outcome = { ok: true, token: this.sign(grant), grant };
    });
    return outcome;
  }

  /**
   * Revocations made on other nodes of a cluster: from now on these ids are refused here too, and
   * the onRevoke listeners are told of each id once (so that live connections holding it close).
   */
  applyRevoked(ids: Iterable<string>): void {
    const fresh: string[] = [];
    for (const id of ids) {
      if (typeof id !== 'string' || this.revokedElsewhere.has(id)) continue;
      this.revokedElsewhere.add(id);
      fresh.push(id);
    }
    if (fresh.length) this.emitRevoked(fresh);
  }

  /**
   * Called with each token id that becomes revoked, here or by another process writing the file
   * (the CLI), so that live connections holding it can be closed. Starts watching the file.
   */
  onRevoke(listener: (id: string) => void): () => void {
    this.revokeListeners.add(listener);
    if (this.file && !this.watching) {
      this.watching = setInterval(() => this.refresh(true), 1000);
      this.watching.unref();
    }
    return () => this.revokeListeners.delete(listener);
  }

  close(): void {
    this.revokeListeners.clear();
    if (this.watching) clearInterval(this.watching);
    this.watching = undefined;
  }

  private newGrant(o: IssueOptions): Grant {
    if (!Array.isArray(o.extensions) || !o.extensions.length || !o.extensions.every(validExtension))
      throw new Error('extensions: expected one or more extensions (digits, letters, * # + . _ @ -)');
    if (!Array.isArray(o.permissions) || !o.permissions.every((p) => PERMISSIONS.includes(p)))
      throw new Error(`permissions: expected some of ${PERMISSIONS.join(', ')}`);
    if (!Number.isFinite(o.ttlSeconds) || o.ttlSeconds <= 0)
      throw new Error('ttl: expected a positive number of seconds');
    for (const [name, value] of [['userName', o.userName] as const, ['fullName', o.fullName] as const])
      if (value !== undefined && (typeof value !== 'string' || value.length > 256))
        throw new Error(`${name}: expected text of at most 256 characters`);
    return {
      id: randomBytes(9).toString('base64url'),
      extensions: [...new Set(o.extensions)],
      permissions: toPermissions(o.permissions),
      expiresAt: new Date(this.now() + Math.round(o.ttlSeconds * 1000)).toISOString(),
      ...(o.userName ? { userName: o.userName } : {}),
      ...(o.fullName ? { fullName: o.fullName } : {}),
    };
  }

  private sign(grant: Grant): string {
    const payload: Payload = {
      id: grant.id,
      ext: grant.extensions,
      perm: fromPermissions(grant.permissions),
      exp: Math.floor(Date.parse(grant.expiresAt ?? '') / 1000),
      ...(grant.userName ? { un: grant.userName } : {}),
      ...(grant.fullName ? { fn: grant.fullName } : {}),
    };
    const body = `${PREFIX}.${b64(JSON.stringify(payload))}`;
    return `${body}.${this.mac(body).toString('base64url')}`;
  }

  private mac(text: string): Buffer {
    return createHmac('sha256', this.secret).update(text).digest();
  }

  private codeKey(raw: string): string {
    return createHmac('sha256', this.secret).update(`enrol:${raw}`).digest('hex');
  }

  private signedGrant(token: string): Grant | undefined {
    const known = this.checked.get(token) ?? this.checkSignature(token);
    if (!known) return undefined;
    this.refresh();
    const { grant } = known;
    const stored = Object.hasOwn(this.state.grants, grant.id) ? this.state.grants[grant.id] : undefined;
    return stored?.revoked ? { ...grant, revoked: true } : grant;
  }

  private checkSignature(token: string): { grant: Grant; expiresMs: number } | undefined {
    const parts = token.split('.');
    if (parts.length !== 3) return undefined;
    const [, body = '', sig = ''] = parts;
    const given = Buffer.from(sig, 'base64url');
    const expected = this.mac(`${PREFIX}.${body}`);
    // Equal lengths first: timingSafeEqual throws otherwise, and the length of a MAC is no secret.
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    const payload = parsePayload(Buffer.from(body, 'base64url').toString('utf8'));
    if (!payload) return undefined;
    // Frozen: the same object answers every later verify of this token.
    const grant: Grant = Object.freeze({
      id: payload.id,
      extensions: Object.freeze([...payload.ext]) as string[],
      permissions: Object.freeze(toPermissions(payload.perm)),
      expiresAt: new Date(payload.exp * 1000).toISOString(),
      ...(payload.un ? { userName: payload.un } : {}),
      ...(payload.fn ? { fullName: payload.fn } : {}),
    });
    if (this.checked.size >= MAX_CHECKED) {
      const oldest = this.checked.keys().next().value;
      if (oldest !== undefined) this.checked.delete(oldest);
    }
    const known = { grant, expiresMs: payload.exp * 1000 };
    this.checked.set(token, known);
    return known;
  }

  private staticGrant(token: string): Grant | undefined {
    const entry = this.staticTokens[token];
    if (!entry) return undefined;
    const p = entry.permissions ?? {};
    return {
      // Derived, so logs and metrics can name it without naming the token.
      id: `static-${createHmac('sha256', this.secret).update(`static:${token}`).digest('hex').slice(0, 12)}`,
      extensions: entry.extension ? [entry.extension] : [],
      permissions: {
        dial: p.dial ?? true,
        control: p.control ?? true,
        history: p.history ?? true,
        monitorAll: p.monitorAll ?? false,
      },
      ...(entry.expiresAt ? { expiresAt: entry.expiresAt } : {}),
      ...(entry.userName ? { userName: entry.userName } : {}),
      ...(entry.fullName ? { fullName: entry.fullName } : {}),
    };
  }

  /**
   * Re-reads the file when it changed on disk (inode, size or mtime), and reports new revocations.
   * Checks at most once per synchronous run unless forced (before a write, on a watcher's call).
   */
  private refresh(force = false): void {
    if (!this.file || (this.statFresh && !force)) return;
    if (!force) {
      this.statFresh = true;
      queueMicrotask(() => {
        this.statFresh = false;
      });
    }
    let stats: Stats | undefined;
    try {
      stats = statSync(this.file, { throwIfNoEntry: false });
    } catch {
      return; // unreadable right now: keep what we know rather than forgetting revocations
    }
    const stamp = stats ? `${stats.ino}:${stats.size}:${stats.mtimeMs}` : 'absent';
    if (stamp === this.fileStamp) return;
    let next: FileState;
    if (!stats) next = { version: 1, grants: {}, enrolments: {} };
    else {
      try {
        next = parseState(JSON.parse(readFileSync(this.file, 'utf8')));
      } catch (error) {
        throw new Error(`token file ${this.file}: ${(error as Error).message}`);
      }
    }
    const before = this.state.grants;
    this.state = next;
    this.fileStamp = stamp;
    const newlyRevoked = Object.values(next.grants)
      .filter((g) => g.revoked && !before[g.id]?.revoked)
      .map((g) => g.id);
    if (newlyRevoked.length) this.emitRevoked(newlyRevoked);
  }

  /**
   * Read, change, write: re-reading first so that what another process wrote in between is kept.
   * The change returns false when it changed nothing (no write).
   */
  private mutate(change: (state: FileState) => boolean | undefined): void {
    this.refresh(true);
    const draft = structuredClone(this.state);
    if (change(draft) === false) return;
    this.prune(draft);
    if (this.file) {
      writeFileAtomic(this.file, `${JSON.stringify(draft, null, 2)}\n`);
      this.state = draft;
      const stats = statSync(this.file);
      this.fileStamp = `${stats.ino}:${stats.size}:${stats.mtimeMs}`;
    } else this.state = draft;
  }

  private prune(state: FileState): void {
    const cutoff = this.now() - KEEP_EXPIRED_MS;
    for (const [id, grant] of Object.entries(state.grants))
      if (grant.expiresAt && Date.parse(grant.expiresAt) < cutoff) delete state.grants[id];
    for (const [key, record] of Object.entries(state.enrolments))
      if (Date.parse(record.expiresAt) < cutoff) delete state.enrolments[key];
  }

  private emitRevoked(ids: string[]): void {
    for (const id of ids)
      for (const listener of this.revokeListeners) {
        try {
          listener(id);
        } catch {
          // one listener failing must not keep the others from closing their connections
        }
      }
  }
}

const deny = (reason: string): Verdict => ({ ok: false, code: 4401, reason });

function publicGrant(stored: StoredGrant): Grant {
  const { issuedAt: _issued, revokedAt: _revoked, ...grant } = stored;
  return grant;
}

function parsePayload(text: string): Payload | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const p = value as Record<string, unknown>;
  if (typeof p.id !== 'string' || !Array.isArray(p.ext) || !p.ext.every(validExtension)) return undefined;
  if (!Array.isArray(p.perm) || !p.perm.every((x) => PERMISSIONS.includes(x as Permission))) return undefined;
  if (typeof p.exp !== 'number' || !Number.isFinite(p.exp)) return undefined;
  if (p.un !== undefined && typeof p.un !== 'string') return undefined;
  if (p.fn !== undefined && typeof p.fn !== 'string') return undefined;
  return p as unknown as Payload;
}

const ENROL_BODY_LIMIT = 4096;

/**
 * POST /enrol {"code":"..."} → 200 {"token","extension","extensions","permissions","expiresAt"}, or
 * 400/404/405/413/415/429 {"error","message"}. The code and the token are never logged.
 * `throttle` (optional) slows an address that keeps sending wrong codes.
 */
export function enrolRoute(
  a: TokenAuthority,
  opts: {
    throttle?: { delayMs(address: string): number; failed(address: string): void; succeeded(address: string): void };
  } = {},
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    const address = req.socket.remoteAddress ?? 'unknown';
    if (req.method !== 'POST') return reply(res, 405, { error: 'method_not_allowed', message: 'use POST' });
    const type = String(req.headers['content-type'] ?? '');
    if (type && !/^application\/json\b/i.test(type))
      return reply(res, 415, { error: 'unsupported_media_type', message: 'send application/json' });
    const body = await readBody(req, ENROL_BODY_LIMIT);
    if (body === null) return reply(res, 413, { error: 'too_large', message: `body over ${ENROL_BODY_LIMIT} bytes` });
    const wait = opts.throttle?.delayMs(address) ?? 0;
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    let code: unknown;
    try {
      code = (JSON.parse(body.toString('utf8')) as { code?: unknown })?.code;
    } catch {
      code = undefined;
    }
    const result = a.redeem(code);
    if (!result.ok) {
      opts.throttle?.failed(address);
      const error = result.status === 400 ? 'invalid_code' : result.status === 404 ? 'unknown_code' : 'code_gone';
      return reply(res, result.status, { error, message: result.reason });
    }
    opts.throttle?.succeeded(address);
    const { grant } = result;
    reply(res, 200, {
      token: result.token,
      extension: grant.extensions[0],
      extensions: grant.extensions,
      permissions: grant.permissions,
      expiresAt: grant.expiresAt,
      ...(grant.userName ? { userName: grant.userName } : {}),
      ...(grant.fullName ? { fullName: grant.fullName } : {}),
    });
  };
}

function reply(res: ServerResponse, status: number, body: object): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    // A token in a response must not be kept by any cache on the way.
    'cache-control': 'no-store',
  });
  res.end(text);
}

/** The body, or null when it passes `limit` (then the rest is drained, not buffered). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) over = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(over ? null : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
