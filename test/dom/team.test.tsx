/**
 * The team in jsdom, with the background mocked: the Team view (presence in colour and words,
 * search, favourites, call, transfer), own availability (Do Not Disturb says the phone may still
 * ring), the Messages view (hostile text stays text, links open only through the background, on
 * a click), the popup hiding all of it without `features`, and Answer on the ringing card.
 */
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { Card, type CardActions } from '../../src/content/cards/Card';
import { OwnAvailability } from '../../src/popup/Availability';
import { Messages, MessageText } from '../../src/popup/Messages';
import { Popup } from '../../src/popup/Popup';
import { Team } from '../../src/popup/Team';
import { type TeamData, teamIndex } from '../../src/popup/teamData';
import type { CardView } from '../../src/shared/cards';
import { check } from '../../src/shared/guard';
import { MESSAGES, type MessageName, type StatusView } from '../../src/shared/messages';
import type { ClientState, DirectoryUser } from '../../src/shared/protocol';
import type { ChatMessage } from '../../src/shared/team/messages';
import type { TeamView } from '../../src/shared/team/view';
import { mock } from '../support/browserMock';
import { $, freshRootPerTest, root, trustedClick, until } from '../support/dom';

jest.mock('webextension-polyfill', () => require('../support/browserMock').browserModule);

freshRootPerTest();

// Every request the views make must pass the background's validator (the mock router does not check).
afterEach(() => {
  for (const { type, body } of mock.sent) {
    const spec = MESSAGES[type as MessageName];
    expect([type, spec && check(spec.req as (v: unknown) => unknown, body).ok]).toEqual([type, true]);
  }
});

const flush = () => act(async () => new Promise((resolve) => setTimeout(resolve, 0)));
const buttons = () => [...root.querySelectorAll('button')];
const button = (text: string) => buttons().find((b) => b.textContent?.trim() === text) as HTMLButtonElement;
async function click(target: Element) {
  await act(async () => {
    (target as HTMLElement).click();
  });
  await flush();
}
async function type(input: HTMLInputElement | HTMLTextAreaElement, value: string) {
  await act(async () => {
    input.value = value;
    input.dispatchEvent(new Event('input', { bubbles: true }));
  });
}

const NOW = Date.now();
const presence = (phoneNumber: string, over: Partial<ClientState> = {}): ClientState => ({
  phoneNumber,
  status: 'ONLINE',
  phone: 'idle',
  availability: 'available',
  ...over,
});
const USERS: DirectoryUser[] = [
  { extension: '1001', fullName: 'Me Myself' },
  { extension: '1002', fullName: 'Anna Schmidt' },
  { extension: '1003', fullName: 'Béla Kovács' },
  { extension: '1004', fullName: 'Chloé Martin' },
];
const STATES = [
  presence('1002'),
  presence('1003', { phone: 'inCall', availability: 'away', note: 'back at 3' }),
  presence('1004', { status: 'OFFLINE', phone: 'offline' }),
];

function teamData(view: Partial<TeamView> = {}): TeamData {
  const index = teamIndex({
    users: USERS,
    presence: new Map(STATES.map((s) => [s.phoneNumber, s])),
    dirRev: 1,
    presRev: 1,
  });
  return {
    view: { hasPresence: true, hasChat: true, me: '1001', unread: {}, favourites: [], dirRev: 1, presRev: 1, ...view },
    index,
    names: new Map(index.members.map((m) => [m.extension, m.name])),
  };
}
const row = (extension: string) => $(`.team-row[data-extension="${extension}"]`);

const call = (patch: Partial<CardView> = {}): CardView => ({
  sessionId: 's1',
  phase: 'connected',
  rawState: 'InCall',
  stateKnown: true,
  direction: 'inbound',
  number: '+4930123456',
  numberDisplay: '030 123456',
  name: 'Caller',
  startedAt: NOW - 60_000,
  answeredAt: NOW - 50_000,
  ...patch,
});

