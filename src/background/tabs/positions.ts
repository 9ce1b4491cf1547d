/** Card positions per site, cached for this worker life (pushes must not wait on storage). */
import type { CardPosition } from '../../shared/cards';
import { positionStore } from '../storage';

const cache = new Map<string, Promise<CardPosition | undefined>>();

export function positionFor(origin: string): Promise<CardPosition | undefined> {
  let position = cache.get(origin);
  if (!position) {
    position = positionStore.get(origin);
    cache.set(origin, position);
  }
  return position;
}

export async function savePosition(origin: string, position: CardPosition): Promise<void> {
  cache.set(origin, Promise.resolve(position));
  await positionStore.set(origin, position);
}
