/**
 * The bridge's configuration: defaults, then a JSON file (--config or POPLINE_BRIDGE_CONFIG), then
 * environment variables, then command-line flags, each later one winning. Every setting is one row
 * of SETTINGS (file key, variable, flag, parser), so the three ways cannot drift apart, and the docs
 * table is this table. All problems are collected and reported together, each naming the key, the
 * value and what is expected; a secret's value is never repeated in a message.
 */
import { randomBytes } from 'node:crypto';
import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { arrayOf, check } from '../../../src/shared/guard';
import { type DirectoryUser, directoryUserGuard } from '../../../src/shared/protocol';
import { writeFileAtomic } from '../auth/atomicFile';

export interface SourceConfig {
  type: string;
  id: string;
  [key: string]: unknown;
}

export interface BridgeConfig {
  host: string;
  port: number;
  tls?: { certFile: string; keyFile: string };
  /** Tokens and history persisted here; absent = memory only. */
  dataDir?: string;
  /** From file/env; generated and kept in dataDir when absent. */
  tokenSecret: string;
  /** Seconds, 5..25. */
  heartbeat: number;
  limits: {
    frameBytes: number;
    maxBufferedBytes: number;
    commandsPerSecond: number;
    commandBurst: number;
    handshakeTimeoutMs: number;
    historyCalls: number;
    webhookBodyBytes: number;
  };
  sources: SourceConfig[];
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** Default 5000. */
  shutdownGraceMs: number;
  /** redis:// or rediss:// URL: run as one node of a cluster (bridge/src/cluster); absent = all in memory. */
  redis?: string;
  cluster: {
    /** This node's name in Redis (leases, presence); default host name and process id. */
    nodeId?: string;
    /** Redis unreachable this long (ms): agents are closed with 1012 so that they move to a healthy node. */
    outageMs: number;
    /** Events kept in the Redis stream (MAXLEN ~) for nodes that fall behind. */
    streamLength: number;
    /** Lease time (ms) of a source that holds one PBX connection; renewed every third of it. */
    leaseMs: number;
  };
  /** Presence and chat between agents (docs/bridge.md, "Team"). */
  team: {
    enabled: boolean;
    /** Messages kept for one colleague who is not connected. */
    keptPerUser: number;
    /** The colleagues (names, mobiles, e-mails): `team.directory` in the file, or a JSON file of them. */
    directoryFile?: string;
    directory?: DirectoryUser[];
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export const ENV_PREFIX = 'POPLINE_BRIDGE_';
export const SECRET_FILE = 'token-secret';

type Parsed = { ok: true; value: unknown } | { ok: false; expected: string };
interface Setting {
  /** Dotted path in the file and in BridgeConfig. */
  key: string;
  env: string;
  /** Absent for secrets: a command line is visible to every user of the machine (ps). */
  flag?: string;
  default?: unknown;
  secret?: boolean;
  help: string;
  /** `text` is true when the value came from env or a flag (always a string). */
  parse(value: unknown, text: boolean): Parsed;
}

const int =
  (min: number, max: number) =>
  (value: unknown, text: boolean): Parsed => {
    const n = text && typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
    return typeof n === 'number' && Number.isInteger(n) && n >= min && n <= max
      ? { ok: true, value: n }
      : { ok: false, expected: `an integer from ${min} to ${max}` };
  };

const text =
  (expected: string, test: (s: string) => boolean = (s) => s.length > 0) =>
  (value: unknown): Parsed =>
    typeof value === 'string' && test(value) ? { ok: true, value } : { ok: false, expected };

const flag = (value: unknown, text: boolean): Parsed => {
  if (typeof value === 'boolean') return { ok: true, value };
  if (text && typeof value === 'string' && /^(true|false|1|0|yes|no)$/i.test(value.trim()))
    return { ok: true, value: /^(true|1|yes)$/i.test(value.trim()) };
  return { ok: false, expected: 'true or false' };
};

const directoryList = arrayOf(directoryUserGuard, { max: 100_000 });

const HOST = /^[0-9A-Za-z.:_-]{1,253}$/;

/** A Redis URL; its password is never repeated (see `shown`). */
function redisUrl(value: unknown): Parsed {
  const expected = 'a redis:// or rediss:// URL (redis://host:6379/0)';
  if (typeof value !== 'string' || value.length > 2048) return { ok: false, expected };
  try {
    const url = new URL(value);
    if ((url.protocol !== 'redis:' && url.protocol !== 'rediss:') || !url.hostname) return { ok: false, expected };
    if (url.pathname && url.pathname !== '/' && !/^\/\d{1,2}$/.test(url.pathname))
      return { ok: false, expected: `${expected}; the path is the database number` };
    return { ok: true, value };
  } catch {
    return { ok: false, expected };
  }
}

/** The URL as it may be logged: without its password. */
export function redactUrl(value: string): string {
  try {
    const url = new URL(value);
    if (!url.password) return value;
    url.password = '***';
    return url.toString();
  } catch {
    return '(unparsable URL)';
  }
}

export const SETTINGS: Setting[] = [
  {
    key: 'host',
    env: 'HOST',
    flag: 'host',
    default: '127.0.0.1',
    help: 'address to listen on (0.0.0.0 or :: for every interface)',
    parse: text('a host name or IP address', (s) => HOST.test(s)),
  },
  { key: 'port', env: 'PORT', flag: 'port', default: 8765, help: 'TCP port (0: any free port)', parse: int(0, 65535) },
  {
    key: 'tls.certFile',
    env: 'TLS_CERT',
    flag: 'tls-cert',
    help: 'PEM certificate (chain) file: serve https/wss directly',
    parse: text('a file path'),
  },
  { key: 'tls.keyFile', env: 'TLS_KEY', flag: 'tls-key', help: 'PEM private key file', parse: text('a file path') },
  {
    key: 'dataDir',
    env: 'DATA_DIR',
    flag: 'data-dir',
    help: 'directory for tokens, the token secret and history (absent: memory only)',
    parse: text('a directory path'),
  },
  {
    key: 'tokenSecret',
    env: 'TOKEN_SECRET',
    secret: true,
    help: 'HMAC key of agents’ tokens, 32+ characters (absent: generated into dataDir)',
    parse: text('at least 32 characters', (s) => s.length >= 32 && s.length <= 1024),
  },
  {
    key: 'heartbeat',
    env: 'HEARTBEAT',
    flag: 'heartbeat',
    default: 20,
    help: 'seconds between client pings',
    parse: int(5, 25),
  },
  {
    key: 'logLevel',
    env: 'LOG_LEVEL',
    flag: 'log-level',
    default: 'info',
    help: 'debug, info, warn or error',
    parse: text(`one of ${LOG_LEVELS.join(', ')}`, (s) => (LOG_LEVELS as readonly string[]).includes(s)),
  },
  {
    key: 'shutdownGraceMs',
    env: 'SHUTDOWN_GRACE_MS',
    flag: 'shutdown-grace-ms',
    default: 5000,
    help: 'on SIGTERM, how long agents get to be closed before the process exits',
    parse: int(0, 60_000),
  },
  {
    key: 'redis',
    env: 'REDIS',
    flag: 'redis',
    help: 'Redis URL: run as one node of several behind a load balancer (absent: one node, all in memory); a password goes in the variable or the file, not the flag',
    parse: redisUrl,
  },
  {
    key: 'cluster.nodeId',
    env: 'NODE_ID',
    flag: 'node-id',
    help: 'this node’s name in Redis (default: host name and process id)',
    parse: text('letters, digits, ., _ or - (at most 64)', (s) => /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(s)),
  },
  {
    key: 'cluster.outageMs',
    env: 'REDIS_OUTAGE_MS',
    flag: 'redis-outage-ms',
    default: 15_000,
    help: 'Redis unreachable this long: agents are closed with 1012 to move to a healthy node',
    parse: int(1000, 600_000),
  },
  {
    key: 'cluster.streamLength',
    env: 'REDIS_STREAM_LENGTH',
    flag: 'redis-stream-length',
    default: 10_000,
    help: 'call events kept in the Redis stream (MAXLEN ~) for nodes that fall behind',
    parse: int(100, 10_000_000),
  },
  {
    key: 'cluster.leaseMs',
    env: 'LEASE_MS',
    flag: 'lease-ms',
    default: 5000,
    help: 'lease of a source that holds one PBX connection: another node takes over this long after its holder died',
    parse: int(1000, 120_000),
  },
  {
    key: 'team.enabled',
    env: 'TEAM',
    flag: 'team',
    default: false,
    help: 'presence and chat between agents (the Team view): directory, availability, messages',
    parse: flag,
  },
  {
    key: 'team.keptPerUser',
    env: 'TEAM_KEPT_PER_USER',
    flag: 'team-kept-per-user',
    default: 200,
    help: 'messages kept for a colleague who is not connected (oldest dropped)',
    parse: int(1, 10_000),
  },
  {
    key: 'team.directoryFile',
    env: 'TEAM_DIRECTORY',
    flag: 'team-directory',
    help: 'JSON file listing the colleagues ({extension, fullName, mobile, email, ...}); agents who connect are added',
    parse: text('a file path'),
  },
  {
    key: 'limits.frameBytes',
    env: 'FRAME_BYTES',
    flag: 'frame-bytes',
    default: 65_536,
    help: 'largest frame accepted from an agent',
    parse: int(1024, 1_048_576),
  },
  {
    key: 'limits.maxBufferedBytes',
    env: 'MAX_BUFFERED_BYTES',
    flag: 'max-buffered-bytes',
    default: 1_048_576,
    help: 'unsent bytes after which a slow agent is disconnected',
    parse: int(16_384, 268_435_456),
  },
  {
    key: 'limits.commandsPerSecond',
    env: 'COMMANDS_PER_SECOND',
    flag: 'commands-per-second',
    default: 10,
    help: 'commands per second per connection (sustained)',
    parse: int(1, 10_000),
  },
  {
    key: 'limits.commandBurst',
    env: 'COMMAND_BURST',
    flag: 'command-burst',
    default: 20,
    help: 'commands a connection may send at once before the rate applies',
    parse: int(1, 100_000),
  },
  {
    key: 'limits.handshakeTimeoutMs',
    env: 'HANDSHAKE_TIMEOUT_MS',
    flag: 'handshake-timeout-ms',
    default: 10_000,
    help: 'time to send a valid connect before 4408',
    parse: int(100, 60_000),
  },
  {
    key: 'limits.historyCalls',
    env: 'HISTORY_CALLS',
    flag: 'history-calls',
    default: 10_000,
    help: 'ended calls kept for getCallHistory',
    parse: int(0, 1_000_000),
  },
  {
    key: 'limits.webhookBodyBytes',
    env: 'WEBHOOK_BODY_BYTES',
    flag: 'webhook-body-bytes',
    default: 65_536,
    help: 'largest webhook request body',
    parse: int(256, 1_048_576),
  },
];

const FILE_KEYS = new Set(['sources', ...SETTINGS.map((s) => s.key.split('.')[0])]);
const NESTED: Record<string, Set<string>> = {
  tls: new Set(['certFile', 'keyFile']),
  cluster: new Set(SETTINGS.filter((s) => s.key.startsWith('cluster.')).map((s) => s.key.slice(8))),
  team: new Set([...SETTINGS.filter((s) => s.key.startsWith('team.')).map((s) => s.key.slice(5)), 'directory']),
  limits: new Set(SETTINGS.filter((s) => s.key.startsWith('limits.')).map((s) => s.key.slice(7))),
};
const ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

export interface LoadOptions {
  argv: string[];
  env: NodeJS.ProcessEnv;
  sourceTypes: Record<string, (raw: SourceConfig) => string[]>;
  /** The CLI works on tokens only: it does not need the sources to be valid. */
  skipSources?: boolean;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const shown = (s: Setting, value: unknown) =>
  s.secret
    ? '(hidden)'
    : s.key === 'redis' && typeof value === 'string'
      ? JSON.stringify(redactUrl(value))
      : JSON.stringify(value);

/** Flags as `--name value` or `--name=value`; a leading `serve` (the default subcommand) is allowed. */
function parseFlags(argv: string[], problems: string[]): Map<string, string> {
  const flags = new Map<string, string>();
  const known = new Set(['config', ...SETTINGS.flatMap((s) => (s.flag ? [s.flag] : []))]);
  const args = argv[0] === 'serve' ? argv.slice(1) : argv;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (!arg.startsWith('--')) {
      problems.push(`unexpected argument ${JSON.stringify(arg)}: expected --flag value`);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
    if (!known.has(name)) {
      problems.push(`unknown flag --${name}: expected one of ${[...known].map((f) => `--${f}`).join(', ')}`);
      if (eq < 0 && args[i + 1] !== undefined && !args[i + 1]?.startsWith('--')) i++;
      continue;
    }
    const value = eq > 0 ? arg.slice(eq + 1) : args[++i];
    if (value === undefined) problems.push(`flag --${name}: expected a value after it`);
    else flags.set(name, value);
  }
  return flags;
}

function readConfigFile(path: string, problems: string[]): Record<string, unknown> {
  let textValue: string;
  try {
    textValue = readFileSync(path, 'utf8');
  } catch (error) {
    problems.push(`config file ${path}: cannot read it (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    return {};
  }
  try {
    const value = JSON.parse(textValue) as unknown;
    if (isRecord(value)) return value;
    problems.push(`config file ${path}: expected a JSON object`);
  } catch (error) {
    problems.push(`config file ${path}: not valid JSON (${(error as Error).message})`);
  }
  return {};
}

function checkFileKeys(file: Record<string, unknown>, problems: string[]): void {
  for (const key of Object.keys(file)) {
    if (!FILE_KEYS.has(key)) {
      problems.push(`config file: unknown key "${key}"`);
      continue;
    }
    const nested = NESTED[key];
    if (!nested) continue;
    const value = file[key];
    if (!isRecord(value)) problems.push(`${key}: got ${JSON.stringify(value)}, expected an object`);
    else
      for (const sub of Object.keys(value))
        if (!nested.has(sub)) problems.push(`config file: unknown key "${key}.${sub}"`);
  }
}

const fromFile = (file: Record<string, unknown>, key: string): unknown => {
  const [head = '', sub] = key.split('.');
  if (sub === undefined) return file[head];
  const outer = file[head];
  return isRecord(outer) ? outer[sub] : undefined;
};

function setPath(target: Record<string, unknown>, key: string, value: unknown): void {
  const [head = '', sub] = key.split('.');
  if (sub === undefined) target[head] = value;
  else {
    const outer = isRecord(target[head]) ? target[head] : {};
    outer[sub] = value;
    target[head] = outer;
  }
}

function checkSources(
  raw: unknown,
  types: Record<string, (raw: SourceConfig) => string[]>,
  problems: string[],
): SourceConfig[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) {
    problems.push(`sources: got ${JSON.stringify(raw).slice(0, 80)}, expected a list of {"type","id",...}`);
    return [];
  }
  const ids = new Set<string>();
  const out: SourceConfig[] = [];
  for (const [index, entry] of raw.entries()) {
    const at = `sources[${index}]`;
    if (!isRecord(entry)) {
      problems.push(`${at}: expected an object with "type" and "id"`);
      continue;
    }
    const { type, id } = entry;
    const check = typeof type === 'string' && Object.hasOwn(types, type) ? types[type] : undefined;
    if (!check) {
      const known = Object.keys(types).join(', ') || '(no source types)';
      problems.push(`${at}.type: got ${JSON.stringify(type)}, expected one of ${known}`);
      continue;
    }
    if (typeof id !== 'string' || !ID.test(id)) {
      problems.push(`${at}.id: got ${JSON.stringify(id)}, expected letters, digits, _ or - (at most 64)`);
      continue;
    }
    if (ids.has(id)) {
      problems.push(`${at}.id: "${id}" is used by another source`);
      continue;
    }
    ids.add(id);
    const source = entry as SourceConfig;
    // Any type: `"lease": true` runs it on one node of a cluster at a time (bridge/src/cluster/lease.ts).
    if (source.lease !== undefined && typeof source.lease !== 'boolean')
      problems.push(`${at}.lease: got ${JSON.stringify(source.lease)}, expected true or false`);
    for (const problem of check(source)) problems.push(`${at} (${type} "${id}"): ${problem}`);
    out.push(source);
  }
  return out;
}

function checkReadable(key: string, path: string, problems: string[]): void {
  try {
    accessSync(path, constants.R_OK);
  } catch (error) {
    problems.push(`${key}: cannot read ${JSON.stringify(path)} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/** The secret kept in dataDir, created (0600) on first start so that tokens outlive a restart. */
export function dataDirSecret(dataDir: string): string {
  const file = join(dataDir, SECRET_FILE);
  if (existsSync(file)) {
    const secret = readFileSync(file, 'utf8').trim();
    if (secret.length < 32) throw new ConfigError([`${file}: the stored token secret is shorter than 32 characters`]);
    return secret;
  }
  const secret = randomBytes(32).toString('base64url');
  writeFileAtomic(file, `${secret}\n`);
  return secret;
}

export function loadConfig(o: LoadOptions): BridgeConfig {
  const problems: string[] = [];
  const flags = parseFlags(o.argv, problems);
  const configPath = flags.get('config') ?? o.env[`${ENV_PREFIX}CONFIG`];
  const file = configPath ? readConfigFile(configPath, problems) : {};
  checkFileKeys(file, problems);

  const out: Record<string, unknown> = {};
  for (const setting of SETTINGS) {
    const flagValue = setting.flag ? flags.get(setting.flag) : undefined;
    const envValue = o.env[ENV_PREFIX + setting.env];
    const [value, where, isText] =
      flagValue !== undefined
        ? [flagValue, `--${setting.flag}`, true]
        : envValue !== undefined && envValue !== ''
          ? [envValue, ENV_PREFIX + setting.env, true]
          : [fromFile(file, setting.key), setting.key, false];
    if (value === undefined) {
      if (setting.default !== undefined) setPath(out, setting.key, setting.default);
      continue;
    }
    const parsed = setting.parse(value, isText);
    if (parsed.ok) setPath(out, setting.key, parsed.value);
    else problems.push(`${where}: got ${shown(setting, value)}, expected ${parsed.expected}`);
  }

  const tls = out.tls as { certFile?: string; keyFile?: string } | undefined;
  if (tls) {
    if (!tls.certFile || !tls.keyFile)
      problems.push('tls: give both tls.certFile (--tls-cert) and tls.keyFile (--tls-key)');
    else {
      tls.certFile = resolve(tls.certFile);
      tls.keyFile = resolve(tls.keyFile);
      checkReadable('tls.certFile', tls.certFile, problems);
      checkReadable('tls.keyFile', tls.keyFile, problems);
    }
  }
  if (typeof out.dataDir === 'string') {
    const dataDir = resolve(out.dataDir);
    out.dataDir = dataDir;
    const stats = statSync(dataDir, { throwIfNoEntry: false });
    if (stats && !stats.isDirectory())
      problems.push(`dataDir: ${JSON.stringify(dataDir)} exists and is not a directory`);
  }
  const redisFlag = flags.get('redis');
  if (redisFlag !== undefined && URL.canParse(redisFlag) && new URL(redisFlag).password)
    problems.push(
      `--redis: got ${JSON.stringify(redactUrl(redisFlag))}, expected no password on the command line (every user of the machine sees it): give the URL in ${ENV_PREFIX}REDIS or the config file`,
    );
  out.cluster ??= {};
  const team = out.team as BridgeConfig['team'];
  const listed = fromFile(file, 'team.directory');
  if (team.directoryFile) {
    team.directoryFile = resolve(team.directoryFile);
    try {
      const value = JSON.parse(readFileSync(team.directoryFile, 'utf8')) as unknown;
      const checked = check(directoryList, isRecord(value) ? value.directory : value);
      if (checked.ok) team.directory = checked.value;
      else problems.push(`team.directoryFile: ${JSON.stringify(team.directoryFile)}: ${checked.error}`);
    } catch (error) {
      problems.push(
        `team.directoryFile: cannot read ${JSON.stringify(team.directoryFile)} (${(error as Error).message})`,
      );
    }
  } else if (listed !== undefined) {
    const checked = check(directoryList, listed);
    if (checked.ok) team.directory = checked.value;
    else problems.push(`team.directory: ${checked.error}`);
  }
  out.sources = o.skipSources ? [] : checkSources(file.sources, o.sourceTypes, problems);
  if (problems.length) throw new ConfigError(problems);

  if (out.tokenSecret === undefined)
    out.tokenSecret =
      typeof out.dataDir === 'string' ? dataDirSecret(out.dataDir) : randomBytes(32).toString('base64url');
  return out as unknown as BridgeConfig;
}

/** `--help` text: every flag and variable with its default. */
export function configHelp(): string {
  return SETTINGS.map((s) => {
    const flag = s.flag ? `--${s.flag}` : '(no flag)';
    const def = s.default === undefined ? '' : ` [default ${JSON.stringify(s.default)}]`;
    return `  ${flag.padEnd(24)} ${(ENV_PREFIX + s.env).padEnd(36)} ${s.help}${def}`;
  }).join('\n');
}
