/**
 * The Ozeki HTTP API, simulated on its own port over the same PBX model as the CTI server:
 * `ListActiveCalls`, `GetCallHistory`, click-to-dial with `Call` (the API extension rings the
 * agent; when the agent answers, the PBX fetches OzML from the call's `Url` and follows its
 * `BlindTransfer` to the customer), and `Hangup`, `Hold`, `Unhold`, `BlindTransfer` on a
 * `CallId`. It answers in the shape of Ozeki Phone System XE (at `/`) or Ozeki 10 (at `/api`),
 * can require an office user, can refuse addresses, and serves the one-line OzML answer at
 * `/popline/ozml?dial=NUMBER`. Faults are injected on purpose: wrong codes, slow answers,
 * broken or truncated XML, HTML error pages, cut connections.
 */

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { childText, parseXml } from '../src/shared/ozeki/xml';
import { callXml, escapeXml, historyXml, type OzekiShape, ozekiMessage, ozmlTransfer, responseXml } from './ozekiWire';
import type { Pbx, SimCall } from './pbx';
import { Timers } from './timers';

export interface OzekiSimOptions {
  port?: number;
  host?: string;
  shape?: OzekiShape;
  /** An office user: every request must then carry `Username` and `Password`. */
  auth?: { username: string; password: string } | null;
  /** Installed API extensions; `Call` through any other answers 401. */
  apiExtensions?: string[];
  /** Client addresses allowed to use the API (null: any); others get 307. */
  allowedAddresses?: string[] | null;
  /** Click-to-dial timing: the agent's phone answers after, then the customer's. */
  dialAgentMs?: number;
  dialCustomerMs?: number;
  /** How long an ended call stays on `ListActiveCalls` with its final state. */
  keepEndedMs?: number;
}

export type BrokenBody = 'truncated' | 'html' | 'notXml' | 'empty' | 'badXml' | 'notOzeki';
export const BROKEN_BODIES: readonly BrokenBody[] = ['truncated', 'html', 'notXml', 'empty', 'badXml', 'notOzeki'];

/** A misbehaviour for the next `times` requests (all, when absent), optionally of one command. */
export interface OzekiFault {
  code?: number;
  delayMs?: number;
  body?: BrokenBody;
  httpStatus?: number;
  /** Cut the connection without an answer. */
  reset?: boolean;
  /** Never answer. */
  hang?: boolean;
  command?: string;
  times?: number;
}

export interface OzekiStats {
  total: number;
  byCommand: Record<string, number>;
  /** Recent requests: time and command (never the credentials). */
  log: { at: number; command: string }[];
}

