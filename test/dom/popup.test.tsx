/** The popup's pieces in jsdom, with the background mocked: what the agent sees and what is sent. */
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { ActiveCalls } from '../../src/popup/ActiveCalls';
import { Dialer } from '../../src/popup/Dialer';
import { RecentCalls } from '../../src/popup/RecentCalls';
import { StatusHeader } from '../../src/popup/StatusHeader';
import type { CardView } from '../../src/shared/cards';
import type { HistoryView } from '../../src/shared/history';
import type { StatusView } from '../../src/shared/messages';
import { mock } from '../support/browserMock';
import { $, freshRootPerTest, root, until } from '../support/dom';

jest.mock('webextension-polyfill', () => require('../support/browserMock').browserModule);

freshRootPerTest();

const flush = () => act(async () => new Promise((resolve) => setTimeout(resolve, 0)));

async function type(input: HTMLInputElement, value: string) {
  await act(async () => {
    input.value = value;
    input.setSelectionRange(value.length, value.length);
    input.dispatchEvent(new Event('input', { bubbles: true }));
  });
}
async function key(target: Element, name: string) {
  await act(async () => {
    target.dispatchEvent(new KeyboardEvent('keydown', { key: name, bubbles: true, cancelable: true }));
  });
}
async function click(target: Element) {
  await act(async () => {
    (target as HTMLElement).click();
  });
  await flush();
}
async function submit(form: Element) {
  await act(async () => {
    form.dispatchEvent(new Event('submit', { bubbles: true, cancelable: true }));
  });
  await flush();
}

const status = (patch: Partial<StatusView> = {}): StatusView => ({
  state: 'ACCESS_GRANTED',
  extension: '1001',
  serverUrl: 'ws://127.0.0.1/cti',
  userName: 'Demo Agent',
  calls: [],
  canDial: true,
  canControl: true,
  ...patch,
});

describe('status header', () => {
  test('connected: the state in words and who the agent is, no reconnect button', () => {
    render(<StatusHeader status={status()} settingsProblem={false} />, root);
    expect($('.status').textContent).toBe('Connected');
    expect($('.who').textContent).toBe('ext. 1001 · Demo Agent');
    expect(root.textContent).not.toContain('Reconnect');
  });
  test('refused: why, and a reconnect button that asks the background', async () => {
    mock.handlers.reconnect = () => null;
    render(
      <StatusHeader status={status({ state: 'ACCESS_DENIED', detail: 'invalid token' })} settingsProblem={false} />,
      root,
    );
    expect($('.status').textContent).toBe('Access denied');
    expect($('.detail').textContent).toBe('invalid token');
    await click([...root.querySelectorAll('button')].find((b) => b.textContent === 'Reconnect') as Element);
    expect(mock.sent.map((m) => m.type)).toEqual(['reconnect']);
  });
  test('settings that could not be read are mentioned, with the way to the options', () => {
    render(<StatusHeader status={status()} settingsProblem />, root);
    expect($('.warning').textContent).toContain('could not be read');
  });
});

