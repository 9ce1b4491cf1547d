/**
 * The dialing policy: every click-to-dial (a link or a marked number in a page, the context
 * menu, the shortcut, a confirmation) comes through here. It decides whether the request may
 * dial at all (a real gesture, a site that allows it), what exactly to dial (parseDialInput),
 * whether to ask first (international, premium-rate, a burst), and turns the connector's answer
 * into an outcome the agent sees where they clicked. docs/dialing.md describes the rules.
 */
import browser from 'webextension-polyfill';
import type { DialOutcome, DialQuestion, DialRequest, Gesture } from '../../shared/dial/messages';
import { type ConfirmReason, confirmReasons, gestureProblem, recentDials } from '../../shared/dial/policy';
import { siteFeatures } from '../../shared/dial/sites';
import { type DialTarget, parseDialInput } from '../../shared/dial/target';
import { displayText } from '../../shared/format';
import { log } from '../../shared/log';
import type { Context } from '../../shared/messages';
import { type ActionResult, type Failure, failure } from '../../shared/outcome';
import { matchesPattern } from '../../shared/settings/matchPattern';
import { sendToTab } from '../messaging/sendToTab';
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
 * Parses the input and either dials or, when the policy wants a "yes" first (or `ask` says the
 * number must be shown first), files a ticket and asks in a PopLine window (confirm.html): UI
 * no page or content script can reach, answer or steer (docs/security.md). The tab gets only
 * "asked", never the ticket.
 */
async function startDial(input: string, tabId: number, ask: ConfirmReason[] = []): Promise<DialOutcome> {
  const settings = await getSettings();
  const parsed = parseDialInput(displayText(input, 1024), settings.phone.defaultCountry, settings.dial);
  if (!parsed.ok) {
    const code: Failure = parsed.problem === 'invalid' ? 'invalidNumber' : parsed.problem;
    return failed(code, { detail: parsed.text });
  }
  const { target } = parsed;
  const now = Date.now();
  const ticket = await updateDialing((state) => {
    const reasons = [...confirmReasons(target, settings.dial, state.log, now), ...ask];
    if (!reasons.length) return null;
    const id = crypto.randomUUID();
    state.tickets[id] = { target, tabId, reasons, expires: now + TICKET_LIFETIME_MS };
    return { id, reasons };
  });
  if (!ticket) return placeCall(target);
  await openConfirmWindow(ticket.id);
  return { status: 'confirm', display: target.display, reasons: ticket.reasons };
}

/** The confirmation window: an extension page in its own small window, nothing focused in it. */
async function openConfirmWindow(ticket: string): Promise<void> {
  await browser.windows
    .create({
      url: browser.runtime.getURL(`confirm.html#${ticket}`),
      type: 'popup',
      width: 420,
      height: 300,
      focused: true,
    })
    .catch((error) => log.warn('could not open the confirmation window', error));
}

/** Takes a ticket out (it can be used once) if it has not expired. */
const redeem = (id: string) =>
  updateDialing((state) => {
    const ticket = Object.hasOwn(state.tickets, id) ? state.tickets[id] : undefined;
    delete state.tickets[id];
    return ticket && ticket.expires > Date.now() ? ticket : null;
  });

/**
 * The evidence a content script brings for a dial: the tab is the one the agent is looking at,
 * and the gesture is fresh and not used before. The content script only sends from trusted
 * events; this catches a replay, a dial from a background tab, and our own bugs.
 */
export async function gestureAccepted(gesture: Gesture, tabId: number): Promise<boolean> {
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

/** What the confirmation window shows for its ticket (null: expired or unknown). */
export async function dialQuestion(ticket: string, context: Context): Promise<DialQuestion | null> {
  if (!isConfirmPage(context)) return null;
  const pending = await updateDialing((state) =>
    Object.hasOwn(state.tickets, ticket) ? state.tickets[ticket] : undefined,
  );
  if (!pending || pending.expires <= Date.now()) return null;
  return { display: pending.target.display, reasons: pending.reasons ?? [] };
}

/**
 * The agent answered in the confirmation window (only that page may: the router lets no
 * content script send this). The outcome also goes to the tab the dial came from.
 */
export async function confirmFromWindow(ticket: string, yes: boolean, context: Context): Promise<DialOutcome> {
  if (!isConfirmPage(context)) return failed('refused');
  const pending = await redeem(ticket);
  if (!pending) return failed('expired');
  if (!yes) return failed('refused', { display: pending.target.display });
  const outcome = await placeCall(pending.target);
  if (pending.tabId >= 0) {
    void sendToTab(pending.tabId, 'dialOutcome', { outcome, near: 'selection' }).catch(() => undefined);
  }
  return outcome;
}

const isConfirmPage = (context: Context) =>
  context.kind === 'page' && (context.url ?? '').startsWith(browser.runtime.getURL('confirm.html'));

/**
 * The popup's dialer and redial buttons (an extension page: the agent typed or clicked there).
 * Same parser and policy as every other dial; the popup asks and resends with `confirmed`.
 */
export async function dialFromPopup(input: string, confirmed: boolean): Promise<ActionResult> {
  const settings = await getSettings();
  const parsed = parseDialInput(displayText(input, 1024), settings.phone.defaultCountry, settings.dial);
  if (!parsed.ok) return failure(parsed.problem === 'invalid' ? 'invalidNumber' : parsed.problem, parsed.text);
  const { target } = parsed;
  if (!confirmed) {
    const { log: dials } = await updateDialing((state) => ({ log: state.log }));
    const reasons = confirmReasons(target, settings.dial, dials, Date.now(), { fromPage: false });
    if (reasons.length) return { ok: false, code: 'confirm', message: target.display, reasons };
  }
  const outcome = await placeCall(target);
  if (outcome.status === 'dialing') return { ok: true };
  if (outcome.status === 'confirm') return failure('failed');
  return failure(outcome.code, outcome.detail ?? outcome.display ?? '');
}

/**
 * The context menu or the shortcut: browser UI, a user gesture by nature. On a page that is
 * not a CRM site the selection is the page's to choose, so the parsed number is shown in the
 * confirmation window before it is dialled.
 */
export async function dialFromBrowser(input: string, tabId: number, url: string | undefined): Promise<DialOutcome> {
  const features = siteFeatures(url, await getSettings());
  const crmSite = features.detect || features.links || isCardSite(url, await getSettings());
  return startDial(input, tabId, crmSite ? [] : ['browserUi']);
}

const isCardSite = (url: string | undefined, settings: Awaited<ReturnType<typeof getSettings>>) =>
  !!url && settings.crm.sites.some((site) => site.card && matchesPattern(url, site.pattern));
