/**
 * The Ozeki Phone System connector over its documented HTTP API (docs/ozeki.md). Live calls
 * come from polling `ListActiveCalls`: every `pollIdleMs`, every `pollRingingMs` while a call
 * of the agent rings or is being set up. Snapshots become the common call events
 * (shared/ozeki/diff.ts). Click-to-dial is the `Call` command through an API extension; hang
 * up, hold, resume and blind transfer act on the call's `CallId`; history is `GetCallHistory`.
 * The office user name and password travel in POST bodies only, never in a URL or a log.
 * Any failed poll ends this connector with the reason in words; the connection manager backs
 * off and opens a new one, whose first snapshot reconciles the cards.
 */

import { type ActionResult, failure, notConnected } from '../../../shared/outcome';
import { dialString, ozmlUrlFor } from '../../../shared/ozeki/address';
import { SnapshotTracker, type TrackerOptions } from '../../../shared/ozeki/diff';
import {
  type Answer,
  DENIED_CODES,
  parseActiveCalls,
  parseAnswer,
  parseCallHistory,
  resultCode,
} from '../../../shared/ozeki/parse';
import { toHistoryEntry } from '../../../shared/ozeki/sessions';
import type { SessionAction } from '../../../shared/protocol';
import type { Connector, ConnectorEvents, HistoryPage } from './types';

export interface OzekiOptions {
  apiUrl: string;
  /** The agent's extension. */
  extension: string;
  apiExtension: string;
  /** OzML URL template with `{number}`. */
  ozmlUrl: string;
  username: string;
  password: string;
  pollIdleMs: number;
  pollRingingMs: number;
  follows: TrackerOptions['follows'];
  requestTimeoutMs?: number;
  /** Injectable for tests. */
  fetchImpl?: typeof fetch;
  /** Called now and then while polling: keeps a service worker from being stopped as idle. */
  keepAlive?: () => void;
}

/** A request that got no Ozeki answer at all, or an answer that is not one. */
type Outcome = { kind: 'answer'; answer: Answer } | { kind: 'failed'; code: 'timeout' | 'failed'; detail: string };

const MAX_ANSWER_CHARS = 8 * 1024 * 1024;
const KEEP_ALIVE_MS = 20_000;
/** Codes after which polling again cannot help: the settings must change. */
const POLL_DENIED = new Set([...DENIED_CODES, 301]);

const ACTIONS: Partial<Record<SessionAction, string>> = {
  hangup: 'Hangup',
  reject: 'Hangup',
  hold: 'Hold',
  unhold: 'Unhold',
  blindTransfer: 'BlindTransfer',
  forward: 'BlindTransfer',
};

export class OzekiConnector implements Connector {
  private readonly tracker: SnapshotTracker;
  private readonly aborts = new Set<AbortController>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private polling = false;
  private again = false;
  private granted = false;
  private finished = false;
  private lastKeepAlive = 0;

  constructor(
    private readonly options: OzekiOptions,
    private readonly events: ConnectorEvents,
  ) {
    this.tracker = new SnapshotTracker({
      extension: options.extension,
      apiExtension: options.apiExtension,
      follows: options.follows,
    });
  }

  open(): void {
    this.events.status({ state: 'CONNECTING' });
    this.schedule(0);
  }

  close(): void {
    this.finished = true;
    clearTimeout(this.timer);
    for (const controller of this.aborts) controller.abort();
  }

  async createCall(number: string): Promise<ActionResult> {
    if (!this.granted) return notConnected();
    const { apiExtension, ozmlUrl, extension } = this.options;
    if (!apiExtension || !ozmlUrl) {
      return failure(
        'unsupported',
        'click-to-dial needs an API extension and an OzML address: set them in the PopLine options',
      );
    }
    const dial = dialString(number);
    if (!dial) return failure('invalid', 'not a phone number');
    const result = await this.command('Call', {
      Dialed: extension,
      ApiExtension: apiExtension,
      Url: ozmlUrlFor(ozmlUrl, dial),
      // The agent's phone shows whom it is about to call; the leg is recognised by it too.
      CallerDisplayName: dial,
    });
    if (result.ok) this.tracker.noteDial(number.trim(), Date.now());
    return result;
  }

  async sessionAction(sessionId: string, action: SessionAction, target?: string): Promise<ActionResult> {
    if (!this.granted) return notConnected();
    const command = ACTIONS[action];
    if (!command) {
      return failure('unsupported', 'the Ozeki HTTP API cannot answer a call for the agent');
    }
    const params: Record<string, string> = { CallId: this.tracker.legFor(sessionId) };
    if (command === 'BlindTransfer') {
      const number = dialString(target ?? '');
      if (!number) return failure('invalid', 'a target number is required');
      params.Target = number;
      params.TransferorParty = this.tracker.partyOf(sessionId);
    }
    return this.command(command, params);
  }

  async getCallHistory(
    pageNumber: number,
    pageRows: number,
    filter?: { general?: string; from?: string; to?: string },
  ): Promise<HistoryPage> {
    const params: Record<string, string> = {
      PageNumber: String(Math.max(0, Math.trunc(pageNumber))),
      RowsPerPage: String(Math.min(1000, Math.max(1, Math.trunc(pageRows)))),
    };
    if (filter?.general) params.General = filter.general;
    const from = filter?.from ? Date.parse(filter.from) : Number.NaN;
    if (Number.isFinite(from)) params.From = localTime(from);
    const outcome = await this.request('GetCallHistory', params);
    if (outcome.kind === 'failed') throw new Error(outcome.detail);
    if (!outcome.answer.ok) throw new Error(outcome.answer.detail);
    const { total, calls } = parseCallHistory(outcome.answer.root);
    // The HTTP API has no "until" filter: that bound is applied here.
    const to = filter?.to ? Date.parse(filter.to) : Number.NaN;
    const kept = Number.isFinite(to)
      ? calls.filter((call) => call.startTime === undefined || call.startTime <= to)
      : calls;
    return { total, entries: kept.map(toHistoryEntry) };
  }

