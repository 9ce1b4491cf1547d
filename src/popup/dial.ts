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

/** Dials and says how it went; never throws. */
export async function placeCall(number: string): Promise<{ ok: boolean; text: string }> {
  try {
    const result = await send('dial', { number });
    return { ok: result.ok, text: resultText(result) };
  } catch (error) {
    return { ok: false, text: t('actionFailed', displayText(String((error as Error)?.message ?? error), 200)) };
  }
}
