/**
 * Turns consecutive `ListActiveCalls` snapshots into the common call events (shared/calls.ts):
 * the first snapshot is a fresh `snapshot`; after it, a call that appears or changes is an
 * `upsert` and a call that is gone is a `close`, each with an increasing seq. Only calls the
 * agent follows are tracked, so a busy PBX costs nothing while its calls do not concern us.
 *
 * Click-to-dial over the HTTP API is two calls on the PBX: the API extension rings the agent
 * (the agent's leg), and when the agent answers, the PBX transfers the agent to the customer
 * (the customer's leg). The agent expects one outgoing call, so both legs are shown as one
 * session under the first leg's id: "calling" while the agent's phone rings, then the
 * customer's ringing and talking. `legFor` maps that id back to the live leg for commands.
 */

import type { CallEvent } from '../calls';
import { normaliseState } from '../calls/state';
import { sameNumber } from '../phone/numbers';
import type { CtiSession } from '../protocol';
import type { OzekiCall } from './parse';
import { isDialable, toSession } from './sessions';

export interface TrackerOptions {
  /** The agent's extension. */
  extension: string;
  /** The API extension that places click-to-dial calls ('' when none is configured). */
  apiExtension: string;
  /** Whether the agent follows a session (shared/calls.ts `isFollowed` with the agent's rules). */
  follows(session: Pick<CtiSession, 'caller' | 'callee'>): boolean;
  /** How long a dial waits for its customer leg once the agent's leg is gone. */
  linkGraceMs?: number;
  /** How long a remembered dial waits for its agent leg to appear. */
  dialMemoryMs?: number;
}

interface Leg {
  /** The session id the agent sees: the agent leg's call id. */
  logicalId: string;
  /** The customer's number ('' when unknown). */
  remote: string;
  /** The agent answered: the customer's leg is expected next. */
  answered: boolean;
  /** Set once the customer's leg has appeared. */
  customerLeg?: string;
  /** Since when the agent's leg is gone (or ended by the transfer) while no customer leg is there. */
  waitingSince?: number;
}

const MAX_FINISHED = 200;
const TRANSFER_CAUSES = new Set(['transferred', 'redirected']);

const sameSession = (a: CtiSession, b: CtiSession) =>
  a.state === b.state &&
  a.caller === b.caller &&
  a.callee === b.callee &&
  a.callerDisplayName === b.callerDisplayName &&
  a.dialedNumber === b.dialedNumber &&
  a.direction === b.direction;

export class SnapshotTracker {
  private readonly previous = new Map<string, CtiSession>();
  /** Dial legs by their logical id. */
  private readonly legs = new Map<string, Leg>();
  private readonly dials: { number: string; at: number }[] = [];
  /** Call ids of dials already closed, so a leg the PBX still lists does not pop again. */
  private readonly finished = new Set<string>();
  private seq = 0;
  private started = false;

  constructor(private readonly options: TrackerOptions) {}

  /** Remembers a click-to-dial, so its agent leg is shown as a call to `number`. */
  noteDial(number: string, now: number): void {
    this.dials.push({ number, at: now });
  }

  /** The PBX call id to use for a command on a session the agent sees. */
  legFor(sessionId: string): string {
    return this.legs.get(sessionId)?.customerLeg ?? sessionId;
  }

  /** Which side of the call the agent is on, as the HTTP API's `TransferorParty` says it. */
  partyOf(sessionId: string): 'caller' | 'callee' {
    const session = this.previous.get(sessionId);
    return session && sameNumber(session.caller, this.options.extension) ? 'caller' : 'callee';
  }

  /** Whether a followed call is ringing or being set up: worth polling faster. */
  hasRinging(): boolean {
    for (const session of this.previous.values()) {
      const { phase } = normaliseState(session.state);
      if (phase === 'ringing' || phase === 'setup') return true;
    }
    return false;
  }

  /** Events for one new snapshot of every active call on the PBX. */
  update(calls: readonly OzekiCall[], now: number): CallEvent[] {
    this.forgetOldDials(now);
    const current = this.sessionsOf(calls, now);
    if (!this.started) {
      this.started = true;
      for (const session of current.values()) this.previous.set(session.sessionId, session);
      return [{ type: 'snapshot', seq: this.nextSeq(now), sessions: [...current.values()], fresh: true }];
    }
    const events: CallEvent[] = [];
    for (const session of current.values()) {
      const before = this.previous.get(session.sessionId);
      if (!before || !sameSession(before, session)) {
        events.push({ type: 'upsert', seq: this.nextSeq(now), session });
      }
      this.previous.set(session.sessionId, session);
    }
    for (const id of [...this.previous.keys()]) {
      if (current.has(id)) continue;
      this.previous.delete(id);
      this.finishDial(id);
      events.push({ type: 'close', seq: this.nextSeq(now), sessionId: id });
    }
    return events;
  }

