/**
 * The Team view: colleagues with live presence (colour and words, both axes), a search that
 * stays fast for thousands of them (the list shows the first 100 matches), favourites on top,
 * one click to call (the dial policy, as the dialler), to message, and during a call
 * "Transfer to …" (the transfer path of the call controls), saying whether they are free.
 */
import { useMemo, useState } from 'preact/hooks';
import type { CardView } from '../shared/cards';
import { displayText } from '../shared/format';
import { type ActionResult, failure } from '../shared/outcome';
import { searchTeam, type TeamMember } from '../shared/team/directory';
import { isFree, presenceKeys, presenceTone } from '../shared/team/presence';
import { send, t } from '../ui/messenger';
import { placeCall, resultText } from './dial';
import type { TeamData } from './teamData';

/** Rows drawn at first (a popup shows about ten): a keystroke redraws at most these; "Show more" adds pages. */
const SHOWN = 25;

export interface TeamProps {
  team: TeamData;
  canDial: boolean;
  /** The call a colleague can take over ("Transfer to …"), when there is one and control is granted. */
  transferable?: CardView | undefined;
  onMessage(extension: string): void;
  onFavourites(list: string[]): void;
}

export function presenceText(member: TeamMember, now: number): string {
  const keys = presenceKeys(member.state, now);
  const note = member.state?.note ? displayText(member.state.note, 140) : '';
  return [t(keys.phone), keys.availability ? t(keys.availability) : '', note].filter(Boolean).join(' · ');
}

export function Team({ team, canDial, transferable, onMessage, onFavourites }: TeamProps) {
  const [query, setQuery] = useState('');
  const [limit, setLimit] = useState(SHOWN);
  const favourites = useMemo(() => new Set(team.view.favourites), [team.view.favourites]);
  const now = Date.now();
  const found = useMemo(
    () => searchTeam(team.index, { query, favourites, me: team.view.me, limit, now }),
    [team.index, query, favourites, team.view.me, limit],
  );
  return (
    <section class="team" aria-labelledby="team-title">
      <h2 id="team-title">{t('teamTitle')}</h2>
      <input
        type="search"
        class="team-search"
        value={query}
        placeholder={t('teamSearchPlaceholder')}
        aria-label={t('teamSearchLabel')}
        onInput={(event) => {
          setQuery(event.currentTarget.value);
          setLimit(SHOWN);
        }}
      />
      {found.members.length ? (
        <ul class="team-list">
          {found.members.map((member, index) => (
            <TeamRow
              // By place, not by colleague: a keystroke then patches rows instead of rebuilding them
              // (each row's own state is tied to its colleague: TeamRow).
              key={index}
              member={member}
              favourite={favourites.has(member.extension)}
              canDial={canDial}
              canMessage={team.view.hasChat}
              unread={team.view.unread[member.extension] ?? 0}
              transferable={transferable}
              now={now}
              onMessage={onMessage}
              onFavourites={onFavourites}
            />
          ))}
        </ul>
      ) : (
        <p class="empty">{query ? t('teamNoMatch') : t('teamEmpty')}</p>
      )}
      {found.total > found.members.length ? (
        <p class="hint team-more">
          <span>{t('teamMore', String(found.members.length), String(found.total))}</span>{' '}
          <button type="button" class="link" onClick={() => setLimit(limit + 100)}>
            {t('teamShowMore')}
          </button>
        </p>
      ) : null}
    </section>
  );
}

interface RowProps {
  member: TeamMember;
  favourite: boolean;
  canDial: boolean;
  canMessage: boolean;
  unread: number;
  transferable: CardView | undefined;
  now: number;
  onMessage(extension: string): void;
  onFavourites(list: string[]): void;
}

