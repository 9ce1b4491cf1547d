/**
 * A VoxEngine emulator for the tests: runs the shipped scenario (bridge/voximplant/popline.voxengine.js),
 * unmodified, in a Node `vm` context with VoxEngine, AppEvents, CallEvents, Net, Logger, Crypto,
 * ApplicationStorage and Call objects of the shapes Voximplant documents. Each session is its own
 * context, as in the cloud. The test drives the calls: the remote side of every call rings, answers,
 * fails with a SIP code, hangs up, holds. What the emulator keeps faithful, because the scenario's
 * correctness depends on it:
 *   - Net.httpRequestAsync returns a Promise of {code, text, headers: [{key, value}]}, never rejects,
 *     reports internal codes (-2 malformed URL, -4 connection error, -7 timeout) and honours `timeout`
 *     and `connectionTimeout` (seconds; 90 and 6 by default, which can only be lowered);
 *   - custom data (VoxEngine.customData, Call.customData, StartScenarios) is at most 200 bytes;
 *   - AppEvents.HttpRequest gets only the X- headers, and the handler's return value is the answer;
 *   - AppEvents.Terminating allows one last HTTP request; the session ends when no call is left;
 *   - events arrive asynchronously, never inside the method call that caused them.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createContext, runInContext } from 'node:vm';

export const SCENARIO_FILE = join(__dirname, '../../bridge/voximplant/popline.voxengine.js');
export const CUSTOM_DATA_BYTES = 200;

export const AppEvents = {
  Started: 'Application.Started',
  CallAlerting: 'Application.CallAlerting',
  HttpRequest: 'Application.HttpRequest',
  Terminating: 'Application.Terminating',
  Terminated: 'Application.Terminated',
} as const;

export const CallEvents = {
  Ringing: 'Call.Ringing',
  Connected: 'Call.Connected',
  Disconnected: 'Call.Disconnected',
  Failed: 'Call.Failed',
  OnHold: 'Call.OnHold',
  OffHold: 'Call.OffHold',
  RecordStarted: 'Call.RecordStarted',
} as const;

type Handler = (event: Record<string, unknown>) => unknown;

export interface HttpRecord {
  url: string;
  body: string;
  code: number;
  text: string;
  /** Bytes on the wire both ways, headers included (request line, headers, body; status, headers, body). */
  bytes: number;
  /** performance.now() when the scenario called httpRequestAsync, and when it resolved. */
  sentAt: number;
  doneAt: number;
}

const byteLength = (text: string) => Buffer.byteLength(text);

function checkCustomData(value: string, where: string): void {
  if (byteLength(value) > CUSTOM_DATA_BYTES) {
    throw new Error(`${where}: custom data is ${byteLength(value)} bytes, the limit is ${CUSTOM_DATA_BYTES}`);
  }
}

/** One call of a session: the scenario calls its methods; the test drives its far end through `remote`. */
export class EmuCall {
  readonly actions: string[] = [];
  private readonly handlers = new Map<string, Handler[]>();
  state: 'progressing' | 'ringing' | 'connected' | 'ended' = 'progressing';
  private connectedAt = 0;
  private data = '';
  /** Calls this one sends media to (sendMediaTo / sendMediaBetween). */
  readonly mediaTo = new Set<EmuCall>();
  readonly id = randomBytes(8).toString('hex');

  constructor(
    private readonly session: VoxSession,
    readonly kind: 'inbound' | 'user' | 'sip' | 'pstn',
    /** The number, user name or SIP URI called; for an inbound call, the caller. */
    readonly target: string,
    readonly params: Record<string, unknown>,
  ) {}

