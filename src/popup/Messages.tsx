/**
 * Messages between colleagues: the conversations, a search over the history, and one
 * conversation with its delivery states and a composer. Message text is untrusted: drawn as text
 * (Preact text nodes), its http(s) links shown as links that open only on a click, in a new tab,
 * through the background.
 */
import { useEffect, useState } from 'preact/hooks';
import { displayText } from '../shared/format';
import { type ChatMessage, type Delivery, MESSAGE_MAX, messageProblem, splitLinks } from '../shared/team/messages';
import type { ConversationSummary } from '../shared/team/view';
import { callTime, failureText } from '../ui/format';
import { send, t } from '../ui/messenger';
import type { TeamData } from './teamData';

const CONVERSATION_POLL_MS = 1000;
const DELIVERY_KEY: Record<Delivery, string> = {
  sending: 'deliverySending',
  sent: 'deliverySent',
  delivered: 'deliveryDelivered',
  read: 'deliveryRead',
  failed: 'deliveryFailed',
};

/** Message text as text, with its links as buttons that open them (never followed by themselves). */
export function MessageText({ content }: { content: string }) {
  return (
    <p class="message-text">
      {splitLinks(content).map((part, index) =>
        part.kind === 'text' ? (
          <span key={index}>{part.text}</span>
        ) : (
          <a
            key={index}
            href={part.href}
            class="message-link"
            rel="noopener noreferrer"
            title={part.href}
            onClick={(event) => {
              event.preventDefault();
              void send('openLink', { url: part.href }).catch(() => undefined);
            }}
          >
            {part.text}
          </a>
        ),
      )}
    </p>
  );
}

function deliveryText(message: ChatMessage): string {
  if (message.direction !== 'out' || !message.delivery) return '';
  if (message.delivery === 'failed')
    return `${t('deliveryFailed')} ${failureText(message.error ?? 'failed', message.detail ?? '')}`;
  return t(DELIVERY_KEY[message.delivery]);
}

function MessageItem({ message, name }: { message: ChatMessage; name: string }) {
  return (
    <li class="message" data-direction={message.direction} data-delivery={message.delivery ?? ''} data-id={message.id}>
      <p class="message-meta">
        <span>{message.direction === 'out' ? t('chatYou') : name}</span>
        <span>{callTime(message.time)}</span>
      </p>
      <MessageText content={message.content} />
      {message.direction === 'out' ? (
        <p class={message.delivery === 'failed' ? 'delivery error' : 'delivery'}>{deliveryText(message)}</p>
      ) : null}
    </li>
  );
}

export interface MessagesProps {
  team: TeamData;
  peer: string | null;
  onPeer(peer: string | null): void;
}

export function Messages({ team, peer, onPeer }: MessagesProps) {
  if (peer) return <Conversation team={team} peer={peer} onBack={() => onPeer(null)} />;
  return <Conversations team={team} onPeer={onPeer} />;
}

