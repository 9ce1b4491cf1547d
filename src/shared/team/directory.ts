/**
 * The team list: colleagues with their presence, searched and sorted for the popup. Built once per
 * directory change (lower-cased haystacks), so a keystroke over 2,000 colleagues is one pass of
 * `includes` calls.
 */
import { displayText } from '../format';
import type { ClientState, DirectoryUser } from '../protocol';
import { presenceTone } from './presence';

/** A colleague as the popup shows them: display text only. */
export interface TeamMember {
  extension: string;
  name: string;
  /** Full name, nickname or e-mail, when they add something to the name. */
  detail?: string;
  state?: ClientState;
}

export interface TeamIndex {
  members: TeamMember[];
  haystacks: string[];
}

const fold = (text: string) => text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();

export function memberOf(user: DirectoryUser, state: ClientState | undefined): TeamMember {
  const name = displayText(user.fullName || user.name || user.nickname || state?.nickname, 128) || user.extension;
  const extra = [user.name, user.nickname ?? state?.nickname]
    .map((part) => displayText(part, 64))
    .filter((part) => part && part !== name);
  const detail = [...new Set(extra)].join(' · ');
  return { extension: user.extension, name, ...(detail ? { detail } : {}), ...(state ? { state } : {}) };
}

export function buildIndex(members: readonly TeamMember[]): TeamIndex {
  const sorted = [...members].sort((a, b) => a.name.localeCompare(b.name) || a.extension.localeCompare(b.extension));
  return {
    members: sorted,
    haystacks: sorted.map((member) => fold(`${member.name} ${member.detail ?? ''} ${member.extension}`)),
  };
}

export interface TeamSearch {
  query: string;
  favourites: ReadonlySet<string>;
  /** Leave out the agent's own row. */
  me?: string;
  limit: number;
  now: number;
}

/** Matching colleagues: favourites first, then the rest, each group by name; at most `limit`, and how many matched. */
export function searchTeam(index: TeamIndex, search: TeamSearch): { members: TeamMember[]; total: number } {
  const words = fold(search.query).split(/\s+/).filter(Boolean);
  const favourites: TeamMember[] = [];
  const others: TeamMember[] = [];
  for (let i = 0; i < index.members.length; i++) {
    const member = index.members[i] as TeamMember;
    if (member.extension === search.me) continue;
    const haystack = index.haystacks[i] as string;
    if (!words.every((word) => haystack.includes(word))) continue;
    (search.favourites.has(member.extension) ? favourites : others).push(member);
  }
  const total = favourites.length + others.length;
  return { members: [...favourites, ...others].slice(0, search.limit), total };
}

/** Colleagues free to take a transfer, for the "who is free" hint. */
export const freeCount = (members: readonly TeamMember[], now: number) =>
  members.filter((member) => presenceTone(member.state, now) === 'free').length;
