/** Who the agent is on the team, and which team features are on now. */
import { effectiveAvailability } from '../../shared/team/presence';
import { getSettings } from '../settings';
import type { RuntimeState } from '../storage';
import { readState } from '../storage/state';

/** The agent's own extension: as the server granted it, else as set. */
export async function ownExtension(state?: RuntimeState): Promise<string> {
  const current = state ?? (await readState());
  return current.connection.extension || (await getSettings()).connection.extension;
}

export const presenceOn = (state: RuntimeState) =>
  state.connection.state === 'ACCESS_GRANTED' && !!state.connection.features?.presence;
export const chatOn = (state: RuntimeState) =>
  state.connection.state === 'ACCESS_GRANTED' && !!state.connection.features?.chat;

/** Whether the agent is in Do Not Disturb now (only where the server offers presence). */
export const inDnd = (state: RuntimeState, now: number) =>
  presenceOn(state) && !!state.team.self && effectiveAvailability(state.team.self, now) === 'dnd';