describe('the Team view', () => {
  test('each colleague with both axes in colour and words; the agent is not listed', () => {
    render(<Team team={teamData()} canDial onMessage={jest.fn()} onFavourites={jest.fn()} />, root);
    expect(row('1001')).toBeNull();
    expect(row('1002').dataset.tone).toBe('free');
    expect(row('1002').querySelector('.presence')?.textContent).toBe('Free · Available');
    expect(row('1003').dataset.tone).toBe('busy');
    expect(row('1003').querySelector('.presence')?.textContent).toBe('On a call · Away · back at 3');
    expect(row('1004').querySelector('.presence')?.textContent).toBe('Offline');
  });

  test('search narrows the list (accents folded); favourites come first and the star is stored', async () => {
    const onFavourites = jest.fn();
    mock.handlers.teamFavourite = (body) => ((body as { on: boolean }).on ? ['1004'] : []);
    const { rerender } = {
      rerender: (data: TeamData) =>
        render(<Team team={data} canDial onMessage={jest.fn()} onFavourites={onFavourites} />, root),
    };
    rerender(teamData());
    await type($<HTMLInputElement>('.team-search'), 'bela');
    expect([...root.querySelectorAll('.team-row')].map((r) => (r as HTMLElement).dataset.extension)).toEqual(['1003']);
    await type($<HTMLInputElement>('.team-search'), '');
    await click(row('1004').querySelector('.favourite') as Element);
    expect(mock.sent.at(-1)).toEqual({ type: 'teamFavourite', body: { extension: '1004', on: true } });
    expect(onFavourites).toHaveBeenCalledWith(['1004']);
    rerender(teamData({ favourites: ['1004'] }));
    expect((root.querySelector('.team-row') as HTMLElement).dataset.extension).toBe('1004');
    expect(row('1004').querySelector('.favourite')?.getAttribute('aria-pressed')).toBe('true');
  });

  test("one click calls a colleague through the dialler's path (the dial message with their extension)", async () => {
    mock.handlers.dial = () => ({ ok: true });
    render(<Team team={teamData()} canDial onMessage={jest.fn()} onFavourites={jest.fn()} />, root);
    await click(row('1002').querySelector('button[aria-label="Call Anna Schmidt"]') as Element);
    expect(mock.sent.at(-1)).toEqual({ type: 'dial', body: { number: '1002' } });
    await until(() => row('1002').querySelector('.ok'));
    // Rows are reused as the search changes: what one said stays with its colleague.
    await type($<HTMLInputElement>('.team-search'), 'bela');
    expect(row('1003').querySelector('.ok')).toBeNull();
    await type($<HTMLInputElement>('.team-search'), '');
    expect(row('1002').querySelector('.ok')).not.toBeNull();
  });

  test('during a call each row offers "Transfer to …", says who is free, and uses the transfer path', async () => {
    mock.handlers.callAction = () => ({ ok: true });
    render(
      <Team team={teamData()} canDial transferable={call()} onMessage={jest.fn()} onFavourites={jest.fn()} />,
      root,
    );
    const free = row('1002').querySelector('button[data-free]') as HTMLButtonElement;
    const busy = row('1003').querySelector('button[data-free]') as HTMLButtonElement;
    expect(free.textContent).toBe('Transfer to Anna Schmidt (free)');
    expect(busy.textContent).toBe('Transfer to Béla Kovács (not free)');
    await click(free);
    expect(mock.sent.at(-1)).toEqual({
      type: 'callAction',
      body: { sessionId: 's1', action: 'blindTransfer', target: '1002' },
    });
  });

  test('no call in progress: no transfer buttons (positive control above)', () => {
    render(<Team team={teamData()} canDial onMessage={jest.fn()} onFavourites={jest.fn()} />, root);
    expect(root.querySelector('button[data-free]')).toBeNull();
  });
});

