/** The longest note and outcome tag a call can carry (own module: the content script needs only these). */
export const MAX_NOTE = 4000;
export const MAX_DISPOSITION = 64;