function Conversations({ team, onPeer }: { team: TeamData; onPeer(peer: string): void }) {
  const [list, setList] = useState<ConversationSummary[] | null>(null);
  const [query, setQuery] = useState('');
  const [found, setFound] = useState<ChatMessage[] | null>(null);
  useEffect(() => {
    let live = true;
    const load = () =>
      send('chatConversations', {}).then(
        (value) => live && setList(value),
        () => undefined,
      );
    void load();
    const timer = setInterval(load, CONVERSATION_POLL_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, []);
  useEffect(() => {
    if (!query.trim()) return setFound(null);
    let live = true;
    const timer = setTimeout(
      () =>
        send('chatSearch', { query }).then(
          (value) => live && setFound(value),
          () => undefined,
        ),
      150,
    );
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [query]);
  const name = (extension: string) => team.names.get(extension) ?? extension;
  return (
    <section class="messages" aria-labelledby="messages-title">
      <h2 id="messages-title">{t('messagesTitle')}</h2>
      <input
        type="search"
        value={query}
        placeholder={t('chatSearchPlaceholder')}
        aria-label={t('chatSearchLabel')}
        onInput={(event) => setQuery(event.currentTarget.value)}
      />
      {found ? (
        found.length ? (
          <ul class="message-list">
            {found.map((message) => (
              <li key={message.id} class="conversation">
                <button type="button" class="link" onClick={() => onPeer(message.peer)}>
                  {name(message.peer)}
                </button>
                <MessageText content={message.content} />
              </li>
            ))}
          </ul>
        ) : (
          <p class="empty">{t('chatNoMatch')}</p>
        )
      ) : list?.length ? (
        <ul class="conversation-list">
          {list.map((item) => (
            <li key={item.peer} class="conversation" data-peer={item.peer} data-unread={item.unread}>
              <button type="button" class="conversation-open" onClick={() => onPeer(item.peer)}>
                <span class="name">{name(item.peer)}</span>
                {item.unread ? <span class="unread">{t('chatUnread', String(item.unread))}</span> : null}
                <span class="preview">{displayText(item.last.content, 80)}</span>
              </button>
            </li>
          ))}
        </ul>
      ) : (
        <p class="empty">{list ? t('chatEmpty') : t('statusLoading')}</p>
      )}
    </section>
  );
}

function Conversation({ team, peer, onBack }: { team: TeamData; peer: string; onBack(): void }) {
  const [messages, setMessages] = useState<ChatMessage[]>([]);
  const [draft, setDraft] = useState('');
  const [problem, setProblem] = useState('');
  const [sending, setSending] = useState(false);
  const name = team.names.get(peer) ?? peer;
  const load = () => send('chatConversation', { peer }).then(setMessages, () => undefined);
  useEffect(() => {
    void load();
    const timer = setInterval(load, CONVERSATION_POLL_MS);
    return () => clearInterval(timer);
  }, [peer]);
  const tooLong = messageProblem(draft) === 'tooLong';
  const submit = async () => {
    const check = messageProblem(draft);
    if (check) return setProblem(failureText(check, String(MESSAGE_MAX)));
    setSending(true);
    setProblem('');
    try {
      const result = await send('chatSend', { to: peer, content: draft });
      if (result.ok) setDraft('');
      else setProblem(failureText(result.code, result.message));
    } catch (error) {
      setProblem(failureText('failed', String((error as Error)?.message ?? error)));
    }
    setSending(false);
    void load();
  };
  return (
    <section class="conversation-view" aria-labelledby="conversation-title">
      <div class="conversation-head">
        <button type="button" class="link" onClick={onBack}>
          {t('chatBack')}
        </button>
        <h2 id="conversation-title">{name}</h2>
      </div>
      {messages.length ? (
        <ul class="message-list" aria-live="polite">
          {messages.map((message) => (
            <MessageItem key={message.id} message={message} name={name} />
          ))}
        </ul>
      ) : (
        <p class="empty">{t('chatNoMessages')}</p>
      )}
      <form
        class="composer"
        onSubmit={(event) => {
          event.preventDefault();
          void submit();
        }}
      >
        <textarea
          value={draft}
          rows={2}
          aria-label={t('chatComposeLabel', name)}
          aria-invalid={tooLong}
          onInput={(event) => setDraft(event.currentTarget.value)}
          onKeyDown={(event) => {
            if (event.key === 'Enter' && !event.shiftKey) {
              event.preventDefault();
              void submit();
            }
          }}
        />
        <span class={tooLong ? 'counter error' : 'counter'}>
          {t('chatCounter', String([...draft].length), String(MESSAGE_MAX))}
        </span>
        <button type="submit" class="primary" disabled={sending || !draft.trim() || tooLong}>
          {t('chatSend')}
        </button>
      </form>
      {problem ? (
        <p class="error" role="alert">
          {problem}
        </p>
      ) : null}
    </section>
  );
}