  // ---- the scenario's side (Call in the VoxEngine reference) ----
  addEventListener(event: string, handler: Handler): void {
    if (typeof event !== 'string' || !event.startsWith('Call.')) throw new Error(`not a CallEvents value: ${event}`);
    this.handlers.set(event, [...(this.handlers.get(event) ?? []), handler]);
  }
  removeEventListener(event: string, handler?: Handler): void {
    this.handlers.set(event, handler ? (this.handlers.get(event) ?? []).filter((h) => h !== handler) : []);
  }
  callerid(): string {
    return this.kind === 'inbound' ? this.target : String(this.params.callerid ?? '');
  }
  displayName(): string {
    return String(this.params.displayName ?? '');
  }
  number(): string {
    return this.target;
  }
  customData(value?: string): string {
    if (value !== undefined) {
      checkCustomData(String(value), 'Call.customData');
      this.data = String(value);
    }
    return this.data;
  }
  answer(): void {
    this.actions.push('answer');
    if (this.kind !== 'inbound' || this.state === 'ended') return;
    this.connect();
  }
  ring(): void {
    this.actions.push('ring');
  }
  startEarlyMedia(): void {
    this.actions.push('startEarlyMedia');
  }
  hangup(): void {
    this.actions.push('hangup');
    if (this.state === 'ended') return;
    const wasConnected = this.state === 'connected';
    this.state = 'ended';
    if (wasConnected || this.kind === 'inbound')
      this.fire(CallEvents.Disconnected, this.disconnectEvent('Normal', 200));
    else this.fire(CallEvents.Failed, { code: 487, reason: 'Request Terminated' });
  }
  record(parameters?: Record<string, unknown>): void {
    this.actions.push(`record ${JSON.stringify(parameters ?? {})}`);
  }
  sendMediaTo(other: EmuCall): void {
    this.mediaTo.add(other);
  }
  stopMediaTo(other: EmuCall): void {
    this.mediaTo.delete(other);
  }

  // ---- the far end, driven by the test ----
  readonly remote = {
    ringing: () => this.progress('ringing', CallEvents.Ringing, {}),
    answer: () => {
      if (this.state === 'ended') throw new Error('the call is over');
      this.connect();
    },
    fail: (code: number, reason = '') => {
      if (this.state === 'ended' || this.state === 'connected') throw new Error(`cannot fail a ${this.state} call`);
      this.state = 'ended';
      this.fire(CallEvents.Failed, { code, reason });
    },
    hangup: (durationSeconds?: number) => {
      if (this.state === 'ended') throw new Error('the call is over');
      this.state = 'ended';
      this.fire(CallEvents.Disconnected, this.disconnectEvent('Normal', 200, durationSeconds));
    },
    hold: () => this.fire(CallEvents.OnHold, {}),
    unhold: () => this.fire(CallEvents.OffHold, {}),
    recordStarted: (url: string) => this.fire(CallEvents.RecordStarted, { url }),
  };

  private progress(state: 'ringing', event: string, fields: Record<string, unknown>): void {
    if (this.state !== 'progressing' && this.state !== 'ringing') throw new Error(`cannot ring a ${this.state} call`);
    this.state = state;
    this.fire(event, fields);
  }

  private connect(): void {
    this.state = 'connected';
    this.connectedAt = Date.now();
    this.fire(CallEvents.Connected, { headers: {} });
  }

  private disconnectEvent(reason: string, internalCode: number, duration?: number): Record<string, unknown> {
    const seconds = duration ?? (this.connectedAt ? Math.round((Date.now() - this.connectedAt) / 1000) : 0);
    return { cost: 0, direction: this.kind === 'inbound' ? 'in' : 'out', duration: seconds, internalCode, reason };
  }

  private fire(event: string, fields: Record<string, unknown>): void {
    const payload = { name: event, call: this, headers: {}, ...fields };
    this.session.schedule(() => {
      for (const handler of this.handlers.get(event) ?? []) this.session.invoke(handler, payload);
      if (event === CallEvents.Disconnected || event === CallEvents.Failed) this.session.callEnded();
    });
  }
}

/** One VoxEngine session: its own vm context running the scenario. */
export class VoxSession {
  readonly logs: string[] = [];
  readonly errors: string[] = [];
  readonly http: HttpRecord[] = [];
  readonly calls: EmuCall[] = [];
  inbound: EmuCall | undefined;
  readonly accessSecureURL: string;
  terminating = false;
  terminated = false;
  private readonly handlers = new Map<string, Handler[]>();
  private readonly waiters: ((call: EmuCall) => void)[] = [];
  private taken = 0;
  private pending = 0;
  private scheduled = 0;
  private liveCalls = 0;
  private terminatingRequests = 0;
  private onTerminated: (() => void)[] = [];
  private data: string;

  constructor(
    readonly cloud: VoxCloud,
    readonly id: number,
    customData: string,
  ) {
    checkCustomData(customData, 'StartScenarios script_custom_data');
    this.data = customData;
    this.accessSecureURL = `${cloud.controlOrigin}/request/${id}/${randomBytes(8).toString('hex')}`;
    const context = createContext(this.globals());
    runInContext(cloud.scenario, context, { filename: 'popline.voxengine.js' });
  }

