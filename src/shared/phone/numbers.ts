/** Small helpers for comparing the numbers a PBX reports (extensions, SIP URIs, E.164). */

/** The user part of a SIP URI, or the text itself: `sip:1001@pbx;x=y` → `1001`. */
export function userPart(address: string): string {
  const match = /^(?:sips?|tel|callto):([^@;?]*)/i.exec(address.trim());
  return (match?.[1] ?? address).trim();
}

/** Digits only, keeping a leading `+`. */
export function dialDigits(address: string): string {
  const user = userPart(address);
  const digits = user.replace(/\D/g, '');
  return user.startsWith('+') || user.startsWith('00') ? `+${digits.replace(/^00/, '')}` : digits;
}

/**
 * Whether two PBX addresses are the same line. Extensions compare exactly; long numbers also
 * match when written with and without country code or trunk prefix (the last 9 digits agree).
 */
export function sameNumber(a: string, b: string): boolean {
  const x = dialDigits(a).replace('+', '');
  const y = dialDigits(b).replace('+', '');
  if (!x || !y) return userPart(a).toLowerCase() === userPart(b).toLowerCase() && userPart(a) !== '';
  if (x === y) return true;
  if (x.length < 8 || y.length < 8) return false;
  const tail = Math.min(9, x.length, y.length);
  return x.slice(-tail) === y.slice(-tail);
}
