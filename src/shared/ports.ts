/**
 * The names of the ports contexts open to the background. Apart from messages.ts, whose
 * catalogue of validators a content script that only needs a port's name should not carry.
 */

/** The port CRM tabs keep open to the background (see background/index.ts). */
export const LIVENESS_PORT = 'popline-live';
/** The port an open popup holds: the background says "the team changed" on it, and the popup asks (teamView). */
export const TEAM_PORT = 'popline-team';
