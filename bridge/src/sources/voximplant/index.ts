/**
 * The Voximplant source (docs/voximplant.md). The PopLine scenario posts each call's life, signed with
 * this source's secret, to /sources/<id>/events; the source turns it into PopLine calls (through the
 * webhook's event model), answers where to forward the call, and sends hang up / hold / unhold /
 * transfer to the session's control URL, signed the same way. Click-to-dial starts the rule's scenario
 * with StartScenarios; history is the calls the bridge saw, plus GetCallHistory when configured.
 *
 * Ordering: every request carries the session's counter; per call, a request older than what is known
 * is dropped (and still fills in what the call lacks). A request that overtakes the session's first one
 * waits (bounded) for it. The calls and sessions are saved in dataDir after every request, before the
 * scenario gets its 200, so a bridge killed and restarted still knows them.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { check } from '../../../../src/shared/guard';
import type { CtiSession } from '../../../../src/shared/protocol';
import { writeFileAtomic } from '../../auth/atomicFile';
import { HistoryStore } from '../../server/history';
import { signBody, WebhookVerifier } from '../../webhook/signature';
import { matchesQuery, numberKey } from '../query';
import type {
  CallRequest,
  CallSource,
  CommandOutcome,
  DialRequest,
  ErrorCode,
  HistoryPage,
  HistoryQuery,
  SourceContext,
  SourceFactory,
} from '../types';
import {
  applyEvent,
  isNewer,
  mergeStale,
  type Order,
  orderOf,
  type Tracked,
  type WebhookEvent,
} from '../webhook/events';
import { type ApiSettings, checkKeyFile, VoximplantApi } from './api';
import { callIdOf, customDataOf, toEvent, type VoxMeta, type VoxRequest, voxRequestGuard } from './requests';

export const DEFAULT_CONTROL_URL = '^https://[A-Za-z0-9.-]+\\.voximplant\\.com(:\\d+)?/';
export const CUSTOM_DATA_BYTES = 200;
const MAX_TOMBSTONES = 20_000;
const MAX_EARLY = 1000;
const EARLY_MS = 30_000;
const SESSION_IDLE_MS = 6 * 3600_000;

export interface VoximplantOptions {
  id: string;
  secret: string;
  /** Call control (hang up, hold, unhold, transfer) on; default true. */
  control?: boolean;
  /** PopLine extension → "user:<Voximplant user>" or a SIP URI. */
  agents?: Record<string, string>;
  /** Dialed number (CallAlerting destination) → PopLine extension. */
  routes?: Record<string, string>;
  /** Record answered calls (the recording URL goes into the call's customData.recording). */
  record?: boolean;
  /** A regular expression every control URL must match; default: https on *.voximplant.com. */
  controlUrl?: string;
  controlTimeoutMs?: number;
  toleranceSeconds?: number;
  api?: ApiSettings;
  historyCalls?: number;
  now?: () => number;
}

type Reply = { status: number; body: Record<string, unknown> };

function send(res: ServerResponse, { status, body }: Reply, close = false): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...(close ? { connection: 'close' } : {}),
  });
  res.end(text);
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.resolve(null);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        resolve(null);
        req.pause();
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

const PHONE = /^\+?\d{3,20}$/;
const normalNumber = (value: string) => value.replace(/[\s().-]/g, '');
const fail = (code: ErrorCode, message: string): CommandOutcome => ({ ok: false, code, message });

/** What is saved in dataDir. */
interface Saved {
  calls: Tracked[];
  ended: [string, Order][];
  sessions: VoxMeta[];
}

