/** The team's messages (shared/messages.ts): presence for the popup, own availability, favourites, messages, links. */
import browser from 'webextension-polyfill';
import type { Handlers } from '../../shared/messages';
import { failure } from '../../shared/outcome';
import { safeLink } from '../../shared/team/messages';
import type { TeamView } from '../../shared/team/view';
import { readState } from '../storage/state';
import { setAvailability } from '.';
import { conversationList, readConversation, searchChat, sendChat } from './chat';
import { chatOn, ownExtension, presenceOn } from './self';
import { loadDirectory, presenceSince } from './store';

const MAX_FAVOURITES = 500;

async function favourites(): Promise<string[]> {
  const { teamFavourites } = await browser.storage.local.get('teamFavourites');
  return Array.isArray(teamFavourites)
    ? teamFavourites.filter((x): x is string => typeof x === 'string').slice(0, MAX_FAVOURITES)
    : [];
}

export const teamHandlers: Pick<
  Handlers,
  | 'teamView'
  | 'teamSetAvailability'
  | 'teamFavourite'
  | 'chatConversations'
  | 'chatConversation'
  | 'chatSend'
  | 'chatSearch'
  | 'openLink'
> = {
  async teamView({ dirRev = -1, presRev = -1 }) {
    const state = await readState();
    const view: TeamView = {
      hasPresence: presenceOn(state),
      hasChat: chatOn(state),
      me: await ownExtension(state),
      unread: state.team.unread,
      favourites: await favourites(),
      dirRev: 0,
      presRev: 0,
    };
    if (state.team.self) view.self = state.team.self;
    if (!view.hasPresence) return view;
    const directory = await loadDirectory();
    view.dirRev = directory.dirRev;
    view.presRev = directory.presRev;
    const newDirectory = dirRev !== directory.dirRev;
    if (newDirectory) view.users = [...directory.users.values()];
    const presence = presenceSince(directory, newDirectory ? -1 : presRev);
    if (presence.full || presence.states.length) {
      view.presence = presence.states;
      view.full = presence.full;
    }
    return view;
  },
  teamSetAvailability: (request) => setAvailability(request),
  async teamFavourite({ extension, on }) {
    const list = (await favourites()).filter((x) => x !== extension);
    const next = on ? [extension, ...list].slice(0, MAX_FAVOURITES) : list;
    await browser.storage.local.set({ teamFavourites: next });
    return next;
  },
  chatConversations: () => conversationList(),
  chatConversation: ({ peer, before }) => readConversation(peer, before),
  chatSend: ({ to, content }) => sendChat(to, content),
  chatSearch: ({ query }) => (query.trim() ? searchChat(query) : Promise.resolve([])),
  async openLink({ url }) {
    const href = safeLink(url);
    if (!href) return failure('refused', 'only http and https links open');
    await browser.tabs.create({ url: href, active: true });
    return { ok: true };
  },
};
