/**
 * Conformance of the team frames (docs/protocol.md, "Team: presence and chat"), for any CTI server
 * that announces them: by default a bridge with `--team` and the simulator source; with
 * POPLINE_CTI_URL (and POPLINE_CTI_TOKEN, optionally POPLINE_CTI_EXTENSION) that server, without
 * changing anything there but the connecting agent's own availability (set, then set back). A server
 * that announces nothing passes when it sends none of the frames.
 */
import { loadConfig } from '../../bridge/src/ops/config';
import { createLogger } from '../../bridge/src/ops/log';
import { type RunningBridge, sourceChecks, startBridge } from '../../bridge/src/server/bridge';
import { SimulatorSource } from '../../bridge/src/sources/simulator';
import { Pbx } from '../../sim/pbx';
import { parseServerFrame } from '../../src/shared/protocol';
import { Agent, type Frame } from './agent';

const external = process.env.POPLINE_CTI_URL;
let url = external ?? '';
let token = process.env.POPLINE_CTI_TOKEN ?? '';
let extension = process.env.POPLINE_CTI_EXTENSION || undefined;
let running: RunningBridge | undefined;
const opened: Agent[] = [];
const TEAM = new Set(['directory', 'userInfoReceived', 'clientStateChanged', 'messageReceived', 'messageStatus']);

beforeAll(async () => {
  if (external) return;
  const config = loadConfig({ argv: ['--port', '0', '--team', 'true'], env: {}, sourceTypes: sourceChecks });
  running = await startBridge(config, {
    log: createLogger({ level: 'error' }),
    sources: [new SimulatorSource(new Pbx(), { vocabulary: 'dotnet', dialAgentMs: 50, dialCustomerMs: 50 }, 'sim')],
    staticTokens: {
      conformance: { extension: '1001', fullName: 'Conformance' },
      colleague: { extension: '1002', fullName: 'Colleague' },
    },
  });
  url = running.url;
  token = 'conformance';
  extension = '1001';
});
afterAll(async () => {
  await running?.stop();
});
afterEach(() => {
  for (const agent of opened.splice(0)) {
    for (const text of agent.raw) {
      const parsed = parseServerFrame(text);
      if (parsed.kind === 'invalid')
        throw new Error(`the server sent an invalid frame (${parsed.reason}): ${text.slice(0, 200)}`);
    }
    agent.close();
  }
});

const connect = async (as = token, ext = extension) => {
  const agent = await Agent.connect(url, as, ext);
  opened.push(agent);
  return agent;
};
const features = (agent: Agent) => (agent.frames[0]?.features ?? {}) as { presence?: boolean; chat?: boolean };

describe(`team conformance against ${external ?? 'a bridge with --team and the simulator source'}`, () => {
  test('presence: the directory follows the snapshot, its pages count from 1 to pages, the agent is in it', async () => {
    const agent = await connect();
    if (!features(agent).presence) {
      expect(agent.frames.filter((f) => TEAM.has(f.op))).toEqual([]);
      return;
    }
    const last = await agent.waitFor((f) => f.op === 'directory' && f.page === f.pages, { what: 'the last page' });
    const ops = agent.frames.map((f) => f.op);
    expect(ops.indexOf('directory')).toBeGreaterThan(ops.indexOf('sessionsSnapshot'));
    const pages = agent.of('directory');
    expect(pages.map((p) => p.page)).toEqual(Array.from({ length: last.pages }, (_, i) => i + 1));
    const users = pages.flatMap((p) => p.users) as Frame[];
    const own = agent.frames[0]?.extension;
    if (own) expect(users.find((u) => u.extension === own)?.state).toMatchObject({ status: 'ONLINE' });
  });

  test('availability: set, seen by the agent’s own connection, set back; a wrong one is INVALID', async () => {
    const agent = await connect();
    if (!features(agent).presence) return;
    const own = agent.frames[0]?.extension as string;
    const until = new Date(Date.now() + 600_000).toISOString();
    expect(
      await agent.request({ op: 'setAvailability', availability: 'away', note: 'conformance', until }),
    ).toMatchObject({ op: 'result', ok: true });
    await agent.waitFor(
      (f) => f.op === 'clientStateChanged' && f.phoneNumber === own && f.availability === 'away' && f.until,
      { what: 'its own clientStateChanged' },
    );
    const wrong = await agent.request({ op: 'setAvailability', availability: 'on-the-moon' });
    expect(wrong).toMatchObject({ ok: false, error: { code: 'INVALID' } });
    expect(await agent.request({ op: 'setAvailability', availability: 'available' })).toMatchObject({ ok: true });
    await agent.waitFor(
      (f) => f.op === 'clientStateChanged' && f.phoneNumber === own && f.availability === 'available',
    );
  });

  test('chat: a message to no one is NOT_FOUND, an empty one INVALID, a real one gets a messageId', async () => {
    const agent = await connect();
    if (!features(agent).chat) return;
    expect(await agent.request({ op: 'sendMessage', to: '0-no-such-extension', content: 'hi' })).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
    expect(await agent.request({ op: 'sendMessage', to: '1002', content: '' })).toMatchObject({
      ok: false,
      error: { code: 'INVALID' },
    });
    if (external) return; // Never writes to a real colleague.
    const colleague = await connect('colleague', '1002');
    const sent = await agent.request({ op: 'sendMessage', to: '1002', content: 'conformance' });
    expect(sent).toMatchObject({ ok: true, messageId: expect.any(String) });
    await colleague.waitFor((f) => f.op === 'messageReceived' && f.id === sent.messageId);
    expect(await colleague.request({ op: 'markRead', ids: [sent.messageId] })).toMatchObject({ ok: true });
    await agent.waitFor((f) => f.op === 'messageStatus' && f.state === 'read' && f.ids.includes(sent.messageId));
  });
});