export class VoximplantSource implements CallSource {
  readonly type = 'voximplant';
  readonly id: string;
  history?: (query: HistoryQuery) => Promise<HistoryPage>;
  private readonly verifier: WebhookVerifier;
  private readonly now: () => number;
  private readonly agents: Record<string, string>;
  private readonly routes: Record<string, string>;
  private readonly controlPattern: RegExp;
  private readonly api: VoximplantApi | undefined;
  private readonly calls = new Map<string, Tracked>();
  private readonly ended = new Map<string, Order>();
  private readonly sessions = new Map<string, VoxMeta>();
  /** Requests that arrived before their session's first one: session → requests and when they came. */
  private readonly early = new Map<string, { at: number; requests: VoxRequest[] }>();
  private own: HistoryStore | undefined;
  private ctx: SourceContext | undefined;

  constructor(private readonly options: VoximplantOptions) {
    this.id = options.id;
    this.now = options.now ?? Date.now;
    this.agents = options.agents ?? {};
    this.routes = options.routes ?? {};
    this.controlPattern = new RegExp(options.controlUrl ?? DEFAULT_CONTROL_URL);
    this.verifier = new WebhookVerifier({
      secret: options.secret,
      ...(options.toleranceSeconds ? { toleranceSeconds: options.toleranceSeconds } : {}),
      now: this.now,
    });
    this.api = options.api ? new VoximplantApi(options.api) : undefined;
    if (options.api?.history) this.history = (query) => this.mergedHistory(query);
    // Without api settings this source places no calls: the router then asks another source, or says UNSUPPORTED.
    if (!this.api) (this as { dial?: unknown }).dial = undefined;
  }

  private get file(): string | undefined {
    return this.ctx?.dataDir ? join(this.ctx.dataDir, 'sources', `voximplant-${this.id}.json`) : undefined;
  }

  start(ctx: SourceContext): void {
    this.ctx = ctx;
    // With GetCallHistory this source answers history itself, so it keeps the calls it saw too.
    if (this.history) {
      this.own = new HistoryStore(
        this.options.historyCalls ?? 10_000,
        ctx.dataDir ? join(ctx.dataDir, 'sources', `voximplant-${this.id}-history.jsonl`) : undefined,
      );
    }
    this.load();
  }

  stop(): void {
    this.save();
    this.ctx = undefined;
  }

  listActive(): CtiSession[] {
    return [...this.calls.values()].map((tracked) => tracked.session);
  }

  // ---- requests from the scenario ----

  async route(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    if (path !== '/events') return send(res, { status: 404, body: { error: 'not_found', message: 'POST to /events' } });
    if (req.method !== 'POST')
      return send(res, { status: 405, body: { error: 'method_not_allowed', message: 'use POST' } });
    const reply = await this.receive(req);
    if (reply.status >= 400) {
      this.ctx?.log.warn('voximplant request refused', {
        status: reply.status,
        reason: reply.body.message,
        address: req.socket.remoteAddress,
      });
    }
    send(res, reply, reply.status === 413);
  }

  private async receive(req: IncomingMessage): Promise<Reply> {
    const limit = this.ctx?.limits.webhookBodyBytes ?? 65_536;
    if (!/^application\/json\b/i.test(String(req.headers['content-type'] ?? ''))) {
      return { status: 415, body: { error: 'unsupported_media_type', message: 'send application/json' } };
    }
    const body = await readBody(req, limit);
    if (body === null) return { status: 413, body: { error: 'too_large', message: `body over ${limit} bytes` } };
    const signature = this.verifier.verify(body, req.headers);
    if (!signature.ok) return { status: 401, body: { error: 'unauthorized', message: signature.reason } };
    let value: unknown;
    try {
      value = JSON.parse(body.toString('utf8'));
    } catch {
      return { status: 400, body: { error: 'malformed', message: 'the body is not JSON' } };
    }
    const parsed = check(voxRequestGuard, value);
    if (!parsed.ok) return { status: 400, body: { error: 'malformed', message: parsed.error } };
    const request = parsed.value;
    if (request.event !== 'terminating' && request.leg === undefined) {
      return { status: 400, body: { error: 'malformed', message: `leg: required for ${request.event}` } };
    }
    if (request.event === 'alerting' && !request.call) {
      return { status: 400, body: { error: 'malformed', message: 'call: required for alerting' } };
    }
    if (request.event === 'dialing' && !request.dial) {
      return { status: 400, body: { error: 'malformed', message: 'dial: required for dialing' } };
    }
    const reply = this.handle(request);
    this.save();
    return reply;
  }

