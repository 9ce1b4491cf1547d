/**
 * The `callAction` message (issue 18, gap 2). From a content script: only a call this tab
 * shows, and only with a fresh, unused gesture (the same evidence a dial needs). A transfer
 * or forward target is parsed and confirmed like a dial, from the card and the popup alike.
 */
import { TARGET_ACTIONS, tabShows, transferTarget } from '../../shared/dial/control';
import { displayText } from '../../shared/format';
import { log } from '../../shared/log';
import type { Handlers } from '../../shared/messages';
import { failure, notConnected } from '../../shared/outcome';
import { currentConnector } from '../pbx/connection';
import { getSettings } from '../settings';
import { readState } from '../storage/state';
import { gestureAccepted } from '.';
import { updateDialing } from './store';

export const callAction: Handlers['callAction'] = async (body, context) => {
  const { sessionId, action } = body;
  const connector = currentConnector();
  if (!connector) return notConnected();
  const state = await readState();
  if (!state.connection.permissions?.control) return failure('forbidden', 'this token may not control calls');
  if (!Object.hasOwn(state.book.calls, sessionId)) return failure('notFound', 'no such call');
  // Answering needs the PBX to answer the agent's phone (permissions.accept, issue 16).
  if (action === 'accept' && !state.connection.permissions?.accept)
    return failure('unsupported', 'this phone system cannot answer your phone');
  // The entry frame (a transfer target typed on the card) is held to the card's rules.
  const fromPage = context.kind === 'content' || context.kind === 'frame';
  if (fromPage) {
    const { tabId } = context;
    const tab = tabId !== undefined && Object.hasOwn(state.tabs, tabId) ? state.tabs[tabId] : undefined;
    if (tabId === undefined || !tabShows(tab, sessionId)) {
      log.warn(`refused ${action} from tab ${tabId}: it does not show that call`);
      return failure('notFound', 'this tab does not show that call');
    }
    if (!body.gesture || !(await gestureAccepted(body.gesture, tabId))) {
      log.warn(`refused ${action} from tab ${tabId}: no fresh gesture`);
      return failure('refused', 'no fresh user gesture');
    }
  }
  if (!TARGET_ACTIONS.has(action)) return connector.sessionAction(sessionId, action);
  const settings = await getSettings();
  const dials = await updateDialing((dialing) => dialing.log);
  const target = transferTarget(displayText(body.target, 256) || undefined, {
    country: settings.phone.defaultCountry,
    dial: settings.dial,
    log: dials,
    now: Date.now(),
    fromPage,
    confirmed: body.confirmed === true,
  });
  if (!target.ok) return target;
  return connector.sessionAction(sessionId, action, target.dial);
};