function TeamRow({
  member,
  favourite,
  canDial,
  canMessage,
  unread,
  transferable,
  now,
  onMessage,
  onFavourites,
}: RowProps) {
  // A row is reused for another colleague as the search changes: what it said belongs to the one it was for.
  const [saidFor, setSaidFor] = useState<{ for: string; ok: boolean; text: string } | null>(null);
  const [askingFor, setAskingFor] = useState<{ for: string; text: string; run: () => void } | null>(null);
  const mine = member.extension;
  const said = saidFor?.for === mine ? saidFor : null;
  const asking = askingFor?.for === mine ? askingFor : null;
  const setSaid = (value: { ok: boolean; text: string }) => setSaidFor({ for: mine, ...value });
  const setAsking = (value: { text: string; run: () => void } | null) =>
    setAskingFor(value ? { for: mine, ...value } : null);
  const tone = presenceTone(member.state, now);
  const free = isFree(member.state, now);
  const call = async (confirmed = false) => {
    setAsking(null);
    const result = await placeCall(member.extension, confirmed);
    if (result.confirm) setAsking({ text: result.confirm, run: () => void call(true) });
    else setSaid({ ok: result.ok, text: result.text });
  };
  const transfer = async (confirmed = false) => {
    if (!transferable) return;
    setAsking(null);
    let result: ActionResult;
    try {
      result = await send('callAction', {
        sessionId: transferable.sessionId,
        action: 'blindTransfer',
        target: member.extension,
        ...(confirmed ? { confirmed } : {}),
      });
    } catch (error) {
      result = failure('failed', String((error as Error)?.message ?? error));
    }
    if (!result.ok && result.code === 'confirm') {
      const why = result.reasons.map((reason) => t(`clickDialReason_${reason}`)).join(' ');
      setAsking({
        text: `${t('transferConfirmTitle', displayText(result.message, 64))} ${why}`,
        run: () => void transfer(true),
      });
    } else
      setSaid(
        result.ok ? { ok: true, text: t('transferStarted', member.name) } : { ok: false, text: resultText(result) },
      );
  };
  const toggle = async () => {
    try {
      onFavourites(await send('teamFavourite', { extension: member.extension, on: !favourite }));
    } catch {
      // The next poll shows the stored list.
    }
  };
  return (
    <li class="team-row" data-extension={member.extension} data-tone={tone}>
      <div class="team-line">
        <button
          type="button"
          class="icon favourite"
          aria-pressed={favourite}
          aria-label={t(favourite ? 'teamUnfavourite' : 'teamFavourite', member.name)}
          onClick={() => void toggle()}
        >
          {favourite ? '★' : '☆'}
        </button>
        <span class="presence-dot" data-tone={tone} aria-hidden="true" />
        <span class="name">{member.name}</span>
        <span class="extension">{member.extension}</span>
      </div>
      <p class="presence" data-tone={tone}>
        {presenceText(member, now)}
      </p>
      {member.detail ? <p class="detail">{member.detail}</p> : null}
      <div class="team-actions">
        <button type="button" disabled={!canDial} onClick={() => void call()} aria-label={t('teamCall', member.name)}>
          {t('teamCallShort')}
        </button>
        {canMessage ? (
          <button type="button" onClick={() => onMessage(member.extension)} aria-label={t('teamMessage', member.name)}>
            {unread ? t('teamMessageUnread', String(unread)) : t('teamMessageShort')}
          </button>
        ) : null}
        {transferable ? (
          <button type="button" class={free ? 'primary' : ''} data-free={free} onClick={() => void transfer()}>
            {t(free ? 'teamTransferFree' : 'teamTransferBusy', member.name)}
          </button>
        ) : null}
      </div>
      {asking ? (
        <div class="confirm" role="alertdialog">
          <p>{asking.text}</p>
          <button type="button" class="primary" onClick={asking.run}>
            {t('confirmYes')}
          </button>
          <button type="button" onClick={() => setAsking(null)}>
            {t('cancel')}
          </button>
        </div>
      ) : null}
      {said ? (
        <p class={said.ok ? 'ok' : 'error'} role={said.ok ? 'status' : 'alert'}>
          {said.text}
        </p>
      ) : null}
    </li>
  );
}