  private globals(): Record<string, unknown> {
    const session = this;
    const storage = this.cloud.storage;
    const context: Record<string, unknown> = {
      AppEvents,
      CallEvents,
      Modules: { ApplicationStorage: 'ApplicationStorage' },
      require(module: unknown) {
        if (module !== 'ApplicationStorage') throw new Error(`the emulator has no module ${String(module)}`);
        context.ApplicationStorage = {
          get: async (key: string) => (key in storage ? { key, value: storage[key], ttl: 0 } : null),
          put: async (key: string, value: string) => {
            storage[key] = value;
            return { key, value, ttl: 0 };
          },
        };
      },
      Logger: { write: (text: unknown) => session.logs.push(String(text)) },
      Crypto: {
        hmac_sha256: (key: string, data: string) => createHmac('sha256', key).update(data).digest('hex'),
      },
      Net: { httpRequestAsync: (url: string, options?: Record<string, unknown>) => session.httpRequest(url, options) },
      VoxEngine: {
        addEventListener(event: string, handler: Handler) {
          if (typeof event !== 'string' || !event.startsWith('Application.')) throw new Error(`not an AppEvents value`);
          session.handlers.set(event, [...(session.handlers.get(event) ?? []), handler]);
        },
        customData(value?: string) {
          if (value !== undefined) {
            checkCustomData(String(value), 'VoxEngine.customData');
            session.data = String(value);
          }
          return session.data;
        },
        callUser(parameters: Record<string, unknown>) {
          if (typeof parameters !== 'object' || typeof parameters?.username !== 'string')
            throw new Error('callUser: expected {username, callerid, displayName, ...}');
          return session.place('user', parameters.username, parameters);
        },
        callSIP(to: string, parameters: Record<string, unknown> = {}) {
          if (!/^sips?:/.test(String(to))) throw new Error(`callSIP: ${to} is not a SIP URI`);
          return session.place('sip', to, typeof parameters === 'object' ? parameters : { callerid: parameters });
        },
        callPSTN(number: string, callerid?: string, parameters: Record<string, unknown> = {}) {
          if (!/^\+?\d{3,20}$/.test(String(number))) throw new Error(`callPSTN: ${number} is not a phone number`);
          return session.place('pstn', number, { callerid, ...parameters });
        },
        sendMediaBetween(a: EmuCall, b: EmuCall) {
          a.sendMediaTo(b);
          b.sendMediaTo(a);
        },
        easyProcess() {
          throw new Error('the emulator does not implement easyProcess (the PopLine scenario does not use it)');
        },
        terminate: () => session.terminate(),
      },
      console: { log: (...args: unknown[]) => session.logs.push(args.map(String).join(' ')) },
    };
    return context;
  }

  // ---- driving ----
  fireApp(event: string, fields: Record<string, unknown>): unknown {
    let answer: unknown;
    for (const handler of this.handlers.get(event) ?? []) answer = this.invoke(handler, { name: event, ...fields });
    return answer;
  }

  start(): void {
    this.fireApp(AppEvents.Started, {
      accessSecureURL: this.accessSecureURL,
      accessURL: this.accessSecureURL,
      accountId: 1,
      applicationId: 1,
      logURL: '',
      sessionId: this.id,
    });
  }

  /** Runs a handler; a throw or a rejected promise is an error of the scenario (tests assert none). */
  invoke(handler: Handler, event: Record<string, unknown>): unknown {
    try {
      const result = handler(event);
      if (result && typeof (result as Promise<unknown>).then === 'function') {
        this.pending += 1;
        (result as Promise<unknown>).then(
          () => {
            this.pending -= 1;
          },
          (error) => {
            this.pending -= 1;
            this.errors.push(`${event.name}: ${(error as Error)?.stack ?? error}`);
          },
        );
      }
      return result;
    } catch (error) {
      this.errors.push(`${event.name}: ${(error as Error)?.stack ?? error}`);
      return undefined;
    }
  }

  schedule(task: () => void): void {
    this.scheduled += 1;
    setImmediate(() => {
      this.scheduled -= 1;
      task();
    });
  }

  place(kind: EmuCall['kind'], target: string, params: Record<string, unknown>): EmuCall {
    if (this.terminating) throw new Error('the session is terminating: no new calls');
    const call = new EmuCall(this, kind, target, params);
    this.calls.push(call);
    this.liveCalls += 1;
    const waiter = this.waiters.shift();
    if (waiter) {
      this.taken += 1;
      waiter(call);
    }
    return call;
  }