describe('own availability', () => {
  test('Do Not Disturb for 30 minutes is asked for; the popup says the phone may still ring', async () => {
    mock.handlers.teamSetAvailability = () => ({ ok: true });
    render(<OwnAvailability self={presence('1001')} />, root);
    expect(root.querySelector('.dnd-hint')).toBeNull();
    const [availability, expiry] = [...root.querySelectorAll('select')] as HTMLSelectElement[];
    await act(async () => {
      (expiry as HTMLSelectElement).value = '30m';
      expiry?.dispatchEvent(new Event('change', { bubbles: true }));
    });
    await act(async () => {
      (availability as HTMLSelectElement).value = 'dnd';
      availability?.dispatchEvent(new Event('change', { bubbles: true }));
    });
    await flush();
    expect(mock.sent.at(-1)).toEqual({ type: 'teamSetAvailability', body: { availability: 'dnd', expiry: '30m' } });
    const until = new Date(NOW + 30 * 60_000).toISOString();
    render(<OwnAvailability self={presence('1001', { availability: 'dnd', until })} />, root);
    expect($('.dnd-hint').textContent).toContain('Your phone may still ring');
    expect($('.availability-state').textContent).toMatch(/^Do not disturb · until /);
  });

  test('a refusal is said in words', async () => {
    mock.handlers.teamSetAvailability = () => ({ ok: false, code: 'notConnected', message: '' });
    render(<OwnAvailability self={undefined} />, root);
    const select = root.querySelector('select') as HTMLSelectElement;
    await act(async () => {
      select.value = 'away';
      select.dispatchEvent(new Event('change', { bubbles: true }));
    });
    await until(() => root.querySelector('.error'));
  });
});

const HOSTILE =
  '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script> javascript:alert(1) https://crm.example/c/7?x=<b>';

describe('messages', () => {
  test('a link is a link (positive control) and opens only on a click, through the background, in a new tab', async () => {
    mock.handlers.openLink = () => ({ ok: true });
    render(<MessageText content="see https://crm.example/c/7 now" />, root);
    const link = $<HTMLAnchorElement>('a.message-link');
    expect(link.textContent).toBe('https://crm.example/c/7');
    expect(mock.sent).toEqual([]);
    const event = new MouseEvent('click', { bubbles: true, cancelable: true });
    await act(async () => {
      link.dispatchEvent(event);
    });
    expect(event.defaultPrevented).toBe(true);
    expect(mock.sent).toEqual([{ type: 'openLink', body: { url: 'https://crm.example/c/7' } }]);
  });

  test('hostile text is shown as text: no element, no script, no javascript: link', () => {
    render(<MessageText content={HOSTILE} />, root);
    const paragraph = $('.message-text');
    expect(paragraph.textContent).toBe(HOSTILE);
    expect(root.querySelector('img, script, b')).toBeNull();
    expect([...root.querySelectorAll('a')].map((a) => a.getAttribute('href'))).toEqual(['https://crm.example/c/7?x=']);
    expect((window as { pwned?: number }).pwned).toBeUndefined();
  });

  test('a conversation: messages with delivery state, sending with its result, unread cleared by opening', async () => {
    const list: ChatMessage[] = [
      { id: 'm1', peer: '1002', direction: 'in', content: HOSTILE, time: NOW - 5000, read: true },
      { id: 'm2', peer: '1002', direction: 'out', content: 'on line 2', time: NOW - 4000, delivery: 'read' },
      {
        id: 'm3',
        peer: '1002',
        direction: 'out',
        content: 'again',
        time: NOW - 3000,
        delivery: 'failed',
        error: 'notFound',
        detail: 'no such user',
      },
    ];
    mock.handlers.chatConversation = () => list;
    mock.handlers.chatSend = (body) => {
      const { content } = body as { content: string };
      const message: ChatMessage = { id: 'm4', peer: '1002', direction: 'out', content, time: NOW, delivery: 'sent' };
      list.push(message);
      return { ok: true, message };
    };
    render(<Messages team={teamData()} peer="1002" onPeer={jest.fn()} />, root);
    await until(() => root.querySelectorAll('.message').length === 3);
    expect($('#conversation-title').textContent).toBe('Anna Schmidt');
    expect(root.querySelector('img, script')).toBeNull();
    expect($('.message[data-id="m2"] .delivery').textContent).toBe('Read');
    expect($('.message[data-id="m3"] .delivery').textContent).toContain('Not sent:');
    expect(mock.sent[0]).toEqual({ type: 'chatConversation', body: { peer: '1002' } });
    await type($<HTMLTextAreaElement>('.composer textarea'), 'customer on line 2');
    await click(button('Send'));
    expect(mock.sent.find((m) => m.type === 'chatSend')).toEqual({
      type: 'chatSend',
      body: { to: '1002', content: 'customer on line 2' },
    });
    await until(() => root.querySelector('.message[data-id="m4"]'));
    expect($<HTMLTextAreaElement>('.composer textarea').value).toBe('');
  });

  test('too long: the send button is off and the counter says so; a refusal shows in words', async () => {
    mock.handlers.chatConversation = () => [];
    mock.handlers.chatSend = () => ({ ok: false, code: 'rateLimited', message: '' });
    render(<Messages team={teamData()} peer="1002" onPeer={jest.fn()} />, root);
    await flush();
    await type($<HTMLTextAreaElement>('.composer textarea'), 'x'.repeat(1001));
    expect(button('Send').disabled).toBe(true);
    expect($('.counter').className).toContain('error');
    await type($<HTMLTextAreaElement>('.composer textarea'), 'hello');
    await click(button('Send'));
    await until(() => root.querySelector('.error[role="alert"]'));
  });
});

