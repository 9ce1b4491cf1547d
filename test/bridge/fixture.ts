/** A bridge in this process for the bridge tests: simulator source, static test tokens, logs captured. */
import { PassThrough } from 'node:stream';
import type { StaticToken } from '../../bridge/src/auth/tokens';
import { loadConfig } from '../../bridge/src/ops/config';
import { createLogger } from '../../bridge/src/ops/log';
import { type RunningBridge, sourceChecks, startBridge } from '../../bridge/src/server/bridge';
import { SimulatorSource } from '../../bridge/src/sources/simulator';
import type { CallSource } from '../../bridge/src/sources/types';
import { Pbx } from '../../sim/pbx';
import type { Frame } from '../conformance/agent';

export const TOKENS: Record<string, StaticToken> = {
  all: {
    userName: 'sup',
    fullName: 'Supervisor',
    permissions: { dial: true, control: true, history: true, monitorAll: true },
  },
  a1001: { extension: '1001', fullName: 'Agent 1001' },
  a1002: { extension: '1002', fullName: 'Agent 1002' },
  none: { extension: '1003', permissions: { dial: false, control: false, history: false } },
};

export interface TestBridge {
  running: RunningBridge;
  url: string;
  pbx: Pbx;
  sim: SimulatorSource;
  logs(): Frame[];
  stop(): Promise<void>;
}

export async function startTestBridge(
  o: { argv?: string[]; sources?: CallSource[]; env?: NodeJS.ProcessEnv } = {},
): Promise<TestBridge> {
  const config = loadConfig({ argv: ['--port', '0', ...(o.argv ?? [])], env: o.env ?? {}, sourceTypes: sourceChecks });
  let text = '';
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  const pbx = new Pbx();
  const sim = new SimulatorSource(pbx, { vocabulary: 'dotnet', dialAgentMs: 50, dialCustomerMs: 50 }, 'sim');
  const running = await startBridge(config, {
    log: createLogger({ level: 'debug', stream }),
    sources: o.sources ?? [sim],
    staticTokens: { ...TOKENS },
  });
  return {
    running,
    url: running.url,
    pbx,
    sim,
    logs: () =>
      text
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line)),
    stop: () => running.stop(),
  };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
