/** The CSRF strategies live with the settings they validate (settings/logCsrf.ts): shared/settings may not import crm/. */
export * from '../../settings/logCsrf';