  private finishDial(id: string): void {
    const leg = this.legs.get(id);
    if (!leg) return;
    this.legs.delete(id);
    for (const callId of [id, leg.customerLeg]) if (callId) this.finished.add(callId);
    for (const old of this.finished) {
      if (this.finished.size <= MAX_FINISHED) break;
      this.finished.delete(old);
    }
  }

  /** A seq that increases across connector lives too (the reducer drops older events). */
  private nextSeq(now: number): number {
    this.seq = Math.max(this.seq + 1, now);
    return this.seq;
  }

  private forgetOldDials(now: number): void {
    const memory = this.options.dialMemoryMs ?? 60_000;
    while (this.dials.length && (this.dials[0]?.at ?? now) < now - memory) this.dials.shift();
  }

  private isAgentLeg(call: OzekiCall): boolean {
    const { apiExtension, extension } = this.options;
    return !!apiExtension && sameNumber(call.source, apiExtension) && sameNumber(call.destination, extension);
  }

  /** The sessions the agent follows, by the id the agent sees. */
  private sessionsOf(calls: readonly OzekiCall[], now: number): Map<string, CtiSession> {
    const out = new Map<string, CtiSession>();
    const others: OzekiCall[] = [];
    for (const call of calls) {
      if (this.finished.has(call.callId)) continue;
      const leg = this.legs.get(call.callId) ?? (this.isAgentLeg(call) ? this.newLeg(call) : undefined);
      if (!leg) others.push(call);
      else if (!leg.customerLeg) out.set(leg.logicalId, this.agentLegSession(call, leg, now));
    }
    for (const call of others) {
      const leg = this.dialOf(call);
      if (leg) {
        leg.customerLeg = call.callId;
        out.set(leg.logicalId, this.customerLegSession(call, leg, now));
        continue;
      }
      const session = toSession(call, now);
      if (this.options.follows(session)) out.set(session.sessionId, session);
    }
    this.keepWaitingDials(out, now);
    return out;
  }

  private newLeg(call: OzekiCall): Leg {
    const dial = this.dials.shift();
    const remote = dial?.number ?? (isDialable(call.callerId) ? call.callerId.trim() : '');
    const leg: Leg = { logicalId: call.callId, remote, answered: false };
    this.legs.set(call.callId, leg);
    return leg;
  }

  /** The agent's leg, shown as an outgoing call that is still being set up. */
  private agentLegSession(call: OzekiCall, leg: Leg, now: number): CtiSession {
    const { phase, cause } = normaliseState(call.state);
    const transferred = phase === 'ended' && !!cause && TRANSFER_CAUSES.has(cause);
    if (phase === 'connected' || phase === 'held' || transferred) leg.answered = true;
    if (transferred) leg.waitingSince ??= now;
    const gaveUp = transferred && now - (leg.waitingSince ?? now) >= this.grace;
    const ended = phase === 'ended' && (!transferred || gaveUp);
    const { callerDisplayName: _name, ...session } = toSession(call, now);
    return {
      ...session,
      sessionId: leg.logicalId,
      // Until the customer's leg rings, the customer is being called: "setting up".
      state: ended ? call.state : 'Setup',
      caller: this.options.extension,
      callee: leg.remote || call.source,
      ...(leg.remote ? { dialedNumber: leg.remote } : {}),
      direction: 'Outbound',
    };
  }

  private customerLegSession(call: OzekiCall, leg: Leg, now: number): CtiSession {
    const { callerDisplayName: _name, ...session } = toSession(call, now);
    return {
      ...session,
      sessionId: leg.logicalId,
      caller: this.options.extension,
      callee: call.destination || leg.remote,
      dialedNumber: leg.remote || call.destination,
      direction: 'Outbound',
    };
  }

  /** The dial whose customer leg a call is: from the agent (or the API extension) to the dialed number. */
  private dialOf(call: OzekiCall): Leg | undefined {
    const legs = [...this.legs.values()];
    const linked = legs.find((leg) => leg.customerLeg === call.callId);
    if (linked) return linked;
    const { apiExtension, extension } = this.options;
    const fromUs = sameNumber(call.source, extension) || (!!apiExtension && sameNumber(call.source, apiExtension));
    if (!fromUs) return undefined;
    return legs.find((leg) => !leg.customerLeg && leg.remote !== '' && sameNumber(call.destination, leg.remote));
  }

  private get grace(): number {
    return this.options.linkGraceMs ?? 15_000;
  }

  /** Keeps an answered dial on screen while its agent leg is gone and its customer leg has not appeared. */
  private keepWaitingDials(out: Map<string, CtiSession>, now: number): void {
    for (const leg of this.legs.values()) {
      if (out.has(leg.logicalId) || leg.customerLeg || !leg.answered) continue;
      leg.waitingSince ??= now;
      const last = this.previous.get(leg.logicalId);
      if (last && now - leg.waitingSince < this.grace) out.set(leg.logicalId, last);
    }
  }
}
