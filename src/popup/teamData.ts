/**
 * The popup's copy of the team: polled while the popup is open, asking only for what changed
 * since the revisions it has (the directory once, then presence deltas), and indexed for search.
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import browser from 'webextension-polyfill';
import { TEAM_PORT } from '../shared/ports';
import type { ClientState, DirectoryUser } from '../shared/protocol';
import { buildIndex, memberOf, type TeamIndex } from '../shared/team/directory';
import type { TeamView } from '../shared/team/view';
import { send } from '../ui/messenger';

/** The background says when the team changed (a port); the poll is the fallback while the worker wakes. */
const TEAM_POLL_MS = 1000;

export interface TeamData {
  view: Omit<TeamView, 'users' | 'presence' | 'full'>;
  index: TeamIndex;
  /** Colleagues' display names by extension (messages, transfers). */
  names: Map<string, string>;
}

interface Held {
  users: DirectoryUser[];
  presence: Map<string, ClientState>;
  dirRev: number;
  presRev: number;
}

/** Applies one answer to what the popup holds; true when the list must be rebuilt. */
export function applyTeamView(held: Held, view: TeamView): boolean {
  let changed = false;
  if (view.users) {
    held.users = view.users;
    changed = true;
  }
  if (view.presence) {
    if (view.full) held.presence = new Map();
    for (const state of view.presence) held.presence.set(state.phoneNumber, state);
    changed = true;
  }
  held.dirRev = view.dirRev;
  held.presRev = view.presRev;
  return changed;
}

export function teamIndex(held: Held): TeamIndex {
  return buildIndex(held.users.map((user) => memberOf(user, held.presence.get(user.extension))));
}

export function useTeam(): TeamData | null {
  const held = useRef<Held>({ users: [], presence: new Map(), dirRev: -1, presRev: -1 });
  const [view, setView] = useState<TeamData['view'] | null>(null);
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    let live = true;
    // One ask at a time (a delta applies only on top of the answer before it); a nudge meanwhile asks again after.
    let asking = false;
    let again = false;
    const ask = async () => {
      const { dirRev, presRev } = held.current;
      const answer = await send('teamView', dirRev < 0 ? {} : { dirRev, presRev });
      if (!live) return;
      if (applyTeamView(held.current, answer)) setGeneration((n) => n + 1);
      const { users: _u, presence: _p, full: _f, ...rest } = answer;
      setView((old) => (old && JSON.stringify(old) === JSON.stringify(rest) ? old : rest));
    };
    const refresh = async () => {
      if (asking) {
        again = true;
        return;
      }
      asking = true;
      try {
        do {
          again = false;
          await ask().catch(() => undefined); // The worker is waking up: the next nudge or poll asks again.
        } while (again && live);
      } finally {
        asking = false;
      }
    };
    void refresh();
    const timer = setInterval(refresh, TEAM_POLL_MS);
    let port: ReturnType<typeof browser.runtime.connect> | undefined;
    let refusals = 0;
    const watch = () => {
      const since = Date.now();
      try {
        port = browser.runtime.connect({ name: TEAM_PORT });
        port.onMessage.addListener(() => void refresh());
        // A stopped worker breaks the port: watch again (which wakes the worker), and ask. A port
        // closed at once is refused: after three, the poll alone does.
        port.onDisconnect.addListener(() => {
          refusals = Date.now() - since < 1000 ? refusals + 1 : 0;
          if (!live || refusals >= 3) return;
          setTimeout(watch, 200);
          void refresh();
        });
      } catch {
        // Not in an extension page (tests): the poll does.
      }
    };
    watch();
    return () => {
      live = false;
      clearInterval(timer);
      port?.disconnect();
    };
  }, []);
  const index = useMemo(() => teamIndex(held.current), [generation]);
  const names = useMemo(() => new Map(index.members.map((member) => [member.extension, member.name])), [index]);
  return view ? { view, index, names } : null;
}
