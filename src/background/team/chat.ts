/**
 * Messages between colleagues: sending (with the server's result and, later, delivery and read
 * receipts), arrivals (history, notification, unread count on the badge), and reading a
 * conversation (marks it read and tells the sender). Text stays untrusted text throughout.
 */
import browser from 'webextension-polyfill';
import { t } from '../../i18n';
import { displayText } from '../../shared/format';
import { log } from '../../shared/log';
import { failure, notConnected } from '../../shared/outcome';
import { LIMITS, type ServerFrameOf } from '../../shared/protocol';
import { advance, type ChatMessage, matchesMessage, messageProblem } from '../../shared/team/messages';
import type { ChatSendResult, ConversationSummary } from '../../shared/team/view';
import { updateBadge } from '../pbx/badge';
import { currentConnector } from '../pbx/connection';
import { getSettings } from '../settings';
import { mutate, readState } from '../storage/state';
import { MessageStore } from './db';
import { chatOn, ownExtension } from './self';
import { loadDirectory, nudgeWatchers } from './store';

export const messages = new MessageStore();
export const CHAT_NOTIFICATION = 'popline-chat-';
const MAX_MESSAGES = 20_000;
/**
 * Receipts for ids not stored yet: the server may deliver a message (and say so) before its
 * `result` reaches the sender's worker. Kept in memory (the send that waits for it is too), bounded.
 */
const early = new Map<string, 'delivered' | 'read'>();
const MAX_EARLY = 500;

async function displayName(extension: string): Promise<string> {
  const user = (await loadDirectory()).users.get(extension);
  return displayText(user?.fullName || user?.name || user?.nickname, 64) || extension;
}

async function setUnread(peer: string, change: (count: number) => number): Promise<void> {
  const changed = await mutate((state) => {
    const unread = new Map(Object.entries(state.team.unread));
    const before = unread.get(peer) ?? 0;
    const next = change(before);
    if (next === before) return false;
    if (next > 0) unread.set(peer, next);
    else unread.delete(peer);
    state.team = { ...state.team, unread: Object.fromEntries(unread) };
    updateBadge(state);
    return true;
  });
  if (changed) nudgeWatchers();
}

export async function onMessageReceived(frame: ServerFrameOf<'messageReceived'>): Promise<void> {
  if (await messages.get(frame.id)) return; // Sent again after a reconnect.
  const me = await ownExtension();
  const outgoing = frame.from === me;
  const time = Date.parse(frame.time);
  const message: ChatMessage = {
    id: frame.id,
    peer: outgoing ? frame.to : frame.from,
    direction: outgoing ? 'out' : 'in',
    content: frame.content.slice(0, LIMITS.message),
    time: Number.isFinite(time) ? time : Date.now(),
    ...(outgoing ? { delivery: 'sent' as const } : { read: false }),
  };
  await messages.put(message);
  if (outgoing) return;
  await setUnread(message.peer, (count) => count + 1);
  const settings = await getSettings();
  if (!settings.cards.notifications) return;
  const name = await displayName(message.peer);
  browser.notifications
    .create(CHAT_NOTIFICATION + message.peer, {
      type: 'basic',
      iconUrl: browser.runtime.getURL('icons/icon-128.png'),
      title: t('chatNotifyTitle', name),
      message: displayText(message.content, 200),
    })
    .catch((error) => log.warn('message notification failed', error));
}

export async function onMessageStatus(frame: ServerFrameOf<'messageStatus'>): Promise<void> {
  const found = new Set<string>();
  await messages.update(frame.ids, (message) => {
    found.add(message.id);
    if (message.direction !== 'out' || message.peer !== frame.by) return undefined;
    const delivery = advance(message.delivery, frame.state);
    return delivery === message.delivery ? undefined : { ...message, delivery };
  });
  for (const id of frame.ids) {
    if (found.has(id)) continue;
    early.set(id, advance(early.get(id), frame.state) as 'delivered' | 'read');
    if (early.size > MAX_EARLY) early.delete(early.keys().next().value as string);
  }
}

export async function sendChat(to: string, content: string): Promise<ChatSendResult> {
  const problem = messageProblem(content);
  if (problem) return failure(problem === 'empty' ? 'empty' : 'tooLong', '');
  const state = await readState();
  const connector = currentConnector();
  if (!connector || state.connection.state !== 'ACCESS_GRANTED') return notConnected();
  if (!chatOn(state) || !connector.teamCommand) return failure('unsupported', 'the server offers no messages');
  const local: ChatMessage = {
    id: `local:${crypto.randomUUID()}`,
    peer: to,
    direction: 'out',
    content,
    time: Date.now(),
    delivery: 'sending',
  };
  await messages.put(local);
  const result = await connector.teamCommand({ op: 'sendMessage', to, content });
  if (!result.ok) {
    const code = result.code === 'confirm' ? 'failed' : result.code;
    const detail = displayText(result.message, 200);
    const failed: ChatMessage = { ...local, delivery: 'failed', error: code, ...(detail ? { detail } : {}) };
    await messages.put(failed);
    return { ...failure(code, result.message), sent: failed };
  }
  const sent: ChatMessage = { ...local, id: result.messageId ?? local.id, delivery: 'sent' };
  // A receipt may have come before the result: keep the furthest state.
  const receipt = result.messageId ? early.get(result.messageId) : undefined;
  if (receipt && result.messageId) {
    sent.delivery = advance('sent', receipt);
    early.delete(result.messageId);
  }
  await messages.rename(local.id, sent);
  return { ok: true, message: sent };
}

/** A conversation opened in the popup: its newest messages; what was unread is now read (and the sender told). */
export async function readConversation(peer: string, before?: number): Promise<ChatMessage[]> {
  const list = await messages.conversation(peer, 100, before);
  const unread = await messages.unreadFrom(peer);
  if (unread.length) {
    const ids = unread.map((message) => message.id);
    await messages.update(ids, (message) => ({ ...message, read: true }));
    const connector = currentConnector();
    if (connector?.teamCommand && chatOn(await readState())) {
      for (let i = 0; i < ids.length; i += LIMITS.messageIds)
        void connector.teamCommand({ op: 'markRead', ids: ids.slice(i, i + LIMITS.messageIds) }).catch(() => undefined);
    }
  }
  await setUnread(peer, () => 0);
  void browser.notifications.clear(CHAT_NOTIFICATION + peer).catch(() => undefined);
  return list.map((message) => (message.direction === 'in' ? { ...message, read: true } : message));
}

export async function conversationList(): Promise<ConversationSummary[]> {
  const [latest, state] = await Promise.all([messages.conversations(100), readState()]);
  const unread = new Map(Object.entries(state.team.unread));
  return latest.map((last) => ({ peer: last.peer, last, unread: unread.get(last.peer) ?? 0 }));
}

export const searchChat = (query: string) => messages.search((message) => matchesMessage(message, query), 100);

/** Retention with the call history's days, on the call history's alarm. */
export async function retainMessages(): Promise<void> {
  const settings = await getSettings();
  await messages.retain(settings.history.retentionDays, MAX_MESSAGES);
}

/** A click on a message notification: the popup, where the conversation is (where the browser lets us open it). */
export async function onChatNotificationClicked(id: string): Promise<void> {
  if (!id.startsWith(CHAT_NOTIFICATION)) return;
  await browser.notifications.clear(id).catch(() => undefined);
  const action = browser.action as unknown as { openPopup?: () => Promise<void> };
  await action.openPopup?.().catch(() => undefined);
}