const MAX_BODY = 64 * 1024;
const MAX_LOG = 20_000;
const DIALABLE = /^[+\d*#]{1,32}$/;

const page404 = (title: string) =>
  `<!DOCTYPE html>\n<html><head><title>${escapeXml(title)}</title></head><body><h1>${escapeXml(title)}</h1></body></html>\n`;

export class OzekiHttpServer {
  readonly options: Required<Omit<OzekiSimOptions, 'port' | 'host' | 'auth' | 'allowedAddresses'>> &
    Pick<OzekiSimOptions, 'auth' | 'allowedAddresses'>;
  fault: OzekiFault | undefined;
  stats: OzekiStats = { total: 0, byCommand: {}, log: [] };
  origin = '';
  private readonly server: Server;
  private readonly ended = new Map<string, SimCall>();
  private readonly timers = new Timers();
  private readonly sockets = new Set<Socket>();

  constructor(
    readonly pbx: Pbx,
    options: OzekiSimOptions = {},
  ) {
    this.options = {
      shape: options.shape ?? 'xe',
      auth: options.auth ?? null,
      apiExtensions: options.apiExtensions ?? ['9994'],
      allowedAddresses: options.allowedAddresses ?? null,
      dialAgentMs: options.dialAgentMs ?? 800,
      dialCustomerMs: options.dialCustomerMs ?? 1500,
      keepEndedMs: options.keepEndedMs ?? 1500,
    };
    this.server = createServer((request, response) => void this.handle(request, response));
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    pbx.on('event', (event) => {
      if (event.type !== 'closed' || this.options.keepEndedMs <= 0) return;
      this.ended.set(event.call.sessionId, event.call);
      this.timers.later(this.options.keepEndedMs, () => this.ended.delete(event.call.sessionId));
    });
  }

  async listen(port = 0, host = '127.0.0.1'): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => resolve());
    });
    this.origin = `http://${host}:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** Where the API answers: XE at `/`, Ozeki 10 at `/api`. */
  get apiUrl(): string {
    return this.options.shape === 'xe' ? `${this.origin}/` : `${this.origin}/api`;
  }

  /** The OzML URL template for the extension's settings. */
  get ozmlTemplate(): string {
    return `${this.origin}/popline/ozml?dial={number}`;
  }

  resetStats(): void {
    this.stats = { total: 0, byCommand: {}, log: [] };
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    try {
      const url = new URL(request.url ?? '/', 'http://localhost');
      const params = await readParams(request, url);
      if (url.pathname === '/popline/ozml') return this.serveOzml(params, response);
      const apiPath = this.options.shape === 'xe' ? ['/'] : ['/api', '/api/'];
      if (!apiPath.includes(url.pathname)) return this.send(response, 404, page404('Not Found'), 'text/html');
      const command = params.command ?? '';
      this.count(command);
      const fault = this.takeFault(command);
      if (fault && (await this.misbehave(fault, request, response))) return;
      const [code, body, ...values] = this.execute(command, params, request.socket.remoteAddress ?? '');
      const message = code === 200 ? ozekiMessage(200) : ozekiMessage(code, ...values);
      this.send(response, 200, responseXml(this.options.shape, code, message, body), 'application/xml');
    } catch (error) {
      this.send(
        response,
        200,
        responseXml(this.options.shape, 300, ozekiMessage(300, String(error))),
        'application/xml',
      );
    }
  }

  private count(command: string): void {
    const name = command || '(none)';
    this.stats.total += 1;
    this.stats.byCommand[name] = (this.stats.byCommand[name] ?? 0) + 1;
    this.stats.log.push({ at: Date.now(), command: name });
    if (this.stats.log.length > MAX_LOG) this.stats.log.splice(0, this.stats.log.length - MAX_LOG);
  }

  private takeFault(command: string): OzekiFault | undefined {
    const fault = this.fault;
    if (!fault || (fault.command && fault.command.toLowerCase() !== command.toLowerCase())) return undefined;
    if (fault.times !== undefined) {
      fault.times -= 1;
      if (fault.times <= 0) this.fault = undefined;
    }
    return fault;
  }

  /** Applies a fault; true when it answered (or refused to) in place of the command. */
  private async misbehave(fault: OzekiFault, request: IncomingMessage, response: ServerResponse): Promise<boolean> {
    if (fault.delayMs) await new Promise((resolve) => this.timers.later(fault.delayMs as number, () => resolve(null)));
    if (fault.reset) {
      request.socket.destroy();
      return true;
    }
    if (fault.hang) return true;
    if (fault.httpStatus) {
      this.send(response, fault.httpStatus, page404(`${fault.httpStatus} Server Error`), 'text/html');
      return true;
    }
    if (fault.body) {
      this.send(response, 200, brokenBody(fault.body, this.options.shape), 'application/xml');
      return true;
    }
    if (fault.code) {
      const xml = responseXml(this.options.shape, fault.code, ozekiMessage(fault.code, 'x', 'y'));
      this.send(response, 200, xml, 'application/xml');
      return true;
    }
    return false;
  }

  /** Runs one command: [code, body XML, values for the message]. */
  private execute(command: string, params: Record<string, string>, address: string): [number, string?, ...string[]] {
    const allowed = this.options.allowedAddresses;
    if (allowed && !allowed.includes(address.replace(/^::ffff:/, ''))) return [307];
    const { auth } = this.options;
    if (auth) {
      if (!params.username || !params.password) return [304];
      if (params.username !== auth.username || params.password !== auth.password) return [305];
    }
    if (!command) return [302, '', 'command', ''];
    switch (command.toLowerCase()) {
      case 'listactivecalls':
        return [200, this.activeCallsXml()];
      case 'getcallhistory':
        return [200, this.historyPageXml(params)];
      case 'call':
        return this.clickToDial(params);
      case 'hangup':
      case 'hold':
      case 'unhold':
      case 'blindtransfer':
        return this.control(command.toLowerCase(), params);
      default:
        return [301, '', command.slice(0, 64)];
    }
  }

  private activeCallsXml(): string {
    const now = Date.now();
    const calls = [...this.pbx.active(), ...this.ended.values()];
    const { shape } = this.options;
    return `<ActiveCalls>\n${calls.map((call) => callXml(shape, call, now)).join('')}</ActiveCalls>\n`;
  }

  private historyPageXml(params: Record<string, string>): string {
    const page = Math.max(0, Number.parseInt(params.pagenumber ?? '0', 10) || 0);
    const rows = Math.min(1000, Math.max(1, Number.parseInt(params.rowsperpage ?? '20', 10) || 20));
    const from = params.from ? Date.parse(params.from.replace(' ', 'T')) : Number.NaN;
    const general = (params.general ?? '').trim().toLowerCase();
    const equal = (wanted: string | undefined, value: string) =>
      !wanted || wanted.toLowerCase() === value.toLowerCase();
    const matches = this.pbx.history.filter((record) => {
      if (Number.isFinite(from) && Date.parse(record.startTime) < from) return false;
      if (!equal(params.source, record.caller) || !equal(params.destination, record.callee)) return false;
      if (!equal(params.callid, record.sessionId) || !equal(params.direction, record.direction)) return false;
      const words = [record.caller, record.callee, record.callerDisplayName ?? '', record.sessionId];
      return !general || words.some((word) => word.toLowerCase().includes(general));
    });
    const { shape } = this.options;
    const calls = matches.slice(page * rows, (page + 1) * rows).map((record) => historyXml(shape, record));
    return `<NumberOfCalls>${matches.length}</NumberOfCalls>\n<Calls>\n${calls.join('')}</Calls>\n`;
  }

  private clickToDial(params: Record<string, string>): [number, string?, ...string[]] {
    const api = params.apiextension ?? '';
    if (!api) return [302, '', 'ApiExtension', 'Call'];
    if (!this.options.apiExtensions.includes(api)) return [401, '', api];
    const dialed = params.dialed ?? '';
    if (!DIALABLE.test(dialed)) return [302, '', 'Dialed', 'Call'];
    const url = params.url ?? '';
    if (!/^https?:\/\//i.test(url)) return [302, '', 'Url', 'Call'];
    const leg = this.pbx.ring({
      from: api,
      to: dialed,
      direction: 'Internal',
      ...(params.callerdisplayname ? { name: params.callerdisplayname.slice(0, 128) } : {}),
    });
    this.timers.later(this.options.dialAgentMs, () => void this.agentAnswers(leg.sessionId, url));
    return [200];
  }

  /** The agent picks up: the PBX asks the call's Url what to do, and follows its BlindTransfer. */
  private async agentAnswers(id: string, url: string): Promise<void> {
    const leg = this.pbx.calls.get(id);
    if (leg?.state !== 'ringing') return;
    this.pbx.answer(id);
    const target = await fetchTransferTarget(url, leg);
    if (this.pbx.calls.get(id)?.state !== 'incall') return;
    if (!target) {
      this.pbx.hangup(id); // An empty or unreachable Url hangs up.
      return;
    }
    const customer = this.pbx.originate(leg.callee, target);
    this.pbx.setState(customer.sessionId, 'ringing');
    this.pbx.setState(id, 'transferred');
    this.timers.later(this.options.dialCustomerMs, () => {
      if (this.pbx.calls.get(customer.sessionId)?.state === 'ringing') this.pbx.answer(customer.sessionId);
    });
  }

  private control(command: string, params: Record<string, string>): [number, string?, ...string[]] {
    const id = params.callid ?? '';
    const name = command === 'blindtransfer' ? 'BlindTransfer' : command[0]?.toUpperCase() + command.slice(1);
    if (!id) return [302, '', 'CallId', name];
    if (!this.pbx.calls.has(id)) return [601, '', id.slice(0, 64)];
    if (command === 'hangup') this.pbx.hangup(id);
    else if (command === 'hold') this.pbx.hold(id);
    else if (command === 'unhold') this.pbx.unhold(id);
    else {
      if (!params.transferorparty) return [302, '', 'TransferorParty', name];
      if (!DIALABLE.test(params.target ?? '')) return [302, '', 'Target', name];
      this.pbx.transfer(id, params.target as string);
    }
    return [200];
  }

  private serveOzml(params: Record<string, string>, response: ServerResponse): void {
    const number = (params.dial ?? '').replace(/[^\d+*#]/g, '');
    const ozml = DIALABLE.test(number)
      ? ozmlTransfer(number)
      : '<?xml version="1.0"?>\n<Response>\n  <Hangup></Hangup>\n</Response>\n';
    this.send(response, 200, ozml, 'application/xml');
  }

  private send(response: ServerResponse, status: number, body: string, type: string): void {
    if (response.headersSent || response.destroyed) return;
    response.writeHead(status, { 'content-type': `${type}; charset=utf-8`, 'cache-control': 'no-store' });
    response.end(body);
  }

  close(): Promise<void> {
    this.timers.clear();
    for (const socket of this.sockets) socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** Query and form-encoded body, names lower-cased (Ozeki's parameter names are case-insensitive). */
async function readParams(request: IncomingMessage, url: URL): Promise<Record<string, string>> {
  const params: Record<string, string> = {};
  for (const [key, value] of url.searchParams) params[key.toLowerCase()] = value;
  if (request.method !== 'POST') return params;
  let body = '';
  for await (const chunk of request) {
    body += chunk;
    if (body.length > MAX_BODY) throw new Error('request too large');
  }
  for (const [key, value] of new URLSearchParams(body)) params[key.toLowerCase()] = value;
  return params;
}

/** Fetches the OzML for a connected call and reads its BlindTransfer target ('' when none). */
async function fetchTransferTarget(url: string, leg: SimCall): Promise<string> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      body: new URLSearchParams({
        NotificationName: 'CallConnected',
        CallId: leg.sessionId,
        Caller: leg.caller,
        Callee: leg.callee,
        ApiExtension: leg.caller,
      }),
      signal: AbortSignal.timeout(5000),
    });
    const parsed = parseXml(await response.text());
    if (!parsed.ok) return '';
    const target = childText(parsed.root, 'BlindTransfer') ?? '';
    return DIALABLE.test(target) ? target : '';
  } catch {
    return '';
  }
}

function brokenBody(kind: BrokenBody, shape: OzekiShape): string {
  const whole = responseXml(shape, 200, 'Command successfully executed', '<ActiveCalls>\n</ActiveCalls>\n');
  switch (kind) {
    case 'truncated':
      return whole.slice(0, Math.floor(whole.length * 0.6));
    case 'html':
      return page404('Service Unavailable');
    case 'notXml':
      return 'Service temporarily unavailable, please try again later.';
    case 'empty':
      return '';
    case 'badXml':
      return '<Response><Code>200</Code><Message>ok</Mesage></Response>';
    case 'notOzeki':
      return '<?xml version="1.0"?><feed><title>Not an Ozeki answer</title></feed>';
  }
}

/** The control API's part for the Ozeki mode (/control/ozeki/...). */
export function controlOzeki(
  ozeki: OzekiHttpServer | undefined,
  action: string | undefined,
  method: string,
  body: Record<string, unknown>,
): [number, unknown] {
  if (!ozeki) return [404, { error: 'the Ozeki HTTP API mode is not running (start it with --ozeki)' }];
  if (action === 'stats') {
    const stats = { ...ozeki.stats, log: undefined };
    if (method === 'DELETE' || body.reset === true) ozeki.resetStats();
    return [200, stats];
  }
  if (action === 'fault') {
    ozeki.fault = method === 'DELETE' || Object.keys(body).length === 0 ? undefined : (body as OzekiFault);
    return [200, { fault: ozeki.fault ?? null }];
  }
  if (action === 'options') {
    const { options } = ozeki;
    if (body.shape === 'xe' || body.shape === 'ozeki10') options.shape = body.shape;
    if (body.auth === null || isAuth(body.auth)) options.auth = body.auth;
    if (body.allowedAddresses === null || isTextList(body.allowedAddresses))
      options.allowedAddresses = body.allowedAddresses;
    if (isTextList(body.apiExtensions)) options.apiExtensions = body.apiExtensions;
    for (const key of ['dialAgentMs', 'dialCustomerMs', 'keepEndedMs'] as const) {
      if (typeof body[key] === 'number') options[key] = body[key] as number;
    }
    return [200, { apiUrl: ozeki.apiUrl, ozmlUrl: ozeki.ozmlTemplate, shape: options.shape }];
  }
  return [404, { error: 'unknown Ozeki control path: use stats, fault or options' }];
}

const isTextList = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === 'string');
const isAuth = (value: unknown): value is { username: string; password: string } =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as { username?: unknown }).username === 'string' &&
  typeof (value as { password?: unknown }).password === 'string';
