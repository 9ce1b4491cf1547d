/**
 * The simulator's team (issue 16): the colleagues it lists, and the control API through which a
 * simulated colleague sets their availability, sends a message or reads what was sent to them. Their
 * phone axis follows the simulated calls (POST /control/call with `from` or `to` = their extension).
 * The presence and chat themselves are the bridge's (bridge/src/server/team.ts).
 */
import { readFile } from 'node:fs/promises';
import type { Team } from '../bridge/src/server/team';
import { arrayOf, check } from '../src/shared/guard';
import {
  AVAILABILITIES,
  type Availability,
  type DirectoryUser,
  directoryUserGuard,
  LIMITS,
} from '../src/shared/protocol';

/** Fictitious colleagues (names, mobiles in the 555 / reserved ranges, example.com e-mails). */
export const DEFAULT_DIRECTORY: DirectoryUser[] = [
  { extension: '1001', name: 'agent', fullName: 'Demo Agent', email: 'agent@example.com', devices: ['1001'] },
  { extension: '1002', name: 'bsmith', fullName: 'Bob Smith', mobile: '+12025550142', email: 'bob@example.com' },
  { extension: '1003', name: 'cnguyen', fullName: 'Chi Nguyen', mobile: '+4915550001003', email: 'chi@example.com' },
  { extension: '1004', name: 'dokafor', fullName: 'Dayo Okafor', mobile: '+447700900104', email: 'dayo@example.com' },
  { extension: '1005', name: 'emuller', fullName: 'Eva Müller', phone: '+4930555105', email: 'eva@example.com' },
  { extension: '1006', name: 'fgarcia', fullName: 'Fernando García', nickname: 'Fer', email: 'fer@example.com' },
];

const directoryGuard = arrayOf(directoryUserGuard, { max: 20_000 });

/** A directory from a JSON file: a list of users, or `{"directory": [...]}` (a scenario file may carry one). */
export async function loadDirectory(file: string): Promise<DirectoryUser[]> {
  const value = JSON.parse(await readFile(file, 'utf8')) as unknown;
  const list = Array.isArray(value) ? value : (value as { directory?: unknown })?.directory;
  const checked = check(directoryGuard, list);
  if (!checked.ok) throw new Error(`${file}: not a directory: ${checked.error}`);
  return checked.value;
}

type Answer = [status: number, body: unknown];

const text = (body: Record<string, unknown>, key: string) => (typeof body[key] === 'string' ? body[key] : undefined);

/**
 * /control/team                          GET: the directory with every colleague's state
 * /control/team/<ext>/availability       POST {availability, note?, until? | forMs?}
 * /control/team/<ext>/message            POST {to, content} -> {messageId}
 * /control/team/<ext>/messages           GET: what is kept for <ext>
 * /control/team/<ext>/read               POST {ids?}: <ext> receives what was kept and reads it (all, or ids)
 */
export async function controlTeam(
  team: Team | undefined,
  method: string,
  ext: string | undefined,
  action: string | undefined,
  body: Record<string, unknown>,
): Promise<Answer> {
  if (!team) return [404, { error: 'the team is off' }];
  if (!ext) {
    const users = team.directory().flatMap((frame) => (JSON.parse(frame) as { users: DirectoryUser[] }).users);
    return [200, { users }];
  }
  if (ext.length > LIMITS.extension) return [400, { error: 'extension too long' }];
  if (action === 'availability' && method === 'POST') {
    const availability = text(body, 'availability') as Availability | undefined;
    if (!availability || !AVAILABILITIES.includes(availability)) {
      return [400, { error: `availability: one of ${AVAILABILITIES.join(', ')}` }];
    }
    const note = text(body, 'note')?.slice(0, LIMITS.note);
    const until =
      typeof body.forMs === 'number' ? new Date(Date.now() + body.forMs).toISOString() : text(body, 'until');
    if (until !== undefined && !Number.isFinite(Date.parse(until))) return [400, { error: 'until: an ISO 8601 time' }];
    await team.set(ext, { availability, ...(note ? { note } : {}), ...(until ? { until } : {}) });
    return [200, { ok: true }];
  }
  if (action === 'message' && method === 'POST') {
    const to = text(body, 'to');
    const content = text(body, 'content');
    if (!to || content === undefined || content.length > LIMITS.message) {
      return [400, { error: `to and content (at most ${LIMITS.message} characters) are required` }];
    }
    const id = await team.say(ext, to, content);
    if (typeof id !== 'string') return [id.ok ? 200 : 400, id];
    return [200, { messageId: id }];
  }
  if (action === 'messages' && method === 'GET') return [200, { messages: await team.pending(ext) }];
  if (action === 'read' && method === 'POST') {
    const received = await team.receive(ext);
    const ids = Array.isArray(body.ids)
      ? body.ids.filter((id): id is string => typeof id === 'string')
      : received.map((m) => m.id);
    await team.read(ext, ids);
    return [200, { received, read: ids }];
  }
  return [404, { error: 'unknown team control path' }];
}