describe('the popup', () => {
  const status = (patch: Partial<StatusView> = {}): StatusView => ({
    state: 'ACCESS_GRANTED',
    extension: '1001',
    serverUrl: 'ws://127.0.0.1/cti',
    calls: [],
    canDial: true,
    canControl: true,
    ...patch,
  });
  function serve(view: Partial<TeamView>) {
    mock.handlers.getStatus = () => status();
    mock.handlers.getOptions = () => ({ settings: null, warnings: [], locked: [] });
    mock.handlers.historyQuery = () => ({ records: [], total: 0 });
    mock.handlers.teamView = () => ({
      hasPresence: false,
      hasChat: false,
      me: '1001',
      unread: {},
      favourites: [],
      dirRev: 0,
      presRev: 0,
      ...view,
    });
  }

  test('with presence and chat announced: own availability, Team and Messages (with the unread count)', async () => {
    serve({
      hasPresence: true,
      hasChat: true,
      unread: { '1002': 2 },
      dirRev: 1,
      presRev: 1,
      users: USERS,
      presence: STATES,
      full: true,
    });
    render(<Popup />, root);
    await until(() => root.querySelector('nav.views'));
    expect(root.querySelector('.own-availability')).not.toBeNull();
    expect(buttons().map((b) => b.textContent)).toEqual(expect.arrayContaining(['Phone', 'Team', 'Messages (2)']));
    await click(button('Team'));
    await until(() => row('1002'));
  });

  test('without features: no availability, no Team, no Messages (positive control above)', async () => {
    serve({});
    render(<Popup />, root);
    await until(() => mock.sent.some((m) => m.type === 'teamView'));
    await flush();
    expect(root.querySelector('nav.views')).toBeNull();
    expect(root.querySelector('.own-availability')).toBeNull();
  });
});

describe('Answer on the ringing card', () => {
  const actions = (): CardActions => ({
    close: jest.fn(),
    minimise: jest.fn(),
    act: jest.fn(async () => null),
    copy: jest.fn(async () => true),
    dragStart: jest.fn(),
    openRecord: jest.fn(async () => null),
    entryUrl: () => 'chrome-extension://dynamic/entry.html',
    keepOpen: jest.fn(),
  });
  const ringing = call({ phase: 'ringing', answeredAt: undefined });

  test('offered only when the PBX can answer; a trusted click answers, a synthetic one does nothing', async () => {
    const a = actions();
    render(<Card call={ringing} now={NOW} fading={false} canControl canAnswer actions={a} />, root);
    const answer = button('Answer');
    await click(answer);
    expect(a.act).not.toHaveBeenCalled();
    await trustedClick(answer);
    expect(a.act).toHaveBeenCalledWith('s1', 'accept', expect.objectContaining({ kind: expect.any(String) }));
    render(<Card call={ringing} now={NOW} fading={false} canControl actions={actions()} />, root);
    expect(button('Answer')).toBeUndefined();
    expect(button('Decline')).toBeDefined();
  });

  test('the PBX refusing is said on the card', async () => {
    const a = { ...actions(), act: jest.fn(async () => 'The phone system does not support this.') };
    render(<Card call={ringing} now={NOW} fading={false} canControl canAnswer actions={a} />, root);
    await trustedClick(button('Answer'));
    await until(() => root.textContent?.includes('The phone system does not support this.'));
  });
});
