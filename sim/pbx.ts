/**
 * The simulated phone system: calls, their states, and the events a real PBX would report.
 * No I/O here: the bridge's simulator source (bridge/src/sources/simulator) and the control API
 * (sim/server.ts) drive it.
 */
import { EventEmitter } from 'node:events';

export type SimState =
  | 'setup'
  | 'ringing'
  | 'incall'
  | 'hold'
  | 'transferring'
  | 'hungup'
  | 'cancelled'
  | 'noanswer'
  | 'busy'
  | 'rejected'
  | 'notfound'
  | 'error'
  | 'transferred';

export const ENDED: ReadonlySet<SimState> = new Set([
  'hungup',
  'cancelled',
  'noanswer',
  'busy',
  'rejected',
  'notfound',
  'error',
  'transferred',
]);

/** The state vocabularies Ozeki products use; the simulator speaks any of them. */
export type Vocabulary = 'dotnet' | 'js' | 'http' | 'int';
export const VOCABULARIES: readonly Vocabulary[] = ['dotnet', 'js', 'http', 'int'];

const WIRE: Record<Vocabulary, Record<SimState, string | number>> = {
  dotnet: {
    setup: 'Setup',
    ringing: 'Ringing',
    incall: 'InCall',
    hold: 'CallerOnHold',
    transferring: 'Transferring',
    hungup: 'CalleeHungUp',
    cancelled: 'Cancelled',
    noanswer: 'NotAnswered',
    busy: 'Busy',
    rejected: 'REJECTED',
    notfound: 'NotFound',
    error: 'Error',
    transferred: 'TransferCompleted',
  },
  js: {
    setup: 'CALLING',
    ringing: 'RINGING',
    incall: 'IN_CALL',
    hold: 'HOLD',
    transferring: 'TRANSFERRING',
    hungup: 'COMPLETED',
    cancelled: 'CANCELLED',
    noanswer: 'NOT_ANSWERED',
    busy: 'BUSY',
    rejected: 'REJECTED',
    notfound: 'NOT_FOUND',
    error: 'ERROR',
    transferred: 'TRANSFERRED',
  },
  http: {
    setup: 'Setup',
    ringing: 'Ringing',
    incall: 'InCall',
    hold: 'Hold',
    transferring: 'Transferring',
    hungup: 'Completed',
    cancelled: 'Cancelled',
    noanswer: 'NoAnswer',
    busy: 'Busy',
    rejected: 'Rejected',
    notfound: 'NotFound',
    error: 'Error',
    transferred: 'Transferred',
  },
  int: {
    setup: 1,
    ringing: 3,
    incall: 4,
    hold: 7,
    transferring: 10,
    hungup: 14,
    cancelled: 18,
    noanswer: 19,
    busy: 17,
    rejected: 17,
    notfound: 16,
    error: 20,
    transferred: 11,
  },
};

export interface SimCall {
  sessionId: string;
  masterSessionId?: string;
  state: SimState;
  caller: string;
  callee: string;
  callerDisplayName?: string;
  calleeDisplayName?: string;
  dialedNumber?: string;
  direction: 'Inbound' | 'Outbound' | 'Internal';
  startTime: string;
  answeredAt?: number;
  endedAt?: number;
  customData?: Record<string, string>;
}

/** Seconds of conversation, to the millisecond (the protocol's talkDuration is a number). */
const talkSeconds = (from: number, to: number) => Math.max(0.001, (to - from) / 1000);

/** A session object as it goes on the wire, in the chosen vocabulary. */
export function wireSession(call: SimCall, vocabulary: Vocabulary, now = Date.now()): Record<string, unknown> {
  const session: Record<string, unknown> = {
    sessionId: call.sessionId,
    state: WIRE[vocabulary][call.state],
    caller: call.caller,
    callee: call.callee,
    direction: call.direction,
    startTime: call.startTime,
    talkDuration: call.answeredAt ? talkSeconds(call.answeredAt, call.endedAt ?? now) : 0,
  };
  for (const key of [
    'masterSessionId',
    'callerDisplayName',
    'calleeDisplayName',
    'dialedNumber',
    'customData',
  ] as const) {
    if (call[key] !== undefined) session[key] = call[key];
  }
  return session;
}

export const wireState = (state: SimState, vocabulary: Vocabulary) => WIRE[vocabulary][state];

export type PbxEvent =
  | { type: 'created'; seq: number; call: SimCall }
  | { type: 'changed'; seq: number; call: SimCall }
  | { type: 'closed'; seq: number; call: SimCall };

export interface HistoryRecord {
  sessionId: string;
  startTime: string;
  direction: string;
  caller: string;
  callee: string;
  callerDisplayName?: string;
  calleeDisplayName?: string;
  state: SimState;
  talkDuration: number;
}

export interface RingOptions {
  from: string;
  to: string;
  name?: string;
  id?: string;
  calleeName?: string;
  direction?: SimCall['direction'];
  masterSessionId?: string;
  customData?: Record<string, string>;
}

