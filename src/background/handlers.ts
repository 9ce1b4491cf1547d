/**
 * Every message's handler, one feature's set at a time. Typed as the whole `Handlers` map, so a
 * message declared in shared/messages.ts without a handler here fails the typecheck.
 */
import type { Handlers } from '../shared/messages';
import { onNoteSaved } from './crmlog';
import { crmLogHandlers } from './crmlog/handlers';
import { dialHandlers } from './dial/handlers';
import { historyHandlers } from './history/handlers';
import { lookupHandlers } from './lookup/handlers';
import { optionsHandlers } from './options/handlers';
import { pbxHandlers } from './pbx/handlers';
import { tabHandlers } from './tabs/handlers';
import { teamHandlers } from './team/handlers';

export const handlers: Handlers = {
  ...tabHandlers,
  ...pbxHandlers,
  ...dialHandlers,
  ...historyHandlers,
  ...lookupHandlers,
  ...optionsHandlers,
  ...crmLogHandlers,
  ...teamHandlers,
  /** A saved note ends the call's wrap-up, or updates its logged CRM activity (docs/crm.md). */
  async historySetNote(body, context) {
    const result = await historyHandlers.historySetNote(body, context);
    if (result.ok) await onNoteSaved(body.sessionId);
    return result;
  },
};
