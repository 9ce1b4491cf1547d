/**
 * The long chaos run: 1,000 calls (BENCH_CHAOS_CALLS) for the agent among background
 * traffic, sockets dropped and the worker stopped at random. Prints missed, duplicated and
 * wrong outcomes (all should be 0) and how much chaos there was. The 200-call version is a test
 * (test/e2e/chaos.test.ts).
 */
import { runChaos } from '../test/support/chaos';
import { startE2E } from '../test/support/session';

export async function main(): Promise<void> {
  const calls = Number(process.env.BENCH_CHAOS_CALLS ?? 1000);
  const seed = Number(process.env.CHAOS_SEED ?? Date.now() % 1_000_000);
  const e2e = await startE2E();
  try {
    await e2e.setup({ cards: { target: 'lastCrmTab', fadeAfterSeconds: 600 } });
    const other = await e2e.openCrm();
    const target = await e2e.openCrm('contacts/c-1001');
    const result = await runChaos(e2e, target, other, {
      calls,
      seed,
      traffic: 50,
      dropRate: 0.05,
      stopRate: 0.03,
      onProgress: (done) => done % 100 === 0 && process.stdout.write(`  ${done} calls…\n`),
    });
    console.log(`
Chaos run (seed ${seed}): ${result.calls} calls among 50 background calls, ${result.seconds.toFixed(0)} s
  socket drops        ${result.drops}
  worker stops        ${result.workerStops}
  missed calls        ${result.missed}
  duplicated cards    ${result.duplicated}
  wrong final state   ${result.wrongState}${result.problems.length ? `\n  problems:\n    ${result.problems.slice(0, 20).join('\n    ')}` : ''}`);
  } finally {
    await e2e.close();
  }
}
