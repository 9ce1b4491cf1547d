/**
 * The demo CRM's login and JSON API (docs/crm.md). Loading a CRM page logs the agent in (a
 * session cookie, as a real CRM would after its login page); `GET /crm/api/contacts?phone=…`
 * answers for that session or for the demo API key, and finds the contacts with a number whose
 * digits are exactly those asked for (like many CRMs, it does not normalise numbers: the caller
 * lookup has to try the formats). The control API can make it slow, fail, or answer anything.
 */

import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { contacts } from './crm/contacts.js';
import { CrmActivities } from './crmActivities';

/** What a background lookup sends in its `Authorization` header. */
export const DEMO_CRM_KEY = 'Bearer popline-demo-crm-key';

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
  /** The call activities API (docs/crm.md, call logging), with this API's login. */
  readonly activities = new CrmActivities();
  /** The agent's session: a new one at each login; `null` while logged out. */
  private session: string | null = `agent-1001-${randomBytes(6).toString('hex')}`;
  /** The CSRF token of the current session (the contact pages put it in a meta tag). */
  private csrf = randomBytes(12).toString('hex');
  /** Every authorised search, in order. */
  searches: CrmSearch[] = [];
  /** Every contact page loaded (`/crm/contacts/…` with its query), in order. */
  pageViews: string[] = [];

  /**
   * Headers for a CRM page: loading one logs the agent in (as a real CRM would after its login
   * page), unless the agent was logged out; then only `/crm/login` logs in again.
   */
  pageHeaders(url: URL): Record<string, string> {
    if (url.pathname.startsWith('/crm/contacts/')) this.pageViews.push(url.pathname + url.search);
    if (url.pathname === '/crm/login' && !this.session) this.logIn();
    return this.session ? { 'set-cookie': `crm_session=${this.session}; Path=/crm; HttpOnly; SameSite=Lax` } : {};
  }

  logIn(): void {
    this.session = `agent-1001-${randomBytes(6).toString('hex')}`;
    this.csrf = randomBytes(12).toString('hex');
  }

  /** Ends the session: its cookie and CSRF token no longer count, pages stop logging in. */
  logOut(): void {
    this.session = null;
  }

  private authOf(request: IncomingMessage): CrmSearch['auth'] | null {
    if (request.headers.authorization === DEMO_CRM_KEY) return 'key';
    const cookies = (request.headers.cookie ?? '').split(/;\s*/);
    return this.session && cookies.includes(`crm_session=${this.session}`) ? 'session' : null;
  }

  async handle(request: IncomingMessage, url: URL, response: ServerResponse): Promise<void> {
    const json = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
      response.end(JSON.stringify(body));
    };
    const auth = this.authOf(request);
    if (url.pathname === '/crm/api/session') {
      if (!auth) return json(401, { error: 'log in to the CRM first' });
      response.writeHead(200, {
        'content-type': 'application/json; charset=utf-8',
        'cache-control': 'no-store',
        'x-csrf-token': this.csrf,
        'set-cookie': `crm_csrf=${this.csrf}; Path=/crm; SameSite=Strict`,
      });
      return void response.end(JSON.stringify({ user: 'agent-1001', csrf: this.csrf }));
    }
    if (url.pathname.startsWith('/crm/api/activities')) {
      // A write from the agent's session must carry the session's CSRF token (a key needs none).
      const csrfOk = auth === 'key' || request.headers['x-csrf-token'] === this.csrf;
      return this.activities.handle(request, url, response, auth, csrfOk);
    }
    if (url.pathname !== '/crm/api/contacts') return json(404, { error: 'not found' });
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
    if (method === 'POST' && body.logout === true) this.logOut();
    if (method === 'POST' && body.login === true) this.logIn();
    if (method === 'POST' && body.activities !== undefined) this.activities.control(body.activities);
    if (method === 'POST' && (body.logout !== undefined || body.login !== undefined || body.activities !== undefined)) {
      const { logout: _o, login: _i, activities: _a, ...rest } = body;
      body = rest;
      if (!Object.keys(rest).length) return [200, this.state()];
    }
    if (method === 'POST') {
      this.behaviour = body.reset === true ? {} : { ...this.behaviour, ...(body as CrmApiBehaviour) };
      if (body.reset === true) {
        this.searches = [];
        this.pageViews = [];
        this.activities.reset();
        if (!this.session) this.logIn();
      }
    }
    return [200, this.state()];
  }

  private state() {
    return {
      behaviour: this.behaviour,
      searches: this.searches,
      pageViews: this.pageViews,
      loggedIn: this.session !== null,
      activities: this.activities.report(),
    };
  }
}
