/**
 * The demo CRM's login and JSON API (docs/crm.md). Loading a CRM page logs the agent in (a
 * session cookie, as a real CRM would after its login page); `GET /crm/api/contacts?phone=…`
 * answers for that session or for the demo API key, and finds the contacts with a number whose
 * digits are exactly those asked for (like many CRMs, it does not normalise numbers: the caller
 * lookup has to try the formats). The control API can make it slow, fail, or answer anything.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { contacts } from './crm/contacts.js';

/** What a background lookup sends in its `Authorization` header. */
export const DEMO_CRM_KEY = 'Bearer popline-demo-crm-key';
const SESSION = 'crm_session=agent-1001';

export interface CrmApiBehaviour {
  /** Answer this late (ms). */
  delayMs?: number;
  /** Answer with this HTTP status (and an error body). */
  status?: number;
  /** Answer every search with this JSON, whatever was asked. */
  body?: unknown;
  /** Answer with valid JSON of about this many bytes, streamed without a length. */
  hugeBytes?: number;
}

export interface CrmSearch {
  phone: string;
  auth: 'session' | 'key';
}

const digits = (text: string) => text.replace(/\s*(?:x|ext\.?)\s*\d+$/i, '').replace(/\D/g, '');

export function searchContacts(phone: string) {
  const wanted = digits(phone);
  if (wanted.length < 6) return [];
  return contacts
    .filter((contact) => contact.phones.some((entry) => digits(entry.number) === wanted))
    .map((contact) => ({
      id: contact.id,
      name: contact.name,
      company: contact.company,
      title: contact.title,
      url: `/crm/contacts/${contact.id}`,
      note: contact.note,
    }));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class CrmApi {
  behaviour: CrmApiBehaviour = {};
  /** Every authorised search, in order. */
  searches: CrmSearch[] = [];
  /** Every contact page loaded (`/crm/contacts/…` with its query), in order. */
  pageViews: string[] = [];

  /** Headers for a CRM page: loading one logs the agent in. */
  pageHeaders(url: URL): Record<string, string> {
    if (url.pathname.startsWith('/crm/contacts/')) this.pageViews.push(url.pathname + url.search);
    return { 'set-cookie': `${SESSION}; Path=/crm; HttpOnly; SameSite=Lax` };
  }

  private authOf(request: IncomingMessage): CrmSearch['auth'] | null {
    if (request.headers.authorization === DEMO_CRM_KEY) return 'key';
    const cookies = (request.headers.cookie ?? '').split(/;\s*/);
    return cookies.includes(SESSION) ? 'session' : null;
  }

  async handle(request: IncomingMessage, url: URL, response: ServerResponse): Promise<void> {
    const json = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
      response.end(JSON.stringify(body));
    };
    if (url.pathname !== '/crm/api/contacts') return json(404, { error: 'not found' });
    const auth = this.authOf(request);
    if (!auth) return json(401, { error: 'log in to the CRM first' });
    const phone = url.searchParams.get('phone') ?? '';
    this.searches.push({ phone, auth });
    const { delayMs, status, body, hugeBytes } = this.behaviour;
    if (delayMs) await sleep(delayMs);
    if (status) return json(status, { error: `status ${status} (simulated)` });
    if (hugeBytes) return this.streamHuge(response, hugeBytes);
    json(200, body !== undefined ? body : { contacts: searchContacts(phone) });
  }

  /** A valid JSON answer of `bytes` bytes in chunks, no content-length: only reading shows its size. */
  private streamHuge(response: ServerResponse, bytes: number): void {
    response.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
    const entry = JSON.stringify({ id: 'huge', name: 'Huge Answer', company: 'x'.repeat(200), url: '/crm/' });
    response.write('{"contacts":[');
    let written = 0;
    const chunk = `${entry},`.repeat(64);
    while (written < bytes) {
      response.write(chunk);
      written += chunk.length;
    }
    response.end(`${entry}]}`);
  }

  control(method: string, body: Record<string, unknown>): [number, unknown] {
    if (method === 'POST') {
      this.behaviour = body.reset === true ? {} : { ...this.behaviour, ...(body as CrmApiBehaviour) };
      if (body.reset === true) {
        this.searches = [];
        this.pageViews = [];
      }
    }
    return [200, { behaviour: this.behaviour, searches: this.searches, pageViews: this.pageViews }];
  }
}
