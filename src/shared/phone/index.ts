/** Formatting numbers for the agent with libphonenumber-js (the `min` metadata). */
import { type CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js/min';

/**
 * A number as the agent reads it: national format when it is in their country, international
 * otherwise, and the text unchanged when it is not a phone number (an extension, a SIP name).
 */
export function formatNumber(raw: string, country: string): string {
  const text = raw.trim();
  if (text.replace(/\D/g, '').length < 6) return text;
  const parsed = parsePhoneNumberFromString(text, country as CountryCode);
  if (!parsed?.isValid()) return text;
  return parsed.country === country ? parsed.formatNational() : parsed.formatInternational();
}

/** E.164 form, or null when the text is not a valid number for the given default country. */
export function toE164(raw: string, country: string): string | null {
  const parsed = parsePhoneNumberFromString(raw.trim(), country as CountryCode);
  return parsed?.isValid() ? parsed.number : null;
}
