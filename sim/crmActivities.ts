/**
 * The demo CRM's call activities (docs/crm.md, call logging): what PopLine's log templates write
 * to. `POST /crm/api/activities` creates one (an `Idempotency-Key` seen before answers with the
 * activity it made then, as Stripe-style APIs do), `PATCH /crm/api/activities/<id>` updates it,
 * `GET /crm/api/activities?contact=…|key=…` lists them; the contact page shows them. Writes from
 * the agent's session need the session's CSRF token. The control API can make it fail, answer
 * late, or answer anything, to test what PopLine does then.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface Activity {
  id: string;
  key?: string;
  contactId: string;
  fields: Record<string, unknown>;
  createdAt: number;
  updatedAt: number;
  updates: number;
}

export interface ActivityBehaviour {
  /** Answer the next requests with these statuses, one each, without acting (e.g. [500]). */
  statuses?: number[];
  /** Create, then answer this late (ms): a worker stopped meanwhile never sees the answer. */
  delayMs?: number;
  /** Create, then answer with this JSON instead. */
  body?: unknown;
  /** Create, then answer with valid JSON of about this many bytes, without a length. */
  hugeBytes?: number;
}

export interface ActivityRequest {
  method: string;
  path: string;
  auth: 'session' | 'key' | null;
  key?: string;
  /** The Host header: which of the server's names (127.0.0.1, localhost) was asked. */
  host: string;
  status: number;
}

const MAX_BODY = 64 * 1024;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function readBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new Error('too large');
    chunks.push(chunk as Buffer);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null');
}

export class CrmActivities {
  list: Activity[] = [];
  behaviour: ActivityBehaviour = {};
  requests: ActivityRequest[] = [];
  private next = 1;

  reset(): void {
    this.list = [];
    this.behaviour = {};
    this.requests = [];
  }

  /** Changes the behaviour; `{ clear: true }` undoes it. */
  control(body: unknown): void {
    if (!body || typeof body !== 'object') return;
    const { clear, ...rest } = body as ActivityBehaviour & { clear?: boolean };
    this.behaviour = clear ? {} : { ...this.behaviour, ...rest };
  }

  report() {
    return { list: this.list, behaviour: this.behaviour, requests: this.requests };
  }

  forContact(contactId: string): Activity[] {
    return this.list.filter((activity) => activity.contactId === contactId);
  }

  async handle(
    request: IncomingMessage,
    url: URL,
    response: ServerResponse,
    auth: 'session' | 'key' | null,
    csrfOk: boolean,
  ): Promise<void> {
    const method = request.method ?? 'GET';
    const key = typeof request.headers['idempotency-key'] === 'string' ? request.headers['idempotency-key'] : undefined;
    const host = request.headers.host ?? '';
    const record = { method, path: url.pathname + url.search, auth, ...(key ? { key } : {}), host, status: 0 };
    this.requests.push(record);
    const json = (status: number, body: unknown) => {
      record.status = status;
      response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
      response.end(JSON.stringify(body));
    };
    if (!auth) return json(401, { error: 'log in to the CRM first' });
    if (method === 'GET') {
      const contact = url.searchParams.get('contact');
      const wanted = url.searchParams.get('key');
      const found = this.list.filter(
        (a) => (contact === null || a.contactId === contact) && (wanted === null || a.key === wanted),
      );
      return json(200, { activities: found.map(view) });
    }
    if (!csrfOk) return json(403, { error: 'CSRF token missing or wrong' });
    const status = this.behaviour.statuses?.shift();
    if (status) return json(status, { error: `status ${status} (simulated)` });
    let body: unknown;
    try {
      body = await readBody(request);
    } catch {
      return json(400, { error: 'the body is not JSON' });
    }
    if (!body || typeof body !== 'object' || Array.isArray(body)) return json(400, { error: 'expected a JSON object' });
    const fields = body as Record<string, unknown>;
    const match = /^\/crm\/api\/activities\/([\w-]+)$/.exec(url.pathname);
    if (method === 'PATCH' && match) {
      const activity = this.list.find((a) => a.id === match[1]);
      if (!activity) return json(404, { error: 'no such activity' });
      activity.fields = { ...activity.fields, ...fields };
      activity.updatedAt = Date.now();
      activity.updates += 1;
      return json(200, { activity: view(activity) });
    }
    if (method !== 'POST' || url.pathname !== '/crm/api/activities') return json(404, { error: 'not found' });
    const replay = key ? this.list.find((a) => a.key === key) : undefined;
    if (replay) return json(200, { activity: view(replay), replayed: true });
    const contactId = typeof fields.contactId === 'string' ? fields.contactId : '';
    if (!contactId) return json(422, { error: 'contactId is required: which contact was this call with?' });
    const now = Date.now();
    const activity: Activity = {
      id: `a-${this.next++}`,
      ...(key ? { key } : {}),
      contactId,
      fields,
      createdAt: now,
      updatedAt: now,
      updates: 0,
    };
    this.list.push(activity);
    const { delayMs, body: answer, hugeBytes } = this.behaviour;
    if (delayMs) await sleep(delayMs);
    if (hugeBytes) {
      record.status = 201;
      response.writeHead(201, { 'content-type': 'application/json; charset=utf-8' });
      const chunk = `"${'x'.repeat(1000)}",`;
      response.write('{"activity":{"id":"a-huge","junk":[');
      for (let written = 0; written < hugeBytes; written += chunk.length) response.write(chunk);
      return void response.end('"x"]}}');
    }
    if (answer !== undefined) return json(201, answer);
    json(201, { activity: view(activity) });
  }
}

/** An activity as the API answers it. */
const view = (activity: Activity) => ({
  ...activity.fields,
  id: activity.id,
  contactId: activity.contactId,
  createdAt: new Date(activity.createdAt).toISOString(),
  updates: activity.updates,
});