describe('dialler', () => {
  const mount = (props: Partial<Parameters<typeof Dialer>[0]> = {}) =>
    render(<Dialer canDial country="DE" confirmInternational={false} recent={[]} {...props} />, root);
  const field = () => $<HTMLInputElement>('#dial-number');

  test('formats as typed, says what it will call, and dials E.164 on Enter', async () => {
    mock.handlers.dial = () => ({ ok: true, sessionId: 's1' });
    mount();
    await type(field(), '030123456');
    expect(field().value).toBe('030 123456');
    expect($('#dial-hint').textContent).toBe('Calls +4930123456 (Germany)');
    await submit($('form'));
    expect(mock.sent).toEqual([{ type: 'dial', body: { number: '+4930123456' } }]);
    expect($('.dialer .message').textContent).toBe('Your phone rings first, then the number.');
  });

  test('a number that cannot be called gets the reason and is not dialled', async () => {
    mount();
    await type(field(), '+49 30');
    expect($('#dial-hint').textContent).toBe('Too short for a phone number in Germany.');
    expect(field().getAttribute('aria-invalid')).toBe('true');
    await submit($('form'));
    expect(mock.sent).toEqual([]);
  });

  test('pasted text is cleaned', async () => {
    mount();
    await act(async () => {
      const paste = new Event('paste', { bubbles: true, cancelable: true }) as Event & { clipboardData: unknown };
      paste.clipboardData = { getData: () => 'Phone: +49 (0)30 1234-567' };
      field().dispatchEvent(paste);
    });
    expect(field().value).toBe('+49 30 1234567');
  });

  test('international numbers ask first when the setting says so', async () => {
    mock.handlers.dial = () => ({ ok: true });
    mount({ confirmInternational: true });
    await type(field(), '+1 212 555 0100');
    await submit($('form'));
    expect(mock.sent).toEqual([]);
    expect($('.confirm').textContent).toContain('Call +1 212 555 0100 in United States?');
    await click($('.confirm button.primary'));
    expect(mock.sent).toEqual([{ type: 'dial', body: { number: '+12125550100', confirmed: true } }]);
  });

  test('when the dial policy asks first (premium rate, many calls), the popup asks and resends', async () => {
    mock.handlers.dial = (body) =>
      (body as { confirmed?: boolean }).confirmed
        ? { ok: true }
        : { ok: false, code: 'confirm', message: '030 1234567', reasons: ['burst'] };
    mount();
    await type(field(), '030 1234567');
    await submit($('form'));
    await until(() => $('.confirm'));
    expect($('.confirm').textContent).toContain('Call 030 1234567? You placed several calls in the last minute.');
    await click($('.confirm button.primary'));
    expect(mock.sent.map((m) => m.body)).toEqual([
      { number: '+49301234567' },
      { number: '+49301234567', confirmed: true },
    ]);
  });

  test('not connected: the call button is off and the reason is given', async () => {
    mount({ canDial: false });
    await type(field(), '1002');
    expect($<HTMLButtonElement>('button[type="submit"]').disabled).toBe(true);
    await submit($('form'));
    expect($('.dialer .message').textContent).toContain('Not connected');
    expect(mock.sent).toEqual([]);
  });

  test('the keypad types into the field', async () => {
    mount();
    await click($('button[aria-controls="keypad"]'));
    for (const digit of ['1', '0', '0', '2']) await click($(`.key[data-key="${digit}"]`));
    expect(field().value).toBe('1002');
    await click($('.key.wide'));
    expect(field().value).toBe('100');
  });

  test('recent numbers are suggested; arrow keys and Enter pick one', async () => {
    mount({
      recent: [
        { number: '+4930111222', display: '030 111222', name: 'Anna Schmidt' },
        { number: '+4930999888', display: '030 999888', name: 'Bernd Meier' },
      ],
    });
    await type(field(), 'ber');
    const options = root.querySelectorAll('[role="option"]');
    expect([...options].map((o) => o.textContent)).toEqual(['Bernd Meier030 999888']);
    await key(field(), 'ArrowDown');
    expect(field().getAttribute('aria-activedescendant')).toBe('suggestion-0');
    await key(field(), 'Enter');
    expect(field().value).toBe('+49 30 999888');
    expect(root.querySelector('[role="listbox"]')).toBeNull();
  });
});