  alert(event: Record<string, unknown>): EmuCall {
    const call = new EmuCall(this, 'inbound', String(event.callerid), {});
    this.inbound = call;
    this.liveCalls += 1;
    this.fireApp(AppEvents.CallAlerting, { ...event, call });
    return call;
  }

  /** The next outgoing call the scenario places (in order). */
  nextCall(): Promise<EmuCall> {
    const placed = this.calls[this.taken];
    if (placed) {
      this.taken += 1;
      return Promise.resolve(placed);
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  callEnded(): void {
    this.liveCalls -= 1;
    if (this.liveCalls <= 0) this.terminate();
  }

  terminate(): void {
    if (this.terminating) return;
    this.terminating = true;
    this.schedule(() => {
      this.fireApp(AppEvents.Terminating, {});
      void this.settled().then(() => {
        this.terminated = true;
        this.fireApp(AppEvents.Terminated, {});
        for (const done of this.onTerminated) done();
      });
    });
  }

  /** Resolves once the session has terminated. */
  ended(): Promise<void> {
    if (this.terminated) return Promise.resolve();
    return new Promise((resolve) => this.onTerminated.push(resolve));
  }

  /** Resolves when no event, handler or HTTP request of this session is in flight. */
  async settled(): Promise<void> {
    for (let quiet = 0; quiet < 3; ) {
      await new Promise((resolve) => setImmediate(resolve));
      quiet = this.pending === 0 && this.scheduled === 0 ? quiet + 1 : 0;
    }
  }

  // ---- Net ----
  async httpRequest(url: string, options: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const sentAt = performance.now();
    if (this.terminated || (this.terminating && this.terminatingRequests++ >= 1)) {
      return { code: 0, error: 'VoxEngine limits are violated: one request after Terminating', headers: [] };
    }
    this.pending += 1;
    try {
      return await this.cloud.request(url, options, (record) => this.http.push({ ...record, sentAt }));
    } finally {
      this.pending -= 1;
    }
  }

  get requests(): { event: string; seq: number; body: Record<string, unknown>; code: number }[] {
    return this.http.map((r) => {
      const body = JSON.parse(r.body || '{}');
      return { event: body.event, seq: body.seq, body, code: r.code };
    });
  }
}

export interface CloudOptions {
  /** The application's key-value storage (popline_bridge_url, popline_secret, popline_fallback). */
  storage: Record<string, string>;
}

/** The cloud: scenario sessions and the control URLs that reach them. */
export class VoxCloud {
  readonly scenario = readFileSync(SCENARIO_FILE, 'utf8');
  readonly sessions = new Map<number, VoxSession>();
  readonly storage: Record<string, string>;
  /** Set to hold every control request unanswered (a session that does not answer in time). */
  stallControl = false;
  private nextId = 3_000_000_001;
  private readonly stalled = new Set<ServerResponse>();
  controlOrigin = '';

  private constructor(
    private readonly server: Server,
    options: CloudOptions,
  ) {
    this.storage = { ...options.storage };
  }

  static async start(options: CloudOptions): Promise<VoxCloud> {
    let cloud: VoxCloud | undefined;
    const server = createServer((req, res) => void cloud?.control(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cloud = new VoxCloud(server, options);
    cloud.controlOrigin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return cloud;
  }

  /** An inbound call routed by the rule to the scenario: AppEvents.Started, then CallAlerting. */
  incoming(call: {
    callerid: string;
    displayName?: string;
    destination: string;
    fromURI?: string;
    toURI?: string;
    headers?: Record<string, string>;
    customData?: string;
  }): VoxSession {
    checkCustomData(call.customData ?? '', 'CallAlerting customData');
    const session = this.open('');
    session.start();
    session.alert({
      callerid: call.callerid,
      displayName: call.displayName ?? '',
      destination: call.destination,
      fromURI: call.fromURI ?? `${call.callerid}@pstn.voximplant.com`,
      toURI: call.toURI ?? `${call.destination}@app.account.voximplant.com`,
      headers: call.headers ?? {},
      customData: call.customData ?? '',
      scheme: {},
    });
    return session;
  }

  /** StartScenarios: a session with custom data and no call. */
  startScenario(customData: string): VoxSession {
    const session = this.open(customData);
    session.start();
    return session;
  }

  private open(customData: string): VoxSession {
    const session = new VoxSession(this, this.nextId++, customData);
    this.sessions.set(session.id, session);
    return session;
  }

  /** Every HTTP request the scenarios made, in order. */
  get http(): HttpRecord[] {
    return [...this.sessions.values()].flatMap((s) => s.http);
  }

  async request(
    url: string,
    options: Record<string, unknown>,
    record: (r: Omit<HttpRecord, 'sentAt'>) => void,
  ): Promise<Record<string, unknown>> {
    let parsed: URL;
    try {
      parsed = new URL(url);
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('scheme');
    } catch {
      return { code: -2, error: 'Malformed URL', headers: [] };
    }
    const method = String(options.method ?? 'GET').toUpperCase();
    const headers = (options.headers ?? {}) as Record<string, string>;
    if (typeof headers !== 'object' || Array.isArray(headers)) throw new Error('headers: expected an object');
    const body = typeof options.postData === 'string' ? options.postData : '';
    const total = Math.min(Number(options.timeout ?? 90), 90) * 1000;
    const connectMs = Math.min(Number(options.connectionTimeout ?? 6), 6) * 1000;
    const requestBytes =
      byteLength(`${method} ${parsed.pathname}${parsed.search} HTTP/1.1\r\nHost: ${parsed.host}\r\n`) +
      Object.entries(headers).reduce((n, [k, v]) => n + byteLength(`${k}: ${v}\r\n`), 0) +
      byteLength(`Content-Length: ${byteLength(body)}\r\nUser-Agent: VoxEngine/1.0\r\n\r\n`) +
      byteLength(body);
    const signal = AbortSignal.timeout(Math.max(1, Math.min(total, connectMs + total)));
    try {
      const response = await fetch(parsed, {
        method,
        headers: { 'user-agent': 'VoxEngine/1.0', ...headers },
        ...(method === 'GET' || method === 'HEAD' ? {} : { body }),
        signal: AbortSignal.any([signal, AbortSignal.timeout(total)]),
        redirect: 'follow',
      });
      const text = await response.text();
      const list = [...response.headers].map(([key, value]) => ({ key, value }));
      const responseBytes =
        byteLength(`HTTP/1.1 ${response.status} ${response.statusText}\r\n`) +
        list.reduce((n, h) => n + byteLength(`${h.key}: ${h.value}\r\n`), 2) +
        byteLength(text);
      record({
        url,
        body,
        code: response.status,
        text,
        bytes: requestBytes + responseBytes,
        doneAt: performance.now(),
      });
      return {
        code: response.status,
        text,
        headers: list,
        raw_headers: list.map((h) => `${h.key}: ${h.value}`).join('\r\n'),
      };
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      const name = (error as Error).name;
      const [code, text] =
        name === 'TimeoutError' || name === 'AbortError'
          ? [-7, 'Timeout']
          : cause === 'ENOTFOUND'
            ? [-3, 'Host not found']
            : cause === 'ECONNREFUSED' || cause === 'ECONNRESET'
              ? [-4, 'Connection error']
              : [-6, 'Network error'];
      record({ url, body, code, text: '', bytes: requestBytes, doneAt: performance.now() });
      return { code, error: text, headers: [] };
    }
  }

  /** A request to a session's control URL: AppEvents.HttpRequest, answered with what the handler returns. */
  private async control(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const session = [...this.sessions.values()].find((s) => new URL(s.accessSecureURL).pathname === path);
    if (!session || session.terminated) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('session not found');
      return;
    }
    if (this.stallControl) {
      this.stalled.add(res);
      return;
    }
    const headers = Object.fromEntries(
      Object.entries(req.headers).filter(([key]) => key.toLowerCase().startsWith('x-')) as [string, string][],
    );
    const answer = session.fireApp(AppEvents.HttpRequest, {
      method: req.method ?? 'GET',
      path,
      content: Buffer.concat(chunks).toString('utf8'),
      headers,
    });
    const text =
      typeof answer === 'string' || typeof answer === 'number' ? String(answer) : JSON.stringify(answer ?? '');
    res.writeHead(200, {
      'content-type': typeof answer === 'object' ? 'application/json' : 'text/plain; charset=utf-8',
    });
    res.end(text);
  }

  async stop(): Promise<void> {
    for (const res of this.stalled) res.destroy();
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
