#!/usr/bin/env node
/**
 * Makes sure the browsers the tests and the demo use are installed: Chromium (and, with
 * --firefox, firefox-esr). As root on a Debian machine it installs them with apt; otherwise it
 * names the exact command and fails.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const wanted = [{ path: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', pkg: 'chromium' }];
if (process.argv.includes('--firefox'))
  wanted.push({ path: process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr', pkg: 'firefox-esr' });

const missing = wanted.filter((browser) => !existsSync(browser.path));
if (missing.length) {
  const packages = missing.map((browser) => browser.pkg);
  const command = `apt-get install -y ${packages.join(' ')}`;
  const canInstall = process.getuid?.() === 0 && existsSync('/usr/bin/apt-get');
  if (!canInstall) {
    console.error(
      `Missing browser: ${packages.join(', ')}. Install it with:\n  sudo apt-get update && sudo ${command}`,
    );
    process.exit(1);
  }
  console.log(`Installing ${packages.join(', ')} with apt…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', ...packages], { stdio: 'inherit', env });
}
