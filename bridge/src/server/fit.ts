/**
 * Keeps every frame the bridge sends within the protocol's 65,536 bytes: a session's customData goes
 * first, then (for lists) the calls furthest from the agent. Cutting is logged by the caller.
 */
import type { CtiSession } from '../../../src/shared/protocol';
import { numberKey } from '../sources/query';
import type { Connection } from './connection';

/** Room for the frame around a session (op, seq and punctuation). */
const ENVELOPE = 256;

export function fitSession(session: CtiSession, limit: number): CtiSession {
  if (!session.customData || JSON.stringify(session).length * 3 + ENVELOPE <= limit) return session;
  if (Buffer.byteLength(JSON.stringify(session)) + ENVELOPE <= limit) return session;
  const { customData: _dropped, ...rest } = session;
  return rest;
}

type Item = { caller: string; callee: string; customData?: Record<string, string> };

export function fitSessions<T extends Item>(
  items: T[],
  c: Pick<Connection, 'numbers'>,
  limit: number,
  render: (items: T[]) => string,
): { text: string; dropped: number } {
  const fits = (text: string) => text.length * 3 <= limit || Buffer.byteLength(text) <= limit;
  let text = render(items);
  if (fits(text)) return { text, dropped: 0 };
  const bare = items.map((item) => {
    if (!item.customData) return item;
    const { customData: _dropped, ...rest } = item;
    return rest as T;
  });
  text = render(bare);
  if (fits(text)) return { text, dropped: 0 };
  // The agent's own calls first, then the rest, cut to what fits (binary search on the count).
  const own = (item: T) => c.numbers.includes(numberKey(item.caller)) || c.numbers.includes(numberKey(item.callee));
  const ordered = [...bare.filter(own), ...bare.filter((item) => !own(item))];
  let low = 0;
  let high = ordered.length;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (fits(render(ordered.slice(0, mid)))) low = mid;
    else high = mid - 1;
  }
  return { text: render(ordered.slice(0, low)), dropped: ordered.length - low };
}
