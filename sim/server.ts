/**
 * The simulator's one HTTP server on 127.0.0.1: the bridge (bridge/src/server) with the simulator
 * source, so the CTI WebSocket at /cti is the bridge's own; the demo CRM at /crm/; and a JSON
 * control API at /control/ that the CLI and the tests drive.
 */

import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type StaticToken, TokenAuthority } from '../bridge/src/auth/tokens';
import { Bridge } from '../bridge/src/server/bridge';
import type { CtiHub, HubOptions } from '../bridge/src/server/hub';
import { DEFAULT_HUB_LIMITS } from '../bridge/src/server/limits';
import { SimulatorSource, type SimulatorSourceOptions } from '../bridge/src/sources/simulator';
import { CrmApi } from './crmApi';
import { controlOzeki, OzekiHttpServer, type OzekiSimOptions } from './ozeki';
import { Pbx, type SimState, VOCABULARIES, type Vocabulary } from './pbx';
import { runScenario, type Scenario, validateScenario } from './scenario';
import { controlTeam, DEFAULT_DIRECTORY } from './team';
import { Traffic } from './traffic';

export const DEFAULT_TOKEN = 'popline-demo';

export type TokenInfo = StaticToken;

/** The simulator's CTI settings; the control API and the tests change them while it runs. */
export interface CtiOptions extends HubOptions, SimulatorSourceOptions {
  /** Tokens by value, consulted on every handshake (tests add and remove some). */
  tokens: Record<string, TokenInfo>;
}

export const defaultCtiOptions = (): CtiOptions => ({
  tokens: {
    [DEFAULT_TOKEN]: {
      userName: 'agent',
      fullName: 'Demo Agent',
      permissions: { dial: true, control: true, history: true, monitorAll: true },
    },
  },
  vocabulary: 'dotnet',
  heartbeat: 20,
  handshakeTimeoutMs: 10_000,
  dialAgentMs: 800,
  dialCustomerMs: 2500,
  limits: { ...DEFAULT_HUB_LIMITS },
  // Presence and chat between the simulated agents and colleagues; accept answers a ringing call.
  team: { directory: DEFAULT_DIRECTORY },
  accept: true,
});

export interface SimulatorOptions extends Partial<CtiOptions> {
  port?: number;
  host?: string;
  agent?: string;
  /** Also serve the Ozeki HTTP API on its own port (0: a free one). */
  ozeki?: OzekiSimOptions;
}

export interface Simulator {
  port: number;
  origin: string;
  ctiUrl: string;
  crmUrl: string;
  pbx: Pbx;
  /** The bridge's CTI hub (bridge/src/server/hub.ts), with the simulator's test hooks. */
  cti: CtiHub<CtiOptions>;
  bridge: Bridge<CtiOptions>;
  traffic: Traffic;
  /** The demo CRM's login, contact search API and page log (docs/crm.md). */
  crm: CrmApi;
  /** The Ozeki HTTP API mode, when started with `ozeki`. */
  ozeki?: OzekiHttpServer;
  scenario(scenario: Scenario | string): Promise<Record<string, string>>;
  close(): Promise<void>;
}

const here = dirname(fileURLToPath(import.meta.url));
/** Works from the sources (sim/) and from the build (dist/sim/). */
const simDir = [here, join(here, '../../sim')].find((dir) => existsSync(join(dir, 'crm/index.html'))) ?? here;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
};

export async function loadScenario(name: string): Promise<Scenario> {
  const file = name.endsWith('.json') ? name : join(simDir, 'scenarios', `${name.replace(/[^\w-]/g, '')}.json`);
  return validateScenario(JSON.parse(await readFile(file, 'utf8')));
}

async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  let body = '';
  for await (const chunk of request) {
    body += chunk;
    if (body.length > 4 * 1024 * 1024) throw new Error('body too large');
  }
  if (!body) return {};
  const value = JSON.parse(body);
  if (typeof value !== 'object' || value === null) throw new Error('expected a JSON object');
  return value;
}

