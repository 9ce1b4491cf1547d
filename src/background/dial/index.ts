/**
 * The dialing policy: every click-to-dial (a link or a marked number in a page, the context
 * menu, the shortcut, a confirmation) comes through here. It decides whether the request may
 * dial at all (a real gesture, a site that allows it), what exactly to dial (parseDialInput),
 * whether to ask first (international, premium-rate, a burst), and turns the connector's answer
 * into an outcome the agent sees where they clicked. docs/dialing.md describes the rules.
 */
import browser from 'webextension-polyfill';
import type { DialOutcome, DialRequest, Gesture } from '../../shared/dial/messages';
import { confirmReasons, gestureProblem, recentDials } from '../../shared/dial/policy';
import { siteFeatures } from '../../shared/dial/sites';
import { type DialTarget, parseDialInput } from '../../shared/dial/target';
import { displayText } from '../../shared/format';
import { log } from '../../shared/log';
import type { Context } from '../../shared/messages';
import { type ActionResult, type Failure, failure } from '../../shared/outcome';
import { dial } from '../pbx/connection';
import { getSettings } from '../settings';
import { readState } from '../storage/state';
import { updateDialing } from './store';

/** A pending confirmation stays answerable this long. */
const TICKET_LIFETIME_MS = 60_000;

const failed = (code: Failure, extra: { display?: string; detail?: string } = {}): DialOutcome => ({
  status: 'failed',
  code,
  ...extra,
});

/** What the PBX refusing a `createCall` means for the agent: the number, not the request, was wrong. */
const dialFailure = (code: Failure): Failure => (code === 'invalid' || code === 'notFound' ? 'invalidNumber' : code);

/** Places the call through the connector; the PBX's message is untrusted text. */
async function placeCall(target: DialTarget): Promise<DialOutcome> {
  const { connection } = await readState();
  if (connection.state !== 'ACCESS_GRANTED') return failed('notConnected', { display: target.display });
  if (connection.permissions?.dial === false) return failed('forbidden', { display: target.display });
  await updateDialing((state) => {
    state.log = [...recentDials(state.log, Date.now()), Date.now()];
  });
  const result = await dial(target.dial).catch((error: unknown) =>
    failure('failed', error instanceof Error ? error.message : String(error)),
  );
  if (result.ok) {
    log.info(`dialing ${target.kind === 'number' ? target.e164 : 'an extension'}`);
    return { status: 'dialing', display: target.display };
  }
  return failed(result.code === 'confirm' ? 'failed' : dialFailure(result.code), {
    display: target.display,
    detail: displayText(result.message, 200),
  });
}

/**
 * Parses the input and either dials or, when the policy wants a "yes" first, files a ticket
 * for the tab (or the notification, tabId -1) that must confirm.
 */
async function startDial(input: string, tabId: number): Promise<DialOutcome> {
  const settings = await getSettings();
  const parsed = parseDialInput(displayText(input, 1024), settings.phone.defaultCountry);
  if (!parsed.ok) {
    const code: Failure = parsed.problem === 'invalid' ? 'invalidNumber' : parsed.problem;
    return failed(code, { detail: parsed.text });
  }
  const { target } = parsed;
  const now = Date.now();
  const ticket = await updateDialing((state) => {
    const reasons = confirmReasons(target, settings.dial, state.log, now);
    if (!reasons.length) return null;
    const id = crypto.randomUUID();
    state.tickets[id] = { target, tabId, expires: now + TICKET_LIFETIME_MS };
    return { id, reasons };
  });
  if (ticket) return { status: 'confirm', ticket: ticket.id, display: target.display, reasons: ticket.reasons };
  return placeCall(target);
}

/** Takes a ticket out (it can be used once) if it belongs to this tab and has not expired. */
const redeem = (id: string, tabId: number) =>
  updateDialing((state) => {
    const ticket = state.tickets[id];
    delete state.tickets[id];
    return ticket && ticket.tabId === tabId && ticket.expires > Date.now() ? ticket.target : null;
  });

/**
 * The evidence a content script brings for a dial: the tab is the one the agent is looking at,
 * and the gesture is fresh and not used before. The content script only sends from trusted
 * events; this catches a replay, a dial from a background tab, and our own bugs.
 */
async function gestureAccepted(gesture: Gesture, tabId: number): Promise<boolean> {
  const tab = await browser.tabs.get(tabId).catch(() => undefined);
  if (!tab?.active) return false;
  const now = Date.now();
  return updateDialing((state) => {
    const problem = gestureProblem(gesture.at, state.gestures[tabId], now);
    if (problem) {
      log.warn(`refused a dial from tab ${tabId}: gesture ${problem}`);
      return false;
    }
    state.gestures[tabId] = gesture.at;
    return true;
  });
}

/** A tel: link click or a marked number's call button in a CRM tab. */
export async function dialFromPage(request: DialRequest, context: Context): Promise<DialOutcome> {
  const { tabId } = context;
  if (tabId === undefined) return failed('refused');
  const features = siteFeatures(context.url, await getSettings());
  const allowed = request.source === 'link' ? features.links : features.detect;
  if (!allowed) return failed('disabled');
  if (!(await gestureAccepted(request.gesture, tabId))) return failed('refused');
  return startDial(request.input, tabId);
}

/** The agent said yes in the page to a dial the background asked about. */
export async function confirmFromPage(ticket: string, gesture: Gesture, context: Context): Promise<DialOutcome> {
  const { tabId } = context;
  if (tabId === undefined) return failed('refused');
  if (!(await gestureAccepted(gesture, tabId))) return failed('refused');
  const target = await redeem(ticket, tabId);
  return target ? placeCall(target) : failed('expired');
}

/**
 * The popup's dialer and redial buttons (an extension page: the agent typed or clicked there).
 * Same parser and policy as every other dial; the popup asks and resends with `confirmed`.
 */
export async function dialFromPopup(input: string, confirmed: boolean): Promise<ActionResult> {
  const settings = await getSettings();
  const parsed = parseDialInput(displayText(input, 1024), settings.phone.defaultCountry);
  if (!parsed.ok) return failure(parsed.problem === 'invalid' ? 'invalidNumber' : parsed.problem, parsed.text);
  const { target } = parsed;
  if (!confirmed) {
    const { log: dials } = await updateDialing((state) => ({ log: state.log }));
    const reasons = confirmReasons(target, settings.dial, dials, Date.now());
    if (reasons.length) return { ok: false, code: 'confirm', message: target.display, reasons };
  }
  const outcome = await placeCall(target);
  if (outcome.status === 'dialing') return { ok: true };
  if (outcome.status === 'confirm') return failure('failed');
  return failure(outcome.code, outcome.detail ?? outcome.display ?? '');
}

/** The context menu or the shortcut: browser UI, a user gesture by nature. */
export const dialFromBrowser = (input: string, tabId: number): Promise<DialOutcome> => startDial(input, tabId);

/** A confirmation that had to be asked by notification (no page to ask in) was clicked. */
export async function confirmFromNotification(ticket: string): Promise<DialOutcome> {
  const target = await redeem(ticket, -1);
  return target ? placeCall(target) : failed('expired');
}

/** Moves a ticket filed for a tab to the notification (the tab could not show it). */
export const rebindToNotification = (ticket: string) =>
  updateDialing((state) => {
    const pending = state.tickets[ticket];
    if (pending) pending.tabId = -1;
  });
