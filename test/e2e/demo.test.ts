/**
 * `npm run demo` itself, as the README promises it on a machine without a display: it builds,
 * starts the simulator, pops the card in headless Chromium, saves the screenshot, waits for the
 * call to end and be logged as an activity on the caller's record in the demo CRM (which it
 * checks through the CRM itself and says), saves that record's page, and exits 0.
 */
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

jest.setTimeout(240_000);

const ROOT = join(__dirname, '../..');
const SCREENSHOT = join(ROOT, 'artifacts/demo-card.png');
const LOGGED = join(ROOT, 'artifacts/demo-logged.png');

/** A real PNG (its signature), of the 1280×800 page, written by this run. */
function expectScreenshot(file: string): void {
  const png = readFileSync(file);
  expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  expect(png.readUInt32BE(16)).toBe(1280);
  expect(png.readUInt32BE(20)).toBe(800);
  expect(statSync(file).size).toBeGreaterThan(10_000);
}

test('npm run demo, headless: the card pops, its screenshot is saved, and the call ends on the record', async () => {
  rmSync(SCREENSHOT, { force: true });
  rmSync(LOGGED, { force: true });
  const env = { ...process.env };
  delete env.DISPLAY;
  const demo = spawn('node', [join(ROOT, 'scripts/demo.mjs')], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  demo.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  demo.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const code = await new Promise<number | null>((resolve) => demo.once('exit', resolve));
  expect({ code, said: output.includes('The card popped, the CRM named the caller, her record opened') }).toEqual({
    code: 0,
    said: true,
  });
  expect(output).toContain('headless');
  expectScreenshot(SCREENSHOT);
  // The scripted call (answered, held, resumed, hung up) is an activity on Anna's record: the demo
  // found it through the demo CRM's own API and read its fields from there.
  expect(output).toMatch(
    /The call is on Anna Schmidt's record in the demo CRM: activity a-\d+, inbound, answered, \d+:\d\d talk time\./,
  );
  expectScreenshot(LOGGED);
});
