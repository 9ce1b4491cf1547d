/**
 * The calling side of the message API (shared/messenger.ts): while the service worker wakes up,
 * "Receiving end does not exist" is retried with backoff; any other error is not.
 */
import { createMessenger, isContextInvalidated } from '../../src/shared/messenger';

const WAKING = new Error('Could not establish connection. Receiving end does not exist.');

function flaky(failures: Error[], answer: unknown) {
  const sent: unknown[] = [];
  const rawSend = async (message: unknown) => {
    sent.push(message);
    const failure = failures.shift();
    if (failure) throw failure;
    return answer;
  };
  return { rawSend, sent };
}

test('a send while the worker wakes is retried until it answers', async () => {
  const { rawSend, sent } = flaky([WAKING, WAKING], { rev: 1 });
  const send = createMessenger(rawSend, { attempts: 5, delayMs: 1 });
  await expect(send('getStatus', {})).resolves.toEqual({ rev: 1 });
  expect(sent).toHaveLength(3);
  expect(sent[0]).toEqual({ popline: 1, type: 'getStatus', body: {} });
});

test('it gives up after the last attempt, with the browser error', async () => {
  const { rawSend, sent } = flaky([WAKING, WAKING, WAKING], null);
  const send = createMessenger(rawSend, { attempts: 3, delayMs: 1 });
  await expect(send('reconnect', {})).rejects.toBe(WAKING);
  expect(sent).toHaveLength(3);
});

test('any other error is not retried', async () => {
  const refused = new Error('invalid dial: number: expected a string');
  const { rawSend, sent } = flaky([refused], null);
  const send = createMessenger(rawSend, { attempts: 5, delayMs: 1 });
  await expect(send('reconnect', {})).rejects.toBe(refused);
  expect(sent).toHaveLength(1);
});

test('the waits grow: each retry waits twice as long as the one before', async () => {
  jest.useFakeTimers();
  try {
    const { rawSend, sent } = flaky([WAKING, WAKING, WAKING], 'ok');
    const send = createMessenger(rawSend, { attempts: 5, delayMs: 100 });
    const answer = send('reconnect', {});
    await jest.advanceTimersByTimeAsync(99);
    expect(sent).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(sent).toHaveLength(2);
    await jest.advanceTimersByTimeAsync(199);
    expect(sent).toHaveLength(2);
    await jest.advanceTimersByTimeAsync(1);
    expect(sent).toHaveLength(3);
    await jest.advanceTimersByTimeAsync(400);
    expect(sent).toHaveLength(4);
    await expect(answer).resolves.toBe('ok');
  } finally {
    jest.useRealTimers();
  }
});

test('an extension reloaded under a content script is recognised', () => {
  expect(isContextInvalidated(new Error('Extension context invalidated.'))).toBe(true);
  expect(isContextInvalidated(WAKING)).toBe(false);
});