  private handle(request: VoxRequest): Reply {
    this.expireEarly();
    let meta = this.sessions.get(request.session);
    // The first request the bridge takes carries the introduction (alerting, dialing, or a later one
    // when the bridge was down for those).
    if (!meta && (request.call || request.dial)) meta = this.open(request);
    if (!meta) {
      if (request.event === 'terminating') return { status: 200, body: { ok: true, applied: 0, ignored: 1 } };
      if (this.early.size >= MAX_EARLY && !this.early.has(request.session)) {
        return {
          status: 409,
          body: { error: 'unknown_session', message: 'no alerting or dialing seen for this session' },
        };
      }
      const waiting = this.early.get(request.session) ?? { at: this.now(), requests: [] };
      waiting.requests.push(request);
      this.early.set(request.session, waiting);
      return { status: 202, body: { ok: true, queued: true, message: 'waiting for the session’s first request' } };
    }
    meta.seenAt = this.now();
    this.takeControl(meta, request);
    let applied = this.apply(meta, request);
    const early = this.early.get(request.session);
    if (early) {
      this.early.delete(request.session);
      for (const later of early.requests.sort((a, b) => a.seq - b.seq)) {
        this.takeControl(meta, later);
        applied += this.apply(meta, later);
      }
    }
    if (request.event === 'terminating') this.sessions.delete(request.session);
    const body: Record<string, unknown> = { ok: true, applied, ignored: applied ? 0 : 1 };
    if (request.event === 'alerting') {
      const extension = meta.callees[1];
      const forward = extension ? this.agents[extension] : undefined;
      if (forward) body.forward = forward;
      if (extension) body.extension = extension;
      if (this.options.record) body.record = true;
    }
    return { status: 200, body };
  }

  /** A new session from its first request. */
  private open(request: VoxRequest): VoxMeta {
    const meta: VoxMeta = {
      session: request.session,
      direction: 'Inbound',
      caller: '',
      callees: {},
      seenAt: this.now(),
    };
    if (request.call) {
      meta.caller = request.call.callerid;
      if (request.call.displayName) meta.callerName = request.call.displayName;
      meta.dialed = request.call.destination;
      meta.callees[1] = this.extensionFor(request.call.destination) ?? request.call.destination;
      const data = customDataOf(request.call);
      if (Object.keys(data).length) meta.customData = data;
    } else if (request.dial) {
      meta.direction = 'Outbound';
      meta.caller = request.dial.extension;
      meta.callees[1] = request.dial.number;
      meta.dialed = request.dial.number;
    }
    this.sessions.set(request.session, meta);
    return meta;
  }

  private extensionFor(destination: string): string | undefined {
    const routed = this.routes[destination] ?? this.routes[normalNumber(destination)];
    if (routed) return routed;
    if (Object.hasOwn(this.agents, destination)) return destination;
    return Object.entries(this.agents).find(([, target]) => target === `user:${destination}`)?.[0];
  }

  private takeControl(meta: VoxMeta, request: VoxRequest): void {
    if (!request.control || request.control === meta.control) return;
    if (this.controlPattern.test(request.control)) meta.control = request.control;
    else
      this.ctx?.log.warn('control URL refused (controlUrl pattern); the call cannot be controlled', {
        session: meta.session,
      });
  }