  private async command(command: string, params: Record<string, string>): Promise<ActionResult> {
    const outcome = await this.request(command, params);
    this.pollSoon();
    if (outcome.kind === 'failed') return failure(outcome.code, outcome.detail);
    const { answer } = outcome;
    if (answer.ok) return { ok: true };
    return failure(answer.code ? resultCode(answer.code) : 'failed', answer.detail);
  }

  /** One HTTP API request, POST form-encoded, with the office user when there is one. */
  private async request(command: string, params: Record<string, string>): Promise<Outcome> {
    const { username, password, apiUrl } = this.options;
    const body = new URLSearchParams({ Command: command, ...params });
    if (username) {
      body.set('Username', username);
      body.set('Password', password);
    }
    const controller = new AbortController();
    const timeoutMs = this.options.requestTimeoutMs ?? 5000;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    this.aborts.add(controller);
    try {
      const fetchImpl = this.options.fetchImpl ?? fetch.bind(globalThis);
      const response = await fetchImpl(apiUrl, {
        method: 'POST',
        body,
        cache: 'no-store',
        credentials: 'omit',
        // A redirect must not carry the password elsewhere; it is reported instead.
        redirect: 'manual',
        signal: controller.signal,
      });
      return { kind: 'answer', answer: await readAnswer(response) };
    } catch (error) {
      if (timedOut) {
        return {
          kind: 'failed',
          code: 'timeout',
          detail: `the phone system did not answer within ${timeoutMs / 1000} s`,
        };
      }
      if (error instanceof HttpProblem) return { kind: 'failed', code: 'failed', detail: error.message };
      return {
        kind: 'failed',
        code: 'failed',
        detail: `the phone system at ${originOf(apiUrl)} cannot be reached (connection refused or no network)`,
      };
    } finally {
      clearTimeout(timer);
      this.aborts.delete(controller);
    }
  }

  private schedule(delay: number): void {
    clearTimeout(this.timer);
    if (this.finished) return;
    this.timer = setTimeout(() => void this.poll(), delay);
  }

  /** A command changed something: look again now rather than at the next tick. */
  private pollSoon(): void {
    if (this.finished) return;
    if (this.polling) this.again = true;
    else this.schedule(0);
  }

  private async poll(): Promise<void> {
    if (this.finished || this.polling) return;
    this.polling = true;
    this.again = false;
    const started = Date.now();
    this.keepAlive(started);
    const outcome = await this.request('ListActiveCalls', {});
    this.polling = false;
    if (this.finished) return;
    if (outcome.kind === 'failed') return this.finish(true, outcome.detail);
    if (!outcome.answer.ok) {
      const { code, detail } = outcome.answer;
      return this.finish(!(code && POLL_DENIED.has(code)), detail);
    }
    this.grant();
    const { calls } = parseActiveCalls(outcome.answer.root);
    for (const event of this.tracker.update(calls, Date.now())) this.events.call(event);
    const interval = this.tracker.hasRinging() ? this.options.pollRingingMs : this.options.pollIdleMs;
    this.schedule(this.again ? 0 : Math.max(0, started + interval - Date.now()));
  }

  private grant(): void {
    if (this.granted) return;
    this.granted = true;
    const { username, apiExtension, ozmlUrl } = this.options;
    this.events.status({
      state: 'ACCESS_GRANTED',
      permissions: { dial: !!apiExtension && !!ozmlUrl, control: true, history: true, monitorAll: true },
      ...(username ? { userName: username } : {}),
    });
  }

  private keepAlive(now: number): void {
    if (now - this.lastKeepAlive < KEEP_ALIVE_MS) return;
    this.lastKeepAlive = now;
    this.options.keepAlive?.();
  }

  private finish(retry: boolean, detail: string): void {
    if (this.finished) return;
    this.close();
    this.events.closed({ retry, detail });
  }
}

/** An HTTP-level answer that is not the API's (a redirect, an error status, an oversize body). */
class HttpProblem extends Error {}

const originOf = (url: string) => {
  try {
    return new URL(url).host;
  } catch {
    return url.slice(0, 80);
  }
};

async function readAnswer(response: Response): Promise<Answer> {
  if (response.type === 'opaqueredirect' || (response.status >= 300 && response.status < 400)) {
    throw new HttpProblem('the API address redirects elsewhere: enter the address of the HTTP API itself');
  }
  if (!response.ok) {
    const reason = response.status === 404 ? 'not found' : response.statusText || 'error';
    throw new HttpProblem(
      `the phone system answered HTTP ${response.status} (${reason}): check the API address (XE: http://PBX:7780/, Ozeki 10: http://PBX:9509/api)`,
    );
  }
  const length = Number(response.headers.get('content-length') ?? 0);
  if (length > MAX_ANSWER_CHARS) throw new HttpProblem('the answer is too large');
  const text = await response.text();
  if (text.length > MAX_ANSWER_CHARS) throw new HttpProblem('the answer is too large');
  return parseAnswer(text, response.headers.get('content-type') ?? '');
}

/** `yyyy-MM-dd HH:mm:ss` in this computer's time, as the HTTP API's `From` filter takes it. */
function localTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}
