/** The options page's messages: the settings in force, saving them, and "Test connection". */
import type { Handlers } from '../../shared/messages';
import { optionsView, saveOptions, testConnection } from '.';

export const optionsHandlers: Pick<Handlers, 'getOptions' | 'saveOptions' | 'testConnection'> = {
  getOptions: () => optionsView(),
  saveOptions: ({ settings, credentials }) => saveOptions(settings, credentials),
  testConnection: ({ settings, credentials }) => testConnection(settings, credentials),
};
