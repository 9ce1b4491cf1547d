/**
 * The simulator's command line.
 *   npm run sim                                  start the simulator (CTI, demo CRM, control API)
 *   npm run sim -- serve --port 8765 --vocabulary js --traffic 50 --scenario demo
 *   npm run sim -- call --from "+49 30 1234567" --name "Anna Schmidt" --to 1001
 *   npm run sim -- answer|hold|unhold|hangup|miss|busy|reject <sessionId>
 *   npm run sim -- scenario <name or file.json>
 *   npm run sim -- traffic <calls>
 *   npm run sim -- state
 *   npm run sim -- serve --ozeki xe|ozeki10 [--ozeki-port 7780] [--ozeki-user u --ozeki-password p]
 *                                                also serve the Ozeki HTTP API (docs/ozeki.md)
 *   npm run sim -- serve --directory colleagues.json   the team's directory (default: sim/team.ts)
 *   npm run sim -- availability 1002 dnd [--note "in a meeting"] [--for 30m-in-ms]
 *   npm run sim -- message --from 1002 --to 1001 "your customer is on line 2"
 */
import { parseArgs } from 'node:util';
import type { OzekiHttpServer, OzekiSimOptions } from './ozeki';
import { VOCABULARIES, type Vocabulary } from './pbx';
import { DEFAULT_TOKEN, defaultCtiOptions, loadScenario, startSimulator } from './server';
import { loadDirectory } from './team';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    port: { type: 'string', default: process.env.POPLINE_SIM_PORT ?? '8765' },
    host: { type: 'string', default: '127.0.0.1' },
    from: { type: 'string' },
    to: { type: 'string' },
    name: { type: 'string' },
    agent: { type: 'string', default: '1001' },
    vocabulary: { type: 'string', default: 'dotnet' },
    heartbeat: { type: 'string' },
    traffic: { type: 'string' },
    scenario: { type: 'string' },
    token: { type: 'string' },
    ozeki: { type: 'string' },
    'ozeki-port': { type: 'string', default: '7780' },
    'ozeki-user': { type: 'string' },
    'ozeki-password': { type: 'string' },
    directory: { type: 'string' },
    note: { type: 'string' },
    for: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});

const [command = 'serve', ...rest] = positionals;
const base = `http://${values.host}:${values.port}/control`;

async function post(path: string, body: unknown = {}): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  } catch {
    throw new Error(`no simulator answers on ${values.host}:${values.port}: start one with "npm run sim"`);
  }
  const answer = await response.json();
  if (!response.ok) throw new Error((answer as { error?: string }).error ?? `HTTP ${response.status}`);
  return answer;
}

async function serve(): Promise<void> {
  if (!VOCABULARIES.includes(values.vocabulary as Vocabulary)) {
    throw new Error(`--vocabulary must be one of ${VOCABULARIES.join(', ')}`);
  }
  const sim = await startSimulator({
    port: Number(values.port),
    host: values.host,
    agent: values.agent,
    vocabulary: values.vocabulary as Vocabulary,
    ...(values.heartbeat ? { heartbeat: Number(values.heartbeat) } : {}),
    ...(values.ozeki ? { ozeki: ozekiOptions(values.ozeki) } : {}),
    ...(values.directory
      ? { team: { ...defaultCtiOptions().team, directory: await loadDirectory(values.directory) } }
      : {}),
  });
  if (values.token)
    sim.cti.options.tokens[values.token] = { permissions: { dial: true, control: true, history: true } };
  console.log(`PopLine PBX simulator
  CTI server   ${sim.ctiUrl}   (token "${values.token ?? DEFAULT_TOKEN}", any extension)
  demo CRM     ${sim.crmUrl}
  control API  ${sim.origin}/control/
  team         ${sim.cti.team ? `${sim.cti.team.directory().length} directory page(s): ${sim.origin}/control/team` : 'off'}
${ozekiBanner(sim.ozeki)}Try: npm run sim -- call --from "+49 30 1234567" --name "Anna Schmidt" --to ${values.agent}`);
  if (values.traffic) sim.traffic.start({ calls: Number(values.traffic) });
  if (values.scenario) void sim.scenario(await loadScenario(values.scenario));
  const stop = () => void sim.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

function ozekiOptions(shape: string): OzekiSimOptions {
  if (shape !== 'xe' && shape !== 'ozeki10') throw new Error('--ozeki must be xe or ozeki10');
  const username = values['ozeki-user'];
  const password = values['ozeki-password'] ?? '';
  return { shape, port: Number(values['ozeki-port']), ...(username ? { auth: { username, password } } : {}) };
}

function ozekiBanner(ozeki: OzekiHttpServer | undefined): string {
  if (!ozeki) return '';
  const user = values['ozeki-user'] ? `, office user "${values['ozeki-user']}"` : '';
  return `  Ozeki API    ${ozeki.apiUrl}   (${ozeki.options.shape}, API extension 9994${user})
  OzML URL     ${ozeki.ozmlTemplate}
`;
}

async function main(): Promise<void> {
  if (values.help) {
    console.log('usage: see the comment at the top of sim/main.ts, or README.md');
    return;
  }
  switch (command) {
    case 'serve':
      return serve();
    case 'call': {
      if (!values.from) throw new Error('call needs --from');
      const answer = await post('/call', { from: values.from, to: values.to ?? values.agent, name: values.name });
      console.log(`ringing: ${(answer as { sessionId: string }).sessionId}`);
      return;
    }
    case 'answer':
    case 'hold':
    case 'unhold':
    case 'hangup':
    case 'miss':
    case 'busy':
    case 'reject': {
      const id = rest[0];
      if (!id) throw new Error(`${command} needs a session id`);
      await post(`/sessions/${encodeURIComponent(id)}/${command}`);
      console.log(`${command}: ${id}`);
      return;
    }
    case 'scenario': {
      const scenario = await loadScenario(rest[0] ?? 'demo');
      console.log(JSON.stringify(await post('/scenario', { ...scenario, wait: true })));
      return;
    }
    case 'availability': {
      const [ext, availability] = rest;
      if (!ext || !availability) throw new Error('availability needs an extension and available|away|dnd');
      await post(`/team/${encodeURIComponent(ext)}/availability`, {
        availability,
        ...(values.note ? { note: values.note } : {}),
        ...(values.for ? { forMs: Number(values.for) } : {}),
      });
      console.log(`${ext}: ${availability}`);
      return;
    }
    case 'message': {
      if (!values.from || !values.to || !rest[0]) throw new Error('message needs --from, --to and the text');
      console.log(
        JSON.stringify(
          await post(`/team/${encodeURIComponent(values.from)}/message`, { to: values.to, content: rest.join(' ') }),
        ),
      );
      return;
    }
    case 'traffic':
      console.log(JSON.stringify(await post('/traffic', { calls: Number(rest[0] ?? 10) })));
      return;
    case 'state': {
      const response = await fetch(`${base}/state`).catch(() => {
        throw new Error(`no simulator answers on ${values.host}:${values.port}`);
      });
      console.log(JSON.stringify(await response.json(), null, 2));
      return;
    }
    default:
      throw new Error(
        `unknown command "${command}"; commands: serve, call, answer, hold, unhold, hangup, miss, busy, reject, scenario, traffic, state, availability, message`,
      );
  }
}

main().catch((error) => {
  console.error(`sim: ${(error as Error).message}`);
  process.exit(1);
});