  /** Applies a request to the legs it concerns; returns how many changed. */
  private apply(meta: VoxMeta, request: VoxRequest): number {
    if (request.event === 'transfer' && request.leg) {
      meta.callees[request.leg] = request.extension || String(request.to ?? '');
    }
    const legs = request.event === 'terminating' ? Object.keys(meta.callees).map(Number) : [request.leg as number];
    let applied = 0;
    for (const leg of legs) {
      const callId = callIdOf(meta.session, leg);
      const event = toEvent(request, meta, leg, this.calls.get(callId));
      if (event && this.applyEvent(event)) applied += 1;
    }
    return applied;
  }

  private applyEvent(event: WebhookEvent): boolean {
    const ctx = this.ctx;
    if (!ctx || this.ended.has(event.callId)) return false;
    const order = orderOf(event);
    const known = this.calls.get(event.callId);
    if (known && !isNewer(order, known.order)) {
      if (mergeStale(known, event)) ctx.upsert(known.session);
      return false;
    }
    const next = applyEvent(known, event, this.now());
    if (event.event === 'ended') {
      this.calls.delete(event.callId);
      this.ended.set(event.callId, order);
      if (this.ended.size > MAX_TOMBSTONES) this.ended.delete(this.ended.keys().next().value as string);
      ctx.end(event.callId, next.session);
      this.own?.add({
        sessionId: next.session.sessionId,
        startTime: next.session.startTime,
        caller: next.session.caller,
        callee: next.session.callee,
        state: next.session.state,
        ...(next.session.direction ? { direction: next.session.direction } : {}),
        ...(next.session.callerDisplayName ? { callerDisplayName: next.session.callerDisplayName } : {}),
        ...(next.session.talkDuration !== undefined ? { talkDuration: next.session.talkDuration } : {}),
      });
    } else {
      this.calls.set(event.callId, next);
      ctx.upsert(next.session);
    }
    return true;
  }

  private expireEarly(): void {
    const now = this.now();
    for (const [session, waiting] of this.early) {
      if (now - waiting.at < EARLY_MS) continue;
      this.early.delete(session);
      this.ctx?.log.warn('requests of an unknown Voximplant session dropped (its first request never came)', {
        session,
        requests: waiting.requests.length,
      });
    }
    for (const [session, meta] of this.sessions) if (now - meta.seenAt > SESSION_IDLE_MS) this.sessions.delete(session);
  }

  // ---- commands ----

  private legOf(sessionId: string): { meta: VoxMeta; leg: number } | undefined {
    const match = /^vx-(.+)-(\d+)$/.exec(sessionId);
    const meta = match ? this.sessions.get(match[1] as string) : undefined;
    return meta && this.calls.has(sessionId) ? { meta, leg: Number(match?.[2]) } : undefined;
  }

