/**
 * The simulator's PBX model (sim/pbx.ts) as a source of the bridge: its events become the bridge's
 * calls, and the bridge's commands drive it (click-to-dial rings the agent, then the customer).
 * `options` is read live, so the simulator's control API can change vocabulary and timings.
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  Pbx,
  type PbxEvent,
  type SimCall,
  VOCABULARIES,
  type Vocabulary,
  wireSession,
  wireState,
} from '../../../../sim/pbx';
import { Timers } from '../../../../sim/timers';
import type { CtiSession, HistoryEntry } from '../../../../src/shared/protocol';
import { matchesQuery, numberKey } from '../query';
import type {
  CallRequest,
  CallSource,
  CommandOutcome,
  DialRequest,
  HistoryPage,
  HistoryQuery,
  SourceContext,
  SourceFactory,
} from '../types';

export interface SimulatorSourceOptions {
  vocabulary: Vocabulary;
  /** Click-to-dial timing: the agent's phone answers, then the customer's. */
  dialAgentMs: number;
  dialCustomerMs: number;
}

export const defaultSimulatorSourceOptions = (): SimulatorSourceOptions => ({
  vocabulary: 'dotnet',
  dialAgentMs: 800,
  dialCustomerMs: 2500,
});

const done = (sessionId: string): CommandOutcome => ({ ok: true, sessionId });

/** What POST /sources/<id>/calls/<sessionId>/<step> does to a call (with `control` on). */
const STEPS: Record<string, SimCall['state']> = {
  answer: 'incall',
  hold: 'hold',
  unhold: 'incall',
  hangup: 'hungup',
  miss: 'cancelled',
  busy: 'busy',
  reject: 'rejected',
};

function reply(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(text);
}

async function readSmallJson(req: IncomingMessage): Promise<Record<string, unknown> | null> {
  let text = '';
  for await (const chunk of req) {
    text += chunk;
    if (text.length > 4096) return null;
  }
  try {
    const value = text ? JSON.parse(text) : {};
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : null;
  } catch {
    return null;
  }
}

export class SimulatorSource implements CallSource {
  readonly type = 'simulator';
  private ctx: SourceContext | undefined;
  private readonly timers = new Timers();
  private readonly onEvent = (event: PbxEvent) => this.relay(event);
  private readonly onLost = (call: SimCall) => this.ctx?.forget(call.sessionId);

  /** Set when the source's HTTP control (ring and step calls) is on: the zero-configuration demo. */
  route: CallSource['route'];

  constructor(
    readonly pbx: Pbx = new Pbx(),
    readonly options: SimulatorSourceOptions = defaultSimulatorSourceOptions(),
    readonly id = 'simulator',
    { control = false } = {},
  ) {
    if (control) this.route = (req, res, path) => this.control(req, res, path);
  }

  /** POST /calls {from, to, name} rings a call; POST /calls/<id>/<step> moves it on; GET /calls lists them. */
  private async control(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const [, resource, id, step] = path.split('/');
    if (resource !== 'calls') return reply(res, 404, { error: 'not_found', message: 'try /calls' });
    if (req.method === 'GET' && !id) return reply(res, 200, { calls: this.pbx.active() });
    if (req.method !== 'POST') return reply(res, 405, { error: 'method_not_allowed', message: 'use POST' });
    const body = await readSmallJson(req);
    if (!body) return reply(res, 400, { error: 'malformed', message: 'send a small JSON object' });
    const text = (key: string) => (typeof body[key] === 'string' ? (body[key] as string).slice(0, 256) : undefined);
    if (!id) {
      const from = text('from');
      const to = text('to');
      if (!from || !to) return reply(res, 400, { error: 'malformed', message: 'from and to are required' });
      const name = text('name');
      const call = this.pbx.ring({ from, to, ...(name ? { name } : {}) });
      return reply(res, 200, { sessionId: call.sessionId });
    }
    const state = step ? STEPS[step] : undefined;
    if (!state) return reply(res, 400, { error: 'malformed', message: `steps: ${Object.keys(STEPS).join(', ')}` });
    const callId = decodeURIComponent(id);
    if (!this.pbx.calls.has(callId)) return reply(res, 404, { error: 'not_found', message: 'no such call' });
    this.pbx.setState(callId, state);
    return reply(res, 200, { ok: true });
  }

