/**
 * The answer and hang-up shortcuts (manifest `commands`, changed in the browser's shortcut
 * settings). Browser UI, so a user gesture by nature; no page can send a command. Answer needs
 * the PBX to answer the agent's phone (`permissions.accept`); a refusal is said in a notification.
 */
import browser from 'webextension-polyfill';
import { t } from '../../i18n';
import type { Call } from '../../shared/calls';
import { byRelevance } from '../../shared/cards/views';
import { displayText } from '../../shared/format';
import { log } from '../../shared/log';
import { type ActionResult, failure, failureKey, notConnected } from '../../shared/outcome';
import type { SessionAction } from '../../shared/protocol';
import { currentConnector } from '../pbx/connection';
import { readState } from '../storage/state';

export const ANSWER_COMMAND = 'answer-call';
export const HANG_UP_COMMAND = 'hang-up-call';
const NOTIFICATION = 'popline-call-key';

/** Which call a shortcut acts on, and how: the newest ringing inbound call to answer; the call in progress to end. */
export function callFor(command: string, calls: readonly Call[]): { call: Call; action: SessionAction } | null {
  const live = calls.filter((call) => call.endedAt === undefined).sort(byRelevance);
  const ringingIn = live.find((call) => call.phase === 'ringing' && call.direction !== 'outbound');
  if (command === ANSWER_COMMAND) return ringingIn ? { call: ringingIn, action: 'accept' } : null;
  if (command !== HANG_UP_COMMAND) return null;
  const talking = live.find((call) => call.phase === 'connected' || call.phase === 'held');
  if (talking) return { call: talking, action: 'hangup' };
  if (ringingIn) return { call: ringingIn, action: 'reject' };
  const dialling = live.find((call) => call.phase === 'ringing' || call.phase === 'setup');
  return dialling ? { call: dialling, action: 'hangup' } : null;
}

async function run(command: string): Promise<ActionResult | null> {
  const state = await readState();
  const target = callFor(command, Object.values(state.book.calls));
  if (!target) return failure('notFound', '');
  const connector = currentConnector();
  if (!connector || state.connection.state !== 'ACCESS_GRANTED') return notConnected();
  const permissions = state.connection.permissions;
  if (target.action === 'accept' && !permissions?.accept) return failure('unsupported', '');
  if (target.action !== 'accept' && !permissions?.control) return failure('forbidden', '');
  return connector.sessionAction(target.call.sessionId, target.action);
}

export async function onCallCommand(command: string): Promise<void> {
  if (command !== ANSWER_COMMAND && command !== HANG_UP_COMMAND) return;
  const result = await run(command).catch((error: unknown) => failure('failed', String(error)));
  if (!result || result.ok) return;
  const code = result.code === 'confirm' ? 'failed' : result.code;
  const what = command === ANSWER_COMMAND ? 'answerRefused' : 'hangUpRefused';
  const why =
    code === 'notFound'
      ? t(command === ANSWER_COMMAND ? 'noRingingCall' : 'noCallToEnd')
      : t(failureKey(code), displayText(result.message, 200));
  log.info(`${command}: ${code}`);
  await browser.notifications
    .create(NOTIFICATION, {
      type: 'basic',
      iconUrl: browser.runtime.getURL('icons/icon-128.png'),
      title: t(what),
      message: why,
    })
    .catch(() => undefined);
}