  private async command(
    request: CallRequest,
    command: string,
    extra: Record<string, string> = {},
  ): Promise<CommandOutcome> {
    if (this.options.control === false) return fail('UNSUPPORTED', 'call control is off for this Voximplant source');
    const found = this.legOf(request.sessionId);
    if (!found) return fail('NOT_FOUND', 'no such Voximplant call');
    const url = found.meta.control;
    if (!url) return fail('FAILED', 'this call has no usable control URL (see controlUrl in docs/voximplant.md)');
    const body = JSON.stringify({ command, leg: found.leg, ...extra, id: randomBytes(8).toString('hex') });
    const timestamp = Math.floor(this.now() / 1000);
    const ms = this.options.controlTimeoutMs ?? 5000;
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-popline-timestamp': String(timestamp),
          'x-popline-signature': signBody(this.options.secret, body, timestamp),
        },
        body,
        signal: AbortSignal.timeout(ms),
        redirect: 'error',
      });
    } catch (error) {
      const name = (error as Error).name;
      const message =
        name === 'TimeoutError'
          ? `the Voximplant session did not answer within ${ms} ms`
          : `could not reach the Voximplant session (${(error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message})`;
      this.ctx?.log.warn('voximplant command failed', { command, sessionId: request.sessionId, reason: message });
      return fail('FAILED', message);
    }
    const text = (await response.text().catch(() => '')).slice(0, 4096);
    if (response.status === 404) return fail('NOT_FOUND', 'the Voximplant session is over');
    if (!response.ok) return fail('FAILED', `the Voximplant session answered HTTP ${response.status}`);
    let answer: { ok?: unknown; error?: unknown; message?: unknown };
    try {
      answer = JSON.parse(text);
    } catch {
      return fail('FAILED', 'the Voximplant session answered something that is not JSON');
    }
    if (answer.ok === true) return { ok: true, sessionId: request.sessionId };
    const reason = typeof answer.message === 'string' ? answer.message.slice(0, 200) : 'refused';
    const codes: Record<string, ErrorCode> = {
      not_found: 'NOT_FOUND',
      busy: 'BUSY',
      invalid: 'INVALID',
      unsupported: 'UNSUPPORTED',
    };
    if (answer.error === 'unauthorized') {
      this.ctx?.log.error('the scenario refused the bridge’s signature: popline_secret differs from secret', {
        reason,
      });
      return fail('FAILED', 'the scenario refused the signature (popline_secret must equal the source’s secret)');
    }
    return fail(codes[String(answer.error)] ?? 'FAILED', `the scenario refused: ${reason}`);
  }

  hangup(request: CallRequest) {
    return this.command(request, 'hangup');
  }
  hold(request: CallRequest) {
    return this.command(request, 'hold');
  }
  unhold(request: CallRequest) {
    return this.command(request, 'unhold');
  }
  transfer(request: CallRequest) {
    const target = normalNumber(request.target ?? '');
    const agent = this.agents[request.target ?? ''];
    if (agent) return this.command(request, 'transfer', { target: agent, extension: request.target as string });
    if (!PHONE.test(target))
      return Promise.resolve(fail('INVALID', 'transfer to a configured extension or a phone number'));
    return this.command(request, 'transfer', { target });
  }

  // ---- click-to-dial ----

  async dial(request: DialRequest): Promise<CommandOutcome> {
    const api = this.api;
    if (!api) return fail('UNSUPPORTED', 'click-to-dial needs the api settings of the Voximplant source');
    const agent = this.agents[request.extension];
    if (!agent) return fail('INVALID', `extension ${request.extension} has no Voximplant user or SIP address (agents)`);
    const number = normalNumber(request.number);
    if (!PHONE.test(number)) return fail('INVALID', 'not a phone number');
    const data = JSON.stringify({
      p: 1,
      x: request.extension,
      t: agent,
      n: number,
      c: this.options.api?.callerId ?? '',
    });
    if (Buffer.byteLength(data) > CUSTOM_DATA_BYTES) {
      return fail(
        'INVALID',
        `the call does not fit Voximplant's ${CUSTOM_DATA_BYTES}-byte custom data (shorten the agent's SIP address)`,
      );
    }
    try {
      const session = await api.startScenario(data);
      return { ok: true, sessionId: callIdOf(String(session), 1) };
    } catch (error) {
      this.ctx?.log.warn('voximplant click-to-dial failed', { reason: (error as Error).message });
      return fail('FAILED', (error as Error).message);
    }
  }

  // ---- history ----

  private async mergedHistory(query: HistoryQuery): Promise<HistoryPage> {
    const wanted = { ...query, pageNumber: 0, pageRows: (query.pageNumber + 1) * query.pageRows };
    const seen = this.own?.query(wanted) ?? { total: 0, entries: [] };
    let remote: HistoryPage = { total: 0, entries: [] };
    try {
      const now = this.now();
      const page = await (this.api as VoximplantApi).callHistory({
        from: new Date(query.from ?? now - 30 * 86_400_000),
        to: new Date(query.to ?? now),
        count: wanted.pageRows,
      });
      const numbers = query.numbers ? new Set(query.numbers.map(numberKey)) : null;
      const general = query.general?.toLowerCase() ?? '';
      const entries = page.entries
        .map((e) => {
          const local = this.extensionFor(e.local) ?? e.local;
          return {
            sessionId: callIdOf(String(e.id), 1),
            startTime: e.startTime,
            direction: e.incoming ? 'Inbound' : 'Outbound',
            caller: e.incoming ? e.remote : local,
            callee: e.incoming ? local : e.remote,
            state: e.successful ? 'Completed' : 'NotAnswered',
            talkDuration: e.duration,
          };
        })
        .filter((entry) => matchesQuery(entry, query, numbers, general));
      remote = { total: page.total, entries };
    } catch (error) {
      this.ctx?.log.warn('GetCallHistory failed; answering from the calls the bridge saw', {
        reason: (error as Error).message,
      });
    }
    const byId = new Map(remote.entries.map((e) => [e.sessionId, e]));
    for (const entry of seen.entries) byId.set(entry.sessionId, entry); // What the bridge saw is richer.
    const all = [...byId.values()].sort((a, b) => Date.parse(b.startTime) - Date.parse(a.startTime));
    const from = query.pageNumber * query.pageRows;
    return {
      total: Math.max(remote.total, seen.total, all.length),
      entries: all.slice(from, from + query.pageRows),
    };
  }

  // ---- persistence ----

  private save(): void {
    const file = this.file;
    if (!file) return;
    const saved: Saved = {
      calls: [...this.calls.values()],
      ended: [...this.ended],
      sessions: [...this.sessions.values()],
    };
    try {
      writeFileAtomic(file, JSON.stringify(saved));
    } catch (error) {
      this.ctx?.log.error('could not save the Voximplant calls', { error: (error as Error).message });
    }
  }

  private load(): void {
    const file = this.file;
    if (!file) return;
    mkdirSync(join(file, '..'), { recursive: true, mode: 0o700 });
    let saved: Saved;
    try {
      saved = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      return; // Nothing saved yet (or unreadable: the calls come back with their next requests).
    }
    for (const call of saved.calls ?? []) if (call?.session?.sessionId) this.calls.set(call.session.sessionId, call);
    for (const [id, order] of saved.ended ?? []) this.ended.set(id, order);
    for (const meta of saved.sessions ?? []) if (meta?.session) this.sessions.set(meta.session, meta);
  }
}