function reply(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  response.end(JSON.stringify(body));
}

const SESSION_ACTIONS: Record<string, SimState | 'transfer'> = {
  answer: 'incall',
  hold: 'hold',
  unhold: 'incall',
  hangup: 'hungup',
  miss: 'cancelled',
  noanswer: 'noanswer',
  busy: 'busy',
  reject: 'rejected',
  fail: 'error',
  transfer: 'transfer',
};

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const { port = 8765, host = '127.0.0.1', agent = '1001', ozeki: ozekiOptions, ...ctiOverrides } = options;
  const pbx = new Pbx();
  const ozeki = ozekiOptions
    ? await new OzekiHttpServer(pbx, ozekiOptions).listen(ozekiOptions.port ?? 0, ozekiOptions.host ?? host)
    : undefined;
  const ctiOptions: CtiOptions = { ...defaultCtiOptions(), ...ctiOverrides };
  const bridge = new Bridge<CtiOptions>({
    hubOptions: ctiOptions,
    // Static tokens only (the record is read live); a fresh secret, since nothing here is signed to keep.
    auth: new TokenAuthority({ secret: randomBytes(32).toString('base64url'), staticTokens: ctiOptions.tokens }),
    sources: [new SimulatorSource(pbx, ctiOptions, 'simulator')],
    historyCalls: 10_000,
    webhookBodyBytes: 65_536,
  });
  await bridge.start();
  const cti = bridge.hub;
  const traffic = new Traffic(pbx);
  const crm = new CrmApi();
  const scenario = async (input: Scenario | string) =>
    runScenario(pbx, typeof input === 'string' ? await loadScenario(input) : validateScenario(input), {
      agent,
      hooks: {
        drop: () => cti.dropAll(),
        availability: (ext, setting) => cti.team?.set(ext, setting),
        message: (from, to, content) => cti.team?.say(from, to, content),
      },
    });

  async function control(path: string, request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = request.method === 'POST' ? await readJson(request) : {};
    const text = (key: string) => (typeof body[key] === 'string' ? (body[key] as string) : undefined);
    const [, resource, id, action] = path.split('/');
    if (resource === 'state') {
      return reply(response, 200, {
        seq: pbx.seq,
        calls: pbx.active(),
        clients: cti.grantedCount,
        traffic: traffic.count,
      });
    }
    if (resource === 'call') {
      const from = text('from');
      if (!from) return reply(response, 400, { error: 'from is required' });
      const call = pbx.ring({
        from,
        to: text('to') ?? agent,
        ...(text('name') !== undefined ? { name: text('name') as string } : {}),
        ...(text('id') ? { id: text('id') as string } : {}),
      });
      return reply(response, 200, { sessionId: call.sessionId });
    }
    if (resource === 'sessions' && id && action) {
      const step = SESSION_ACTIONS[action];
      if (!step) return reply(response, 400, { error: `unknown action ${action}` });
      if (!pbx.calls.has(id)) return reply(response, 404, { error: `no active call ${id}` });
      if (step === 'transfer') {
        const to = text('to');
        if (!to) return reply(response, 400, { error: 'to is required' });
        return reply(response, 200, { sessionId: pbx.transfer(id, to).sessionId });
      }
      pbx.setState(id, step, { announce: body.silent !== true });
      return reply(response, 200, { ok: true });
    }
    if (resource === 'scenario') {
      const run = scenario(body.steps ? (body as unknown as Scenario) : (text('name') ?? 'demo'));
      if (body.wait === true) return reply(response, 200, { ids: await run });
      run.catch((error) => console.error(`scenario failed: ${error.message}`));
      return reply(response, 202, { started: true });
    }
    if (resource === 'traffic') {
      if (request.method === 'DELETE' || body.calls === 0) traffic.stop();
      else traffic.start({ calls: Number(body.calls) || 10, ...(body.holdMs ? { holdMs: Number(body.holdMs) } : {}) });
      return reply(response, 200, { active: traffic.count });
    }
    if (resource === 'ozeki') {
      const [status, answer] = controlOzeki(ozeki, id, request.method ?? 'GET', body);
      return reply(response, status, answer);
    }
    if (resource === 'team') {
      const [status, answer] = await controlTeam(cti.team, request.method ?? 'GET', id, action, body);
      return reply(response, status, answer);
    }
    if (resource === 'crm') {
      const [status, answer] = crm.control(request.method ?? 'GET', body);
      return reply(response, status, answer);
    }
    if (resource === 'drop') return reply(response, 200, { dropped: cti.dropAll() });
    if (resource === 'raw') return reply(response, 200, { sent: cti.sendRaw(text('frame') ?? '') });
    if (resource === 'freeze') {
      cti.freeze(Number(body.ms) || 30_000);
      return reply(response, 200, { ok: true });
    }
    if (resource === 'tokens') {
      const token = text('token');
      if (!token) return reply(response, 400, { error: 'token is required' });
      if (body.info === null) delete cti.options.tokens[token];
      else cti.options.tokens[token] = (body.info ?? {}) as TokenInfo;
      return reply(response, 200, { ok: true });
    }
    if (resource === 'options') {
      if (VOCABULARIES.includes(body.vocabulary as Vocabulary)) cti.options.vocabulary = body.vocabulary as Vocabulary;
      for (const key of ['heartbeat', 'dialAgentMs', 'dialCustomerMs', 'handshakeTimeoutMs'] as const) {
        if (typeof body[key] === 'number') cti.options[key] = body[key] as number;
      }
      return reply(response, 200, { ok: true });
    }
    reply(response, 404, { error: 'unknown control path' });
  }

  async function serveCrm(path: string, response: ServerResponse, headers: Record<string, string>): Promise<void> {
    const relative = normalize(path.replace(/^\/crm\/?/, '')).replace(/^(\.\.[/\\])+/, '');
    const file = join(simDir, 'crm', relative);
    const isAsset = extname(relative) !== '' && existsSync(file);
    const target = isAsset ? file : join(simDir, 'crm', 'index.html');
    const content = await readFile(target);
    response.writeHead(200, {
      'content-type': TYPES[extname(target)] ?? 'application/octet-stream',
      'cache-control': 'no-store',
      ...(isAsset ? {} : headers),
    });
    response.end(content);
  }

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (bridge.handleRequest(request, response)) return;
    const handle = async () => {
      if (url.pathname.startsWith('/control/'))
        return control(url.pathname.slice('/control'.length), request, response);
      if (url.pathname === '/' || url.pathname === '/crm') {
        response.writeHead(302, { location: '/crm/' });
        return response.end();
      }
      if (url.pathname.startsWith('/crm/api/')) return crm.handle(request, url, response);
      if (url.pathname.startsWith('/crm/')) return serveCrm(url.pathname, response, crm.pageHeaders(url));
      reply(response, 404, { error: 'not found' });
    };
    handle().catch((error) => reply(response, 400, { error: (error as Error).message }));
  });
  server.on('upgrade', (request, socket, head) => {
    if (!bridge.handleUpgrade(request, socket, head)) socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const actualPort = (server.address() as AddressInfo).port;
  const origin = `http://${host}:${actualPort}`;
  return {
    port: actualPort,
    origin,
    ctiUrl: `ws://${host}:${actualPort}/cti`,
    crmUrl: `${origin}/crm/`,
    pbx,
    cti,
    bridge,
    traffic,
    crm,
    ...(ozeki ? { ozeki } : {}),
    scenario,
    close: () =>
      new Promise<void>((resolve) => {
        traffic.stop();
        void bridge.router.stop();
        bridge.close();
        void ozeki?.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
