/**
 * Signed webhooks: the sender puts the unix time in `x-popline-timestamp` and
 * `v1=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>` in `x-popline-signature`. The bridge
 * checks the MAC in constant time, refuses a timestamp outside the tolerance, and refuses a
 * signature it has already accepted within that window (a replay). Since an old timestamp is
 * refused anyway, remembering signatures for the window is enough, which bounds the memory.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export const TIMESTAMP_HEADER = 'x-popline-timestamp';
export const SIGNATURE_HEADER = 'x-popline-signature';

const DEFAULT_TOLERANCE = 300;
const DEFAULT_MAX_REMEMBERED = 200_000;

export function signBody(secret: string, body: string | Buffer, timestamp: number): string {
  return `v1=${mac(secret, String(timestamp), body).toString('hex')}`;
}

export type SignatureCheck = { ok: true } | { ok: false; status: 401; reason: string };

function mac(secret: string, timestamp: string, body: string | Buffer): Buffer {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest();
}

const refuse = (reason: string): SignatureCheck => ({ ok: false, status: 401, reason });

export class WebhookVerifier {
  private readonly secret: string;
  private readonly tolerance: number;
  private readonly now: () => number;
  private readonly maxRemembered: number;
  /** signature hex → the time (ms) after which its timestamp is too old anyway. Insertion ordered. */
  private readonly seen = new Map<string, number>();

  constructor(o: { secret: string; toleranceSeconds?: number; now?: () => number; maxRemembered?: number }) {
    if (typeof o.secret !== 'string' || !o.secret) throw new Error('webhook secret: required');
    this.secret = o.secret;
    this.tolerance = o.toleranceSeconds ?? DEFAULT_TOLERANCE;
    this.now = o.now ?? Date.now;
    this.maxRemembered = o.maxRemembered ?? DEFAULT_MAX_REMEMBERED;
  }

  verify(body: Buffer, headers: IncomingHttpHeaders): SignatureCheck {
    const timestamp = headers[TIMESTAMP_HEADER];
    const signature = headers[SIGNATURE_HEADER];
    if (signature === undefined || signature === '') return refuse('missing signature');
    if (timestamp === undefined || timestamp === '') return refuse('missing timestamp');
    if (typeof signature !== 'string' || typeof timestamp !== 'string') return refuse('bad signature');
    if (!/^\d{1,12}$/.test(timestamp)) return refuse('bad timestamp: expected unix seconds');
    // Several "v1=" values may be sent (comma separated) while a secret is being rotated on the sender.
    const expected = mac(this.secret, timestamp, body);
    let matched: string | undefined;
    for (const part of signature.split(',')) {
      const value = part.trim();
      if (!value.startsWith('v1=')) continue;
      const hex = value.slice(3);
      if (!/^[0-9a-f]{64}$/i.test(hex)) continue;
      if (timingSafeEqual(Buffer.from(hex, 'hex'), expected)) matched = hex.toLowerCase();
    }
    if (!matched) return refuse('bad signature');
    const nowMs = this.now();
    const skew = nowMs / 1000 - Number(timestamp);
    if (skew > this.tolerance) return refuse('timestamp too old');
    if (skew < -this.tolerance) return refuse('timestamp in the future');
    this.forgetExpired(nowMs);
    if (this.seen.has(matched)) return refuse('replayed request');
    this.seen.set(matched, (Number(timestamp) + this.tolerance) * 1000);
    if (this.seen.size > this.maxRemembered) {
      // Full of signatures still inside the window: forget the oldest (documented limit).
      const first = this.seen.keys().next().value;
      if (first !== undefined) this.seen.delete(first);
    }
    return { ok: true };
  }

  /** Signatures remembered right now (tests, metrics). */
  get remembered(): number {
    return this.seen.size;
  }

  /** Drops entries from the front while they are past their window (arrival order ≈ timestamp order). */
  private forgetExpired(nowMs: number): void {
    for (const [key, until] of this.seen) {
      if (until >= nowMs) break;
      this.seen.delete(key);
    }
  }
}
