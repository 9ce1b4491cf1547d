/**
 * The admin's command line (everything but `serve`): issue, list and revoke agents' tokens, and
 * print one-time enrolment codes. It works on the same data directory as the server (same
 * --config / --data-dir / POPLINE_BRIDGE_* settings), writing the token file that a running server
 * re-reads, so a revocation takes effect without a restart. A token is printed once and never
 * stored; `token list` shows ids, never tokens.
 */
import { join } from 'node:path';
import { PERMISSIONS, type Permission, TOKENS_FILE, TokenAuthority } from '../auth/tokens';
import { ConfigError, configHelp, loadConfig } from '../ops/config';

export interface CliIo {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  now?: () => number;
}

const COMMAND = 'npm run bridge --';
const CLI_FLAGS = new Set(['extension', 'extensions', 'permissions', 'ttl', 'name', 'user', 'code-ttl', 'json']);
const BOOLEAN_FLAGS = new Set(['json']);

export const USAGE = `Usage:
  ${COMMAND} token issue --extension 1001[,1002] --permissions dial,control,history[,monitorAll] --ttl 8h [--name "Jane Doe"] [--user jdoe]
  ${COMMAND} token list [--json]
  ${COMMAND} token revoke <id>
  ${COMMAND} enrol --extension 1001 --permissions dial,control,history --ttl 30d [--code-ttl 24h] [--name "Jane Doe"]
  ${COMMAND} [serve] [settings]      run the bridge
Durations: 90s, 45m, 8h, 30d, 2w (a bare number is seconds).
Every command takes the server's settings, to find its data directory:
${configHelp()}
  --config <file>          POPLINE_BRIDGE_CONFIG                JSON configuration file`;

class UsageError extends Error {}

/** Splits our own flags from the server settings (which loadConfig reads). */
function splitArgs(argv: string[]): { positional: string[]; own: Map<string, string>; rest: string[] } {
  const positional: string[] = [];
  const own = new Map<string, string>();
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
    if (!CLI_FLAGS.has(name)) {
      rest.push(arg);
      if (eq < 0 && argv[i + 1] !== undefined && !argv[i + 1]?.startsWith('--')) rest.push(argv[++i] ?? '');
      continue;
    }
    if (BOOLEAN_FLAGS.has(name)) own.set(name, 'true');
    else {
      const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined) throw new UsageError(`--${name}: expected a value after it`);
      own.set(name, value);
    }
  }
  return { positional, own, rest };
}

export function parseDuration(text: string, what: string): number {
  const match = /^(\d+)\s*([smhdw]?)$/.exec(text.trim());
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 }[match?.[2] ?? ''] ?? 1;
  const seconds = match ? Number(match[1]) * unit : Number.NaN;
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 5 * 366 * 86_400)
    throw new UsageError(
      `${what}: got ${JSON.stringify(text)}, expected a duration such as 8h, 30d or 3600 (at most 5 years)`,
    );
  return seconds;
}

function parsePermissions(text: string | undefined): Permission[] {
  if (text === undefined) throw new UsageError(`--permissions: required, some of ${PERMISSIONS.join(',')}`);
  const list = text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  for (const p of list)
    if (!PERMISSIONS.includes(p as Permission))
      throw new UsageError(`--permissions: got ${JSON.stringify(p)}, expected some of ${PERMISSIONS.join(', ')}`);
  return list as Permission[];
}

