/** Dialling from the popup: the request, and its answer in the agent's words. */
import { displayText } from '../shared/format';
import type { ActionResult } from '../shared/outcome';
import { failureText } from '../ui/format';
import { send, t } from '../ui/messenger';

export function resultText(result: ActionResult): string {
  if (result.ok) return t('dialStarted');
  return failureText(result.code === 'confirm' ? 'failed' : result.code, result.message);
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
    if (!result.ok && result.code === 'confirm') {
      const why = result.reasons.map((reason) => t(`clickDialReason_${reason}`)).join(' ');
      return { ok: false, text: '', confirm: `${t('clickDialConfirmTitle', displayText(result.message, 64))} ${why}` };
    }
    return { ok: result.ok, text: resultText(result) };
  } catch (error) {
    return { ok: false, text: failureText('failed', String((error as Error)?.message ?? error)) };
  }
}
