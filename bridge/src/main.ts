/**
 * The bridge's command line. `serve` (the default) runs the server; every other subcommand (token,
 * enrol) is the admin CLI (bridge/src/cli). With no source configured, the bridge runs the simulator
 * source and accepts the demo token 'popline-demo', so `npm run bridge` works on a fresh machine;
 * configure a source (docs/bridge.md) for anything real.
 *   npm run bridge                         zero configuration: simulator source on 127.0.0.1:8765;
 *     ring a call: curl -d '{"from":"+4930123","to":"1001"}' http://127.0.0.1:8765/sources/simulator/calls
 *   npm run bridge -- serve --config bridge.json
 *   npm run bridge -- token issue --extension 1001 --permissions dial,control,history --ttl 8h
 */
import { runCli } from './cli';
import { ConfigError, loadConfig } from './ops/config';
import { createLogger } from './ops/log';
import { sourceChecks, startBridge } from './server/bridge';

const DEMO_TOKEN = 'popline-demo';

async function serve(argv: string[]): Promise<void> {
  const config = loadConfig({ argv, env: process.env, sourceTypes: sourceChecks });
  const log = createLogger({ level: config.logLevel });
  const demo = config.sources.length === 0;
  if (demo) {
    config.sources = [{ type: 'simulator', id: 'simulator', control: true }];
    log.warn('no source configured: running the simulator source and accepting the demo token');
  }
  const running = await startBridge(config, {
    log,
    ...(demo
      ? {
          staticTokens: {
            [DEMO_TOKEN]: {
              userName: 'agent',
              fullName: 'Demo Agent',
              permissions: { dial: true, control: true, history: true, monitorAll: true },
            },
          },
        }
      : {}),
  });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('shutting down', { signal, graceMs: config.shutdownGraceMs });
    // Whatever happens, the process is gone shortly after the grace time.
    setTimeout(() => process.exit(1), config.shutdownGraceMs + 1000).unref();
    running.stop().then(
      () => process.exit(0),
      (error) => {
        log.error('shutdown failed', { error: (error as Error).message });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const [first] = argv;
  if (first && first !== 'serve' && !first.startsWith('--')) {
    process.exitCode = await runCli(argv);
    return;
  }
  if (argv.includes('--help') || argv.includes('-h')) {
    process.exitCode = await runCli(['--help']);
    return;
  }
  await serve(argv);
}

main().catch((error) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`bridge: ${(error as Error).message}\n`);
  process.exit(1);
});
