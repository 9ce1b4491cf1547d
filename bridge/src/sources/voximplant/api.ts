/**
 * Voximplant's HTTP API through its own Node client (@voximplant/apiclient-nodejs): StartScenarios for
 * click-to-dial and GetCallHistory for history. The service account key stays in the bridge: it is read
 * from a file named in the configuration and only ever used to sign the client's JWTs.
 *
 * Where the client needs care (docs/voximplant.md, "The API client"):
 *   - its constructor reads the key file asynchronously and throws from the callback when it cannot,
 *     which would end the process: the file is checked (readable, JSON, the three fields) before the
 *     client is made, and the client is used only after its onReady;
 *   - it reads the VOXIMPLANT_CREDENTIALS variable before the path it is given: that variable is
 *     refused at start, so one bridge cannot silently use another account's key;
 *   - it sets no timeout (axios 0.21.4): every call here races its own deadline.
 */
import { readFileSync } from 'node:fs';
import ClientModule from '@voximplant/apiclient-nodejs';

/** The client is CommonJS with `exports.default`: under Node's ESM (the bundle) the class is `.default`. */
const VoximplantApiClient = ((ClientModule as unknown as { default?: typeof ClientModule }).default ??
  ClientModule) as typeof ClientModule;

export interface ApiSettings {
  keyFile: string;
  ruleId: number;
  /** host[:port] of the API; default api.voximplant.com. */
  host?: string;
  accountId?: number;
  /** The caller ID shown to customers on click-to-dial (a number rented in or verified with Voximplant). */
  callerId?: string;
  history?: boolean;
  timeoutMs?: number;
}

/** The problems of a service account key file (empty: usable). Never repeats the key. */
export function checkKeyFile(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return [`api.keyFile: cannot read ${JSON.stringify(path)} (${(error as NodeJS.ErrnoException).code ?? 'error'})`];
  }
  let key: Record<string, unknown>;
  try {
    key = JSON.parse(text);
  } catch {
    return [
      `api.keyFile: ${JSON.stringify(path)} is not JSON (download the service account key from the control panel)`,
    ];
  }
  const missing = ['account_id', 'key_id', 'private_key'].filter((field) => !key?.[field]);
  return missing.length ? [`api.keyFile: ${JSON.stringify(path)} lacks ${missing.join(', ')}`] : [];
}

export interface CallSessionEntry {
  id: number;
  startTime: string;
  duration: number;
  incoming: boolean;
  remote: string;
  local: string;
  successful: boolean;
  finishReason?: string;
  recordUrl?: string;
}

/** A Date, or the API's "YYYY-MM-DD HH:mm:ss" (UTC) as the client passes it on; null if neither. */
function apiDate(value: unknown): Date | null {
  const date =
    value instanceof Date
      ? value
      : typeof value === 'string'
        ? new Date(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/.test(value) ? `${value.replace(' ', 'T')}Z` : value)
        : null;
  return date && !Number.isNaN(date.getTime()) ? date : null;
}

type Client = InstanceType<typeof VoximplantApiClient>;

export class VoximplantApi {
  private client: Promise<Client> | undefined;
  private readonly timeoutMs: number;

  constructor(private readonly settings: ApiSettings) {
    this.timeoutMs = settings.timeoutMs ?? 10_000;
  }

  private ready(): Promise<Client> {
    this.client ??= new Promise<Client>((resolve, reject) => {
      if (process.env.VOXIMPLANT_CREDENTIALS) {
        reject(new Error('VOXIMPLANT_CREDENTIALS is set: unset it, the key file is api.keyFile'));
        return;
      }
      const problems = checkKeyFile(this.settings.keyFile);
      if (problems.length) {
        reject(new Error(problems.join('; ')));
        return;
      }
      const client = new VoximplantApiClient({
        pathToCredentials: this.settings.keyFile,
        ...(this.settings.host ? { host: this.settings.host } : {}),
        ...(this.settings.accountId ? { accountId: this.settings.accountId } : {}),
      });
      client.onReady = () => resolve(client);
    });
    this.client.catch(() => {
      this.client = undefined; // Try again next time (the file may be fixed).
    });
    return this.client;
  }