function grantOptions(own: Map<string, string>) {
  const extensions = (own.get('extension') ?? own.get('extensions') ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  if (!extensions.length) throw new UsageError('--extension: required, e.g. --extension 1001 or 1001,1002');
  const ttl = own.get('ttl');
  if (ttl === undefined) throw new UsageError('--ttl: required, e.g. --ttl 8h');
  const name = own.get('name');
  const user = own.get('user');
  return {
    extensions,
    permissions: parsePermissions(own.get('permissions')),
    ttlSeconds: parseDuration(ttl, '--ttl'),
    ...(name ? { fullName: name } : {}),
    ...(user ? { userName: user } : {}),
  };
}

const human = (seconds: number): string =>
  seconds % 86_400 === 0
    ? `${seconds / 86_400} day${seconds === 86_400 ? '' : 's'}`
    : seconds % 3600 === 0
      ? `${seconds / 3600} hour${seconds === 3600 ? '' : 's'}`
      : seconds % 60 === 0
        ? `${seconds / 60} minute${seconds === 60 ? '' : 's'}`
        : `${seconds} seconds`;

const permissionList = (p: Record<Permission, boolean>) => PERMISSIONS.filter((name) => p[name]).join(',') || '-';

function openAuthority(rest: string[], io: CliIo): TokenAuthority {
  const config = loadConfig({ argv: rest, env: io.env, sourceTypes: {}, skipSources: true });
  if (!config.dataDir)
    throw new UsageError(
      'no data directory: tokens live in the bridge’s data directory. Give the server’s --data-dir, ' +
        'POPLINE_BRIDGE_DATA_DIR or --config (with "dataDir").',
    );
  return new TokenAuthority({
    secret: config.tokenSecret,
    file: join(config.dataDir, TOKENS_FILE),
    ...(io.now ? { now: io.now } : {}),
  });
}

function run(argv: string[], io: CliIo): number {
  const { positional, own, rest } = splitArgs(argv);
  const [command, sub, ...extra] = positional;
  const say = (line = '') => io.out.write(`${line}\n`);
  const json = own.has('json');
  if (command === undefined || command === 'help' || rest.includes('--help') || rest.includes('-h')) {
    say(USAGE);
    return command === undefined && !rest.includes('--help') && !rest.includes('-h') ? 2 : 0;
  }

  if (command === 'token' && sub === 'issue' && !extra.length) {
    const options = grantOptions(own);
    const authority = openAuthority(rest, io);
    const { token, grant } = authority.issue(options);
    if (json) say(JSON.stringify({ token, grant }));
    else {
      say(`Token ${grant.id} for extension ${grant.extensions.join(', ')} (${permissionList(grant.permissions)}),`);
      say(`valid ${human(options.ttlSeconds)}, until ${grant.expiresAt}. It is shown only this once:`);
      say();
      say(token);
      say();
      say(`id: ${grant.id}   (revoke it with: ${COMMAND} token revoke ${grant.id})`);
    }
    return 0;
  }
  if (command === 'token' && sub === 'list' && !extra.length) {
    const grants = openAuthority(rest, io).list();
    if (json) {
      say(JSON.stringify(grants));
      return 0;
    }
    if (!grants.length) {
      say('No tokens issued yet.');
      return 0;
    }
    const rows = grants.map((g) => [
      g.id,
      g.extensions.join(','),
      permissionList(g.permissions),
      g.expiresAt ?? '-',
      g.revoked ? 'revoked' : g.expiresAt && Date.parse(g.expiresAt) <= (io.now ?? Date.now)() ? 'expired' : 'valid',
      g.fullName ?? g.userName ?? '',
    ]);
    const header = ['ID', 'EXTENSIONS', 'PERMISSIONS', 'EXPIRES', 'STATUS', 'NAME'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
    for (const row of [header, ...rows])
      say(
        row
          .map((cell, i) => (cell ?? '').padEnd(widths[i] ?? 0))
          .join('  ')
          .trimEnd(),
      );
    return 0;
  }
  if (command === 'token' && sub === 'revoke') {
    const [id] = extra;
    if (!id || extra.length > 1)
      throw new UsageError(`token revoke: expected one token id (see ${COMMAND} token list)`);
    if (openAuthority(rest, io).revoke(id)) {
      say(`Token ${id} revoked. A running bridge refuses it from now on and closes its connections.`);
      return 0;
    }
    io.err.write(`No token with id ${JSON.stringify(id)} (see ${COMMAND} token list).\n`);
    return 1;
  }
  if ((command === 'enrol' || command === 'enroll') && sub === undefined) {
    const options = grantOptions(own);
    const codeTtl = own.has('code-ttl') ? parseDuration(own.get('code-ttl') ?? '', '--code-ttl') : 24 * 3600;
    const { code, expiresAt } = openAuthority(rest, io).createEnrolment({ ...options, codeTtlSeconds: codeTtl });
    if (json) say(JSON.stringify({ code, expiresAt }));
    else {
      say(
        `One-time enrolment code for extension ${options.extensions.join(', ')} (${options.permissions.join(',') || '-'}):`,
      );
      say();
      say(`    ${code}`);
      say();
      say(`Valid for ${human(codeTtl)} (until ${expiresAt}), once. The agent types it into PopLine's options`);
      say(`page (PopLine bridge → enrolment code) and gets a token valid ${human(options.ttlSeconds)}.`);
    }
    return 0;
  }
  throw new UsageError(`unknown command ${JSON.stringify(positional.join(' '))}`);
}

export async function runCli(argv: string[], io: Partial<CliIo> = {}): Promise<number> {
  const full: CliIo = { out: process.stdout, err: process.stderr, env: process.env, ...io };
  try {
    return run(argv, full);
  } catch (error) {
    if (error instanceof ConfigError) full.err.write(`${error.message}\n`);
    else if (error instanceof UsageError) full.err.write(`${error.message}\n(all commands: ${COMMAND} help)\n`);
    else full.err.write(`error: ${(error as Error).message}\n`);
    return error instanceof UsageError ? 2 : 1;
  }
}
