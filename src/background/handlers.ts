/**
 * Every message's handler, one feature's set at a time. Typed as the whole `Handlers` map, so a
 * message declared in shared/messages.ts without a handler here fails the typecheck.
 */
import type { Handlers } from '../shared/messages';
import { dialHandlers } from './dial/handlers';
import { historyHandlers } from './history/handlers';
import { lookupHandlers } from './lookup/handlers';
import { optionsHandlers } from './options/handlers';
import { pbxHandlers } from './pbx/handlers';
import { tabHandlers } from './tabs/handlers';

export const handlers: Handlers = {
  ...tabHandlers,
  ...pbxHandlers,
  ...dialHandlers,
  ...historyHandlers,
  ...lookupHandlers,
  ...optionsHandlers,
};
