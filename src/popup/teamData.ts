/**
 * The popup's copy of the team: polled while the popup is open, asking only for what changed
 * since the revisions it has (the directory once, then presence deltas), and indexed for search.
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { ClientState, DirectoryUser } from '../shared/protocol';
import { buildIndex, memberOf, type TeamIndex } from '../shared/team/directory';
import type { TeamView } from '../shared/team/view';
import { send } from '../ui/messenger';

const TEAM_POLL_MS = 400;

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
    const refresh = async () => {
      try {
        const { dirRev, presRev } = held.current;
        const answer = await send('teamView', dirRev < 0 ? {} : { dirRev, presRev });
        if (!live) return;
        if (applyTeamView(held.current, answer)) setGeneration((n) => n + 1);
        const { users: _u, presence: _p, full: _f, ...rest } = answer;
        setView((old) => (old && JSON.stringify(old) === JSON.stringify(rest) ? old : rest));
      } catch {
        // The worker is waking up: the next poll asks again.
      }
    };
    void refresh();
    const timer = setInterval(refresh, TEAM_POLL_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, []);
  const index = useMemo(() => teamIndex(held.current), [generation]);
  const names = useMemo(() => new Map(index.members.map((member) => [member.extension, member.name])), [index]);
  return view ? { view, index, names } : null;
}