  private wire(call: SimCall): CtiSession {
    return wireSession(call, this.options.vocabulary) as CtiSession;
  }

  start(ctx: SourceContext): void {
    this.ctx = ctx;
    this.pbx.on('event', this.onEvent);
    this.pbx.on('lost', this.onLost);
  }

  stop(): void {
    this.pbx.off('event', this.onEvent);
    this.pbx.off('lost', this.onLost);
    this.timers.clear();
    this.ctx = undefined;
  }

  listActive(): CtiSession[] {
    return this.pbx.active().map((call) => this.wire(call));
  }

  private relay(event: PbxEvent): void {
    const { ctx } = this;
    if (!ctx) return;
    if (event.type === 'closed') ctx.end(event.call.sessionId, this.wire(event.call));
    else ctx.upsert(this.wire(event.call));
  }

  dial(request: DialRequest): CommandOutcome {
    const call = this.pbx.originate(request.extension, request.number);
    const { dialAgentMs, dialCustomerMs } = this.options;
    this.timers.later(dialAgentMs, () => this.advance(call.sessionId, 'setup', 'ringing'));
    this.timers.later(dialAgentMs + dialCustomerMs, () => this.advance(call.sessionId, 'ringing', 'incall'));
    return done(call.sessionId);
  }

  private advance(id: string, from: SimCall['state'], to: 'ringing' | 'incall'): void {
    if (this.pbx.calls.get(id)?.state === from) this.pbx.setState(id, to);
  }

  private act(request: CallRequest, step: (id: string) => unknown): CommandOutcome {
    if (!this.pbx.calls.has(request.sessionId)) return { ok: false, code: 'NOT_FOUND', message: 'no such call' };
    step(request.sessionId);
    return done(request.sessionId);
  }

  hangup = (r: CallRequest) => this.act(r, this.pbx.hangup);
  hold = (r: CallRequest) => this.act(r, this.pbx.hold);
  unhold = (r: CallRequest) => this.act(r, this.pbx.answer);
  accept = (r: CallRequest) => this.act(r, this.pbx.answer);
  reject = (r: CallRequest) => this.act(r, this.pbx.reject);
  transfer = (r: CallRequest) => this.act(r, (id) => this.pbx.transfer(id, r.target ?? ''));
  forward = (r: CallRequest) => this.act(r, (id) => this.pbx.transfer(id, r.target ?? ''));

  history(query: HistoryQuery): HistoryPage {
    const numbers = query.numbers ? new Set(query.numbers.map(numberKey)) : null;
    const general = query.general?.toLowerCase() ?? '';
    const matches: HistoryEntry[] = [];
    for (const record of this.pbx.history) {
      const entry = { ...record, state: wireState(record.state, this.options.vocabulary) };
      if (matchesQuery(entry, query, numbers, general)) matches.push(entry);
    }
    const from = query.pageNumber * query.pageRows;
    return { total: matches.length, entries: matches.slice(from, from + query.pageRows) };
  }
}

/** `{"type":"simulator","id":"sim","vocabulary":"dotnet","control":true}` in the bridge's configuration. */
export const simulatorFactory: SourceFactory = {
  check(raw) {
    const problems: string[] = [];
    if (raw.vocabulary !== undefined && !VOCABULARIES.includes(raw.vocabulary as Vocabulary)) {
      problems.push(`vocabulary: got ${JSON.stringify(raw.vocabulary)}, expected one of ${VOCABULARIES.join(', ')}`);
    }
    if (raw.control !== undefined && typeof raw.control !== 'boolean') {
      problems.push(`control: got ${JSON.stringify(raw.control)}, expected true or false`);
    }
    return problems;
  },
  create(raw) {
    const options = defaultSimulatorSourceOptions();
    if (raw.vocabulary) options.vocabulary = raw.vocabulary as Vocabulary;
    return new SimulatorSource(new Pbx(), options, raw.id, { control: raw.control === true });
  },
};