describe('active calls', () => {
  /** Times relative to the render, so a slow machine cannot move the timer. */
  const callNow = (): CardView => ({
    sessionId: 'c1',
    phase: 'connected',
    rawState: 'InCall',
    stateKnown: true,
    direction: 'inbound',
    number: '+4930123',
    numberDisplay: '030 123',
    name: 'Anna Schmidt',
    startedAt: Date.now() - 65_000,
    answeredAt: Date.now() - 61_000,
  });

  test('the card controls: hold, transfer to a typed number, hang up', async () => {
    mock.handlers.callAction = () => ({ ok: true });
    render(<ActiveCalls calls={[callNow()]} canControl />, root);
    expect($('.call .name').textContent).toBe('Anna Schmidt');
    expect($('.call .state').textContent).toBe('Talking');
    expect($('.call .timer').textContent).toBe('1:01');
    const button = (label: string) =>
      [...root.querySelectorAll('button')].find((b) => b.textContent === label) as Element;
    await click(button('Hold'));
    await click(button('Transfer'));
    await type($<HTMLInputElement>('.transfer input'), '1005');
    await submit($('.transfer'));
    await click(button('Hang up'));
    expect(mock.sent.map((m) => m.body)).toEqual([
      { sessionId: 'c1', action: 'hold' },
      { sessionId: 'c1', action: 'blindTransfer', target: '1005' },
      { sessionId: 'c1', action: 'hangup' },
    ]);
  });

  test('without control, no buttons; a failed action says why', async () => {
    render(<ActiveCalls calls={[{ ...callNow(), phase: 'held' }]} canControl={false} />, root);
    expect(root.querySelectorAll('button')).toHaveLength(0);
    mock.handlers.callAction = () => ({ ok: false, code: 'forbidden', message: 'no' });
    render(<ActiveCalls calls={[{ ...callNow(), phase: 'held' }]} canControl />, root);
    await click([...root.querySelectorAll('button')].find((b) => b.textContent === 'Resume') as Element);
    expect($('.call .error').textContent).toBe(
      'Your phone system account is not allowed to do this. Ask your administrator.',
    );
  });
});

describe('recent calls', () => {
  const record = (patch: Partial<HistoryView>): HistoryView => ({
    sessionId: 'h1',
    source: 'live',
    direction: 'inbound',
    number: '030 123456',
    e164: '+4930123456',
    numberDisplay: '030 123456',
    name: 'Anna Schmidt',
    startedAt: Date.now() - 60_000,
    endedAt: Date.now() - 30_000,
    outcome: 'missed',
    updatedAt: Date.now(),
    ...patch,
  });

  test('lists the history, searches it, and calls back with one click', async () => {
    mock.handlers.historyQuery = (body) =>
      (body as { kind: string }).kind === 'search'
        ? {
            records: [record({ sessionId: 'h2', name: 'Bernd Meier', e164: '+4930999' })],
            page: 0,
            pageSize: 20,
            hasMore: false,
            skipped: 0,
          }
        : { records: [record({})], page: 0, pageSize: 20, hasMore: false, skipped: 0 };
    mock.handlers.dial = () => ({ ok: true });
    render(<RecentCalls canDial />, root);
    await until(() => $('.recent-row'));
    expect($('.recent-row .name').textContent).toBe('Anna Schmidt');
    expect($('.recent-row .sub').textContent).toContain('Missed call');
    await type($<HTMLInputElement>('.recent-search'), 'bernd');
    await until(() => $('.recent-row .name')?.textContent === 'Bernd Meier');
    // (The rows' call-log states are asked after each page: crmLog.test.tsx.)
    expect(mock.sent.filter((m) => m.type === 'historyQuery').at(-1)).toEqual({
      type: 'historyQuery',
      body: { kind: 'search', text: 'bernd', pageSize: 20 },
    });
    expect($('.recent-row .name').textContent).toBe('Bernd Meier');
    await click($('.recent-row .redial'));
    expect(mock.sent.at(-1)).toEqual({ type: 'dial', body: { number: '+4930999' } });
  });

  test('a history that cannot be read is said in words', async () => {
    mock.handlers.historyQuery = () => {
      throw new Error('the disk is full');
    };
    render(<RecentCalls canDial />, root);
    await until(() => !root.textContent?.includes('Loading'));
    expect(root.textContent).toContain('The call history is not available: the disk is full');
  });
});