const MAX_HISTORY = 100_000;

export class Pbx extends EventEmitter<{ event: [PbxEvent]; lost: [SimCall] }> {
  seq = 0;
  readonly calls = new Map<string, SimCall>();
  readonly history: HistoryRecord[] = [];
  private counter = 0;

  constructor(private readonly idPrefix = `s${Date.now().toString(36)}`) {
    super();
  }

  private nextId(): string {
    this.counter += 1;
    return `${this.idPrefix}-${this.counter}`;
  }

  private emitEvent(type: PbxEvent['type'], call: SimCall): void {
    this.seq += 1;
    this.emit('event', { type, seq: this.seq, call: { ...call } });
  }

  /** An incoming call that rings at `to`. */
  ring(options: RingOptions): SimCall {
    const call: SimCall = {
      sessionId: options.id ?? this.nextId(),
      state: 'ringing',
      caller: options.from,
      callee: options.to,
      direction: options.direction ?? 'Inbound',
      startTime: new Date().toISOString(),
    };
    if (options.name !== undefined) call.callerDisplayName = options.name;
    if (options.calleeName !== undefined) call.calleeDisplayName = options.calleeName;
    if (options.masterSessionId) call.masterSessionId = options.masterSessionId;
    if (options.customData) call.customData = options.customData;
    if (this.calls.has(call.sessionId)) throw new Error(`call ${call.sessionId} exists`);
    this.calls.set(call.sessionId, call);
    this.emitEvent('created', call);
    return call;
  }

  /** Click-to-dial: the agent's phone is set up first, then the customer's rings. */
  originate(agent: string, number: string, name?: string): SimCall {
    const call: SimCall = {
      sessionId: this.nextId(),
      state: 'setup',
      caller: agent,
      callee: number,
      dialedNumber: number,
      direction: 'Outbound',
      startTime: new Date().toISOString(),
    };
    if (name) call.calleeDisplayName = name;
    this.calls.set(call.sessionId, call);
    this.emitEvent('created', call);
    return call;
  }

  get(id: string): SimCall {
    const call = this.calls.get(id);
    if (!call) throw new Error(`no active call ${id}`);
    return call;
  }

  setState(id: string, state: SimState, { announce = true } = {}): SimCall {
    const call = this.get(id);
    if (state === call.state) return call;
    call.state = state;
    if (state === 'incall' && call.answeredAt === undefined) call.answeredAt = Date.now();
    if (ENDED.has(state)) return this.end(call, announce);
    this.emitEvent('changed', call);
    return call;
  }

  answer = (id: string) => this.setState(id, 'incall');
  hold = (id: string) => this.setState(id, 'hold');
  unhold = (id: string) => this.setState(id, 'incall');
  hangup = (id: string) => this.setState(id, 'hungup');
  /** The caller gave up while it rang: a missed call. */
  miss = (id: string) => this.setState(id, 'cancelled');
  busy = (id: string) => this.setState(id, 'busy');
  reject = (id: string) => this.setState(id, 'rejected');

  /** Blind transfer: the call ends here and a new one, linked by masterSessionId, rings at `target`. */
  transfer(id: string, target: string): SimCall {
    const call = this.get(id);
    this.setState(id, 'transferring');
    const next = this.ring({
      from: call.direction === 'Outbound' ? call.callee : call.caller,
      to: target,
      masterSessionId: call.sessionId,
      ...(call.callerDisplayName ? { name: call.callerDisplayName } : {}),
    });
    this.setState(id, 'transferred');
    return next;
  }

  /** Ends a call; `announce: false` drops it silently (a PBX that lost it), for reconciliation tests. */
  private end(call: SimCall, announce: boolean): SimCall {
    call.endedAt = Date.now();
    this.calls.delete(call.sessionId);
    this.recordHistory(call);
    if (announce) {
      this.emitEvent('changed', call);
      this.emitEvent('closed', call);
    } else this.emit('lost', { ...call });
    return call;
  }

  private recordHistory(call: SimCall): void {
    const record: HistoryRecord = {
      sessionId: call.sessionId,
      startTime: call.startTime,
      direction: call.direction,
      caller: call.caller,
      callee: call.callee,
      state: call.state,
      talkDuration: call.answeredAt ? talkSeconds(call.answeredAt, call.endedAt ?? Date.now()) : 0,
    };
    if (call.callerDisplayName) record.callerDisplayName = call.callerDisplayName;
    if (call.calleeDisplayName) record.calleeDisplayName = call.calleeDisplayName;
    this.history.unshift(record);
    if (this.history.length > MAX_HISTORY) this.history.length = MAX_HISTORY;
  }

  /** Creates ended calls directly in the history (for import tests). */
  seedHistory(records: HistoryRecord[]): void {
    this.history.unshift(...records);
  }

  active(): SimCall[] {
    return [...this.calls.values()];
  }
}
