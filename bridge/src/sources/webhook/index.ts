/**
 * The generic webhook source: any system that can call a URL POSTs call events, signed with this
 * source's secret, to /sources/<id>/events. Refusals (bad or missing signature, old timestamp,
 * replay, malformed or oversized body) get a status and a JSON reason, and are logged. The calls it
 * tracks (and the order of each) are journaled in dataDir before the sender gets its 200, so a
 * bridge killed at any moment and restarted still knows them.
 */
import { appendFileSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { WebhookVerifier } from '../../webhook/signature';
import type { CallSource, SourceContext, SourceFactory } from '../types';
import {
  applyEvent,
  isNewer,
  mergeStale,
  type Order,
  orderOf,
  parseBody,
  type Tracked,
  type WebhookEvent,
} from './events';

export interface WebhookSourceOptions {
  id: string;
  secret: string;
  toleranceSeconds?: number;
  now?: () => number;
}

/** Ended calls remembered so that a late event cannot bring one back. */
const MAX_TOMBSTONES = 20_000;

/** One journal line: a call's new state, or its end. */
type JournalLine = { call: Tracked } | { end: string; order: Order };

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

/** The body, or null past `limit` (announced by content-length or found while reading). */
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
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export class WebhookSource implements CallSource {
  readonly type = 'webhook';
  readonly id: string;
  private readonly verifier: WebhookVerifier;
  private readonly now: () => number;
  private readonly calls = new Map<string, Tracked>();
  private readonly ended = new Map<string, Order>();
  private ctx: SourceContext | undefined;
  private journalLines = 0;
  private pending: JournalLine[] = [];

  constructor(options: WebhookSourceOptions) {
    this.id = options.id;
    this.now = options.now ?? Date.now;
    this.verifier = new WebhookVerifier({
      secret: options.secret,
      ...(options.toleranceSeconds ? { toleranceSeconds: options.toleranceSeconds } : {}),
      now: this.now,
    });
  }

  private get file(): string | undefined {
    return this.ctx?.dataDir ? join(this.ctx.dataDir, 'sources', `webhook-${this.id}.jsonl`) : undefined;
  }

  start(ctx: SourceContext): void {
    this.ctx = ctx;
    this.load();
  }

  stop(): void {
    this.compact();
    this.ctx = undefined;
  }

  listActive() {
    return [...this.calls.values()].map((tracked) => tracked.session);
  }

  async route(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    if (path !== '/events') return send(res, { status: 404, body: { error: 'not_found', message: 'POST to /events' } });
    if (req.method !== 'POST')
      return send(res, { status: 405, body: { error: 'method_not_allowed', message: 'use POST' } });
    const reply = await this.receive(req);
    if (reply.status >= 400) {
      this.ctx?.log.warn('webhook refused', {
        status: reply.status,
        reason: reply.body.message,
        address: req.socket.remoteAddress,
      });
    }
    send(res, reply, reply.status === 413);
  }

  private async receive(req: IncomingMessage): Promise<Reply> {
    const limit = this.ctx?.limits.webhookBodyBytes ?? 65_536;
    const type = String(req.headers['content-type'] ?? '');
    if (!/^application\/json\b/i.test(type)) {
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
    const parsed = parseBody(value);
    if (!parsed.ok) return { status: 400, body: { error: 'malformed', message: parsed.reason } };
    let applied = 0;
    let ignored = 0;
    for (const event of parsed.events) {
      if (this.apply(event)) applied += 1;
      else ignored += 1;
    }
    this.flush();
    return { status: 200, body: { ok: true, applied, ignored } };
  }

  /** Applies one event in the call's own order; false when it was older than what is known. */
  private apply(event: WebhookEvent): boolean {
    const ctx = this.ctx;
    if (!ctx) return false;
    const order = orderOf(event);
    const tombstone = this.ended.get(event.callId);
    if (tombstone) return false; // The call ended: nothing brings it back.
    const known = this.calls.get(event.callId);
    if (known && !isNewer(order, known.order)) {
      if (mergeStale(known, event)) {
        ctx.upsert(known.session);
        this.pending.push({ call: known });
      }
      return false;
    }
    const next = applyEvent(known, event, this.now());
    if (event.event === 'ended') {
      this.calls.delete(event.callId);
      this.ended.set(event.callId, order);
      if (this.ended.size > MAX_TOMBSTONES) this.ended.delete(this.ended.keys().next().value as string);
      this.pending.push({ end: event.callId, order });
      ctx.end(event.callId, next.session);
    } else {
      this.calls.set(event.callId, next);
      this.pending.push({ call: next });
      ctx.upsert(next.session);
    }
    return true;
  }

  /** Appends what this request changed, synchronously: the sender's 200 means it is on disk. */
  private flush(): void {
    const lines = this.pending;
    this.pending = [];
    const file = this.file;
    if (!file || !lines.length) return;
    try {
      appendFileSync(file, lines.map((line) => `${JSON.stringify(line)}\n`).join(''), { mode: 0o600 });
      this.journalLines += lines.length;
      if (this.journalLines > 4 * (this.calls.size + this.ended.size) + 1000) this.compact();
    } catch (error) {
      this.ctx?.log.error('could not journal webhook calls', { error: (error as Error).message });
    }
  }

  /** Rewrites the journal as the current state (write aside, then rename). */
  private compact(): void {
    const file = this.file;
    if (!file) return;
    try {
      mkdirSync(join(file, '..'), { recursive: true, mode: 0o700 });
      const lines: JournalLine[] = [
        ...[...this.ended].map(([end, order]) => ({ end, order })),
        ...[...this.calls.values()].map((call) => ({ call })),
      ];
      writeFileSync(`${file}.tmp`, lines.map((line) => `${JSON.stringify(line)}\n`).join(''), { mode: 0o600 });
      renameSync(`${file}.tmp`, file);
      this.journalLines = lines.length;
    } catch (error) {
      this.ctx?.log.error('could not save the webhook calls', { error: (error as Error).message });
    }
  }

  private load(): void {
    const file = this.file;
    if (!file) return;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return this.compact(); // Nothing saved yet: create the folder and an empty journal.
    }
    for (const raw of text.split('\n')) {
      let line: JournalLine;
      try {
        line = JSON.parse(raw);
      } catch {
        continue; // Empty, or cut short by a crash.
      }
      if ('end' in line && typeof line.end === 'string') {
        this.calls.delete(line.end);
        this.ended.set(line.end, line.order);
      } else if ('call' in line && typeof line.call?.session?.sessionId === 'string') {
        this.calls.set(line.call.session.sessionId, line.call);
      }
    }
    while (this.ended.size > MAX_TOMBSTONES) this.ended.delete(this.ended.keys().next().value as string);
    this.compact();
  }
}

/** `{"type":"webhook","id":"crm-hooks","secret":"...","toleranceSeconds":300}` in the configuration. */
export const webhookFactory: SourceFactory = {
  check(raw) {
    const problems: string[] = [];
    if (typeof raw.secret !== 'string' || raw.secret.length < 16) {
      problems.push('secret: expected at least 16 characters (the shared HMAC key of this source)');
    }
    const tolerance = raw.toleranceSeconds;
    if (
      tolerance !== undefined &&
      (!Number.isInteger(tolerance) || (tolerance as number) < 1 || (tolerance as number) > 3600)
    ) {
      problems.push(`toleranceSeconds: got ${JSON.stringify(tolerance)}, expected an integer from 1 to 3600`);
    }
    return problems;
  },
  create(raw) {
    return new WebhookSource({
      id: raw.id,
      secret: raw.secret as string,
      ...(typeof raw.toleranceSeconds === 'number' ? { toleranceSeconds: raw.toleranceSeconds } : {}),
    });
  },
};
