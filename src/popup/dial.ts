/** Dialling from the popup: the request, and its answer in the agent's words. */
import { displayText } from '../shared/format';
import type { ActionResult } from '../shared/messages';
import { send, t } from '../ui/messenger';

const CODE_KEY: Record<string, string> = {
  NOT_CONNECTED: 'dialNotConnected',
  FORBIDDEN: 'dialForbidden',
  INVALID: 'dialRefusedInvalid',
  BUSY: 'dialBusy',
  RATE_LIMITED: 'dialRateLimited',
  TIMEOUT: 'dialTimeout',
};

export function resultText(result: ActionResult): string {
  if (result.ok) return t('dialStarted');
  const key = CODE_KEY[result.code];
  return key ? t(key) : t('actionFailed', displayText(result.message, 200));
}

export interface PlaceResult {
  ok: boolean;
  text: string;
  /** The dial policy wants a yes first: why, in words. Resend with `confirmed`. */
  confirm?: string;
}

/** Dials and says how it went; never throws. */
export async function placeCall(number: string, confirmed = false): Promise<PlaceResult> {
  try {
    const result = await send('dial', { number, ...(confirmed ? { confirmed } : {}) });
    if (!result.ok && result.code === 'CONFIRM') {
      const why = (result.reasons ?? []).map((reason) => t(`clickDialReason_${reason}`)).join(' ');
      return { ok: false, text: '', confirm: `${t('clickDialConfirmTitle', displayText(result.message, 64))} ${why}` };
    }
    return { ok: result.ok, text: resultText(result) };
  } catch (error) {
    return { ok: false, text: t('actionFailed', displayText(String((error as Error)?.message ?? error), 200)) };
  }
}
