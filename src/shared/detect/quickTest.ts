/**
 * The cheap test every text node on a page goes through before anything else: a phone number
 * has at least seven digits, and text without seven digits (most text) holds none. Kept apart
 * from the finder so the in-page detector can use it without loading libphonenumber.
 */
export const MIN_DIGITS = 7;

/** Seven digits anywhere, with anything between them. */
const SEVEN_DIGITS = /\d(?:\D*\d){6}/;

export const mightHoldNumber = (text: string): boolean => text.length >= MIN_DIGITS && SEVEN_DIGITS.test(text);

/** A match as it crosses from the background to a tab: [start, end, E.164, extension?]. */
export type FoundSpan = [number, number, string] | [number, number, string, string];
