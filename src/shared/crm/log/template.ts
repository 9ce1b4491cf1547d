/** Log templates live with the settings they validate (settings/logTemplate.ts): shared/settings may not import crm/. */
export * from '../../settings/logTemplate';