const isTargetMap = (value: unknown, test: (v: string) => boolean) =>
  typeof value === 'object' &&
  value !== null &&
  !Array.isArray(value) &&
  Object.entries(value).every(([k, v]) => k.length > 0 && k.length <= 64 && typeof v === 'string' && test(v));

const AGENT_TARGET = (v: string) => /^user:[A-Za-z0-9._@-]{1,100}$/.test(v) || /^sips?:[^\s]{3,180}$/.test(v);

/**
 * `{"type":"voximplant","id":"vox","secret":"...","agents":{"1001":"user:anna"},"routes":{"+4930555000":"1001"},
 * "api":{"keyFile":"/etc/popline/vox-key.json","ruleId":123456,"callerId":"+4930555000","history":true}}`
 */
export const voximplantFactory: SourceFactory = {
  check(raw) {
    const problems: string[] = [];
    if (typeof raw.secret !== 'string' || raw.secret.length < 16 || raw.secret.length > 256) {
      problems.push('secret: expected 16 to 256 characters (the same as popline_secret in the application storage)');
    }
    if (raw.control !== undefined && typeof raw.control !== 'boolean')
      problems.push(`control: got ${JSON.stringify(raw.control)}, expected true or false`);
    if (raw.record !== undefined && typeof raw.record !== 'boolean')
      problems.push(`record: got ${JSON.stringify(raw.record)}, expected true or false`);
    if (raw.agents !== undefined && !isTargetMap(raw.agents, AGENT_TARGET))
      problems.push('agents: expected {"<extension>": "user:<Voximplant user>" or "sip:<address>"}');
    if (raw.routes !== undefined && !isTargetMap(raw.routes, (v) => v.length > 0 && v.length <= 64))
      problems.push('routes: expected {"<dialed number>": "<extension>"}');
    if (raw.controlUrl !== undefined) {
      try {
        new RegExp(String(raw.controlUrl));
        if (typeof raw.controlUrl !== 'string' || !raw.controlUrl.startsWith('^')) throw new Error('anchor');
      } catch {
        problems.push('controlUrl: expected a regular expression anchored with ^ (default: https on *.voximplant.com)');
      }
    }
    const tolerance = raw.toleranceSeconds;
    if (
      tolerance !== undefined &&
      (!Number.isInteger(tolerance) || (tolerance as number) < 1 || (tolerance as number) > 3600)
    )
      problems.push(`toleranceSeconds: got ${JSON.stringify(tolerance)}, expected an integer from 1 to 3600`);
    const timeout = raw.controlTimeoutMs;
    if (
      timeout !== undefined &&
      (!Number.isInteger(timeout) || (timeout as number) < 100 || (timeout as number) > 60_000)
    )
      problems.push(`controlTimeoutMs: got ${JSON.stringify(timeout)}, expected an integer from 100 to 60000`);
    if (raw.api !== undefined) {
      const api = raw.api as Record<string, unknown>;
      if (typeof api !== 'object' || api === null) problems.push('api: expected an object');
      else {
        if (typeof api.keyFile !== 'string')
          problems.push('api.keyFile: expected the path of the service account key (JSON)');
        else problems.push(...checkKeyFile(api.keyFile));
        if (!Number.isInteger(api.ruleId) || (api.ruleId as number) < 1)
          problems.push(
            `api.ruleId: got ${JSON.stringify(api.ruleId)}, expected the id of the rule that runs the scenario`,
          );
        if (api.host !== undefined && (typeof api.host !== 'string' || !/^[A-Za-z0-9.-]+(:\d{1,5})?$/.test(api.host)))
          problems.push(`api.host: got ${JSON.stringify(api.host)}, expected host[:port]`);
        if (api.callerId !== undefined && (typeof api.callerId !== 'string' || !PHONE.test(api.callerId)))
          problems.push(`api.callerId: got ${JSON.stringify(api.callerId)}, expected a phone number`);
        if (api.history !== undefined && typeof api.history !== 'boolean')
          problems.push(`api.history: got ${JSON.stringify(api.history)}, expected true or false`);
      }
    }
    return problems;
  },
  create(raw) {
    const api = raw.api as Record<string, unknown> | undefined;
    return new VoximplantSource({
      id: raw.id,
      secret: raw.secret as string,
      ...(typeof raw.control === 'boolean' ? { control: raw.control } : {}),
      ...(typeof raw.record === 'boolean' ? { record: raw.record } : {}),
      ...(raw.agents ? { agents: raw.agents as Record<string, string> } : {}),
      ...(raw.routes ? { routes: raw.routes as Record<string, string> } : {}),
      ...(typeof raw.controlUrl === 'string' ? { controlUrl: raw.controlUrl } : {}),
      ...(typeof raw.controlTimeoutMs === 'number' ? { controlTimeoutMs: raw.controlTimeoutMs } : {}),
      ...(typeof raw.toleranceSeconds === 'number' ? { toleranceSeconds: raw.toleranceSeconds } : {}),
      ...(api
        ? {
            api: {
              keyFile: api.keyFile as string,
              ruleId: api.ruleId as number,
              ...(typeof api.host === 'string' ? { host: api.host } : {}),
              ...(typeof api.accountId === 'number' ? { accountId: api.accountId } : {}),
              ...(typeof api.callerId === 'string' ? { callerId: api.callerId } : {}),
              ...(api.history === true ? { history: true } : {}),
            },
          }
        : {}),
    });
  },
};
