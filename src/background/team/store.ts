/**
 * The directory and every colleague's presence, kept in memory and in storage.session (so a
 * stopped worker's popup still shows the team until the reconnect brings a fresh snapshot).
 * Outside ids are `Map` keys, never object keys. Writes are coalesced: on a busy PBX presence
 * changes many times a second, and a lost last write is repaired by the next snapshot.
 */
import browser from 'webextension-polyfill';
import { check } from '../../shared/guard';
import type { ClientState, DirectoryUser } from '../../shared/protocol';
import { clientStateGuard, directoryUserGuard } from '../../shared/protocol';

/** Colleagues kept at most (a directory is announced in pages of 200). */
export const MAX_USERS = 20_000;
/** Presence changes remembered for a popup that asks "what changed since": older asks get all. */
const CHANGE_LOG = 1000;
const FLUSH_MS = 250;

export interface Directory {
  users: Map<string, DirectoryUser>;
  presence: Map<string, ClientState>;
  dirRev: number;
  presRev: number;
  /** Extensions whose presence changed, by the revision that changed it (oldest first). */
  changes: { rev: number; extension: string }[];
  /** The log holds every presence change after this revision. */
  changesFrom: number;
  /** A snapshot being received: the pages so far. */
  incoming?: { pages: number; next: number; users: Map<string, DirectoryUser> };
}

const valid = <T>(guard: (v: unknown) => T, list: unknown): T[] =>
  Array.isArray(list)
    ? list.flatMap((item) => {
        const result = check(guard, item);
        return result.ok ? [result.value] : [];
      })
    : [];

let loaded: Promise<Directory> | undefined;
/** Told (at most every 50 ms) when presence or the directory changed: the open popups' ports. */
const watchers = new Set<() => void>();
let nudgeTimer: ReturnType<typeof setTimeout> | undefined;
export function watchTeam(watcher: () => void): () => void {
  watchers.add(watcher);
  return () => watchers.delete(watcher);
}
export function nudgeWatchers(): void {
  if (nudgeTimer || !watchers.size) return;
  nudgeTimer = setTimeout(() => {
    nudgeTimer = undefined;
    for (const watcher of watchers) watcher();
  }, 50);
}
let flushTimer: ReturnType<typeof setTimeout> | undefined;
const dirty = new Set<'users' | 'presence'>();

export function loadDirectory(): Promise<Directory> {
  loaded ??= browser.storage.session.get(['teamUsers', 'teamPresence', 'teamRev']).then((stored) => {
    const rev = typeof stored.teamRev === 'number' ? stored.teamRev : 0;
    return {
      users: new Map(valid(directoryUserGuard, stored.teamUsers).map((user) => [user.extension, user])),
      presence: new Map(valid(clientStateGuard, stored.teamPresence).map((state) => [state.phoneNumber, state])),
      dirRev: rev,
      presRev: rev,
      changes: [],
      changesFrom: rev,
    };
  });
  return loaded;
}

/** Marks what changed and writes it soon. */
export function saveSoon(directory: Directory, part: 'users' | 'presence'): void {
  dirty.add(part);
  nudgeWatchers();
  if (part === 'users') directory.dirRev = Math.max(directory.dirRev, directory.presRev) + 1;
  else directory.presRev = Math.max(directory.dirRev, directory.presRev) + 1;
  flushTimer ??= setTimeout(() => {
    flushTimer = undefined;
    const write: Record<string, unknown> = { teamRev: Math.max(directory.dirRev, directory.presRev) };
    if (dirty.has('users')) write.teamUsers = [...directory.users.values()];
    if (dirty.has('presence')) write.teamPresence = [...directory.presence.values()];
    dirty.clear();
    void browser.storage.session.set(write).catch(() => undefined);
  }, FLUSH_MS);
}

/** One colleague's presence changed. */
export function setPresence(directory: Directory, state: ClientState): void {
  if (!directory.presence.has(state.phoneNumber) && directory.presence.size >= MAX_USERS) return;
  directory.presence.set(state.phoneNumber, state);
  saveSoon(directory, 'presence');
  directory.changes.push({ rev: directory.presRev, extension: state.phoneNumber });
  if (directory.changes.length > CHANGE_LOG) {
    const dropped = directory.changes.splice(0, directory.changes.length - CHANGE_LOG);
    directory.changesFrom = dropped.at(-1)?.rev ?? directory.changesFrom;
  }
}

/** A page of a directory snapshot; the snapshot replaces the directory once its last page is in. True then. */
export function addDirectoryPage(
  directory: Directory,
  frame: { page: number; pages: number; users: DirectoryUser[] },
): boolean {
  if (frame.page === 1) directory.incoming = { pages: frame.pages, next: 1, users: new Map() };
  const incoming = directory.incoming;
  // A page out of order (or of another snapshot): wait for the next snapshot's first page.
  if (!incoming || frame.page !== incoming.next || frame.pages !== incoming.pages) {
    directory.incoming = undefined;
    return false;
  }
  for (const user of frame.users) if (incoming.users.size < MAX_USERS) incoming.users.set(user.extension, user);
  incoming.next += 1;
  if (frame.page < frame.pages) return false;
  directory.incoming = undefined;
  directory.users = incoming.users;
  const presence = new Map<string, ClientState>();
  for (const user of incoming.users.values()) {
    const state = user.state ?? directory.presence.get(user.extension);
    if (state) presence.set(user.extension, { ...state, phoneNumber: user.extension });
  }
  directory.presence = presence;
  saveSoon(directory, 'users');
  saveSoon(directory, 'presence');
  directory.changes = [];
  directory.changesFrom = directory.presRev;
  return true;
}

/** One user added or changed. */
export function setUser(directory: Directory, user: DirectoryUser): void {
  if (!directory.users.has(user.extension) && directory.users.size >= MAX_USERS) return;
  directory.users.set(user.extension, user);
  saveSoon(directory, 'users');
  if (user.state) setPresence(directory, { ...user.state, phoneNumber: user.extension });
}

/** The presence to send a popup that has seen revision `since`: only the changes when it can, else all. */
export function presenceSince(directory: Directory, since: number): { full: boolean; states: ClientState[] } {
  if (since >= directory.presRev) return { full: false, states: [] };
  if (since >= directory.dirRev && since >= directory.changesFrom) {
    const changed = new Set(directory.changes.filter((change) => change.rev > since).map((c) => c.extension));
    return {
      full: false,
      states: [...changed].flatMap((ext) => {
        const state = directory.presence.get(ext);
        return state ? [state] : [];
      }),
    };
  }
  return { full: true, states: [...directory.presence.values()] };
}

/** Forgets everything (tests). */
export function resetDirectoryForTests(): void {
  loaded = undefined;
  clearTimeout(flushTimer);
  flushTimer = undefined;
  dirty.clear();
}
