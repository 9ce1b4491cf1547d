/** The options page's messages: the settings in force, saving them, "Test connection", enrolment. */
import type { Handlers } from '../../shared/messages';
import { optionsView, saveOptions, testConnection } from '.';
import { enrol } from './enrol';

export const optionsHandlers: Pick<Handlers, 'getOptions' | 'saveOptions' | 'testConnection' | 'enrol'> = {
  getOptions: () => optionsView(),
  saveOptions: ({ settings, credentials }) => saveOptions(settings, credentials),
  testConnection: ({ settings, credentials }) => testConnection(settings, credentials),
  enrol: ({ serverUrl, allowInsecure, code }) => enrol(serverUrl, allowInsecure, code),
};