  private async call<T>(what: string, run: (client: Client) => Promise<T>): Promise<T> {
    const client = await this.ready();
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      return await Promise.race([
        run(client),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`Voximplant's ${what} did not answer within ${this.timeoutMs} ms`)),
            this.timeoutMs,
          );
        }),
      ]);
    } catch (error) {
      const response = (error as { response?: { status?: number } }).response;
      if (response?.status) throw new Error(`Voximplant's ${what} answered HTTP ${response.status}`);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Starts the rule's scenario with custom data; resolves with the new session's id. */
  async startScenario(customData: string): Promise<number> {
    const answer = (await this.call('StartScenarios', (c) =>
      c.Scenarios.startScenarios({ ruleId: this.settings.ruleId, scriptCustomData: customData }),
    )) as unknown as Record<string, unknown>;
    const error = answer.error as { msg?: string; code?: number } | undefined;
    if (error)
      throw new Error(
        `Voximplant refused StartScenarios: ${String(error.msg ?? 'error').slice(0, 200)} (${error.code ?? '?'})`,
      );
    const id = answer.callSessionHistoryId;
    if (answer.result !== 1 || typeof id !== 'number')
      throw new Error('Voximplant answered StartScenarios without a session');
    return id;
  }

  /** Call sessions from GetCallHistory, newest first. */
  async callHistory(o: {
    from: Date;
    to: Date;
    count: number;
  }): Promise<{ total: number; entries: CallSessionEntry[] }> {
    const answer = (await this.call('GetCallHistory', (c) =>
      c.History.getCallHistory({
        fromDate: o.from,
        toDate: o.to,
        withCalls: true,
        withRecords: true,
        descOrder: true,
        withTotalCount: true,
        count: Math.min(1000, Math.max(1, o.count)),
        offset: 0,
      }),
    )) as unknown as Record<string, unknown>;
    const error = answer.error as { msg?: string } | undefined;
    if (error) throw new Error(`Voximplant refused GetCallHistory: ${String(error.msg ?? 'error').slice(0, 200)}`);
    const sessions = Array.isArray(answer.result) ? (answer.result as Record<string, unknown>[]) : [];
    // The client renames only the top level: the calls inside stay snake_case, and dates stay the
    // API's "YYYY-MM-DD HH:mm:ss" in UTC. Both spellings are read, in case a later client maps deeper.
    const field = (o: Record<string, unknown>, camel: string, snake: string) => o[camel] ?? o[snake];
    const entries = sessions.flatMap((s): CallSessionEntry[] => {
      const calls = Array.isArray(s.calls) ? (s.calls as Record<string, unknown>[]) : [];
      const first = calls[0];
      const start = apiDate(field(s, 'startDate', 'start_date'));
      const id = field(s, 'callSessionHistoryId', 'call_session_history_id');
      if (typeof id !== 'number' || !first || !start) return [];
      const finish = field(s, 'finishReason', 'finish_reason');
      const record = field(first, 'recordUrl', 'record_url');
      return [
        {
          id,
          startTime: start.toISOString(),
          duration: typeof s.duration === 'number' ? s.duration : 0,
          incoming: first.incoming === true,
          remote: String(field(first, 'remoteNumber', 'remote_number') ?? ''),
          local: String(field(first, 'localNumber', 'local_number') ?? ''),
          successful: calls.some((call) => call.successful === true),
          ...(typeof finish === 'string' ? { finishReason: finish } : {}),
          ...(typeof record === 'string' ? { recordUrl: record } : {}),
        },
      ];
    });
    return { total: typeof answer.totalCount === 'number' ? answer.totalCount : entries.length, entries };
  }
}
