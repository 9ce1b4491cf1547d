/**
 * Reconnect delays: exponential backoff with full jitter (a random delay between 0 and the
 * bound), so a PBX coming back is not hit by every agent at once. The first retry comes
 * within 1 s; the bound stops growing at 30 s.
 */
export const BACKOFF_FIRST_MS = 1000;
export const BACKOFF_CAP_MS = 30_000;

export const backoffDelay = (attempt: number, random: () => number = Math.random) =>
  Math.floor(random() * Math.min(BACKOFF_CAP_MS, BACKOFF_FIRST_MS * 2 ** attempt));

/**
 * A connection that was granted and then dropped backs off at most this far (a bound of 4 s), however
 * briefly it lasted: the network or a load balancer cutting agents off again and again must not leave
 * an agent offline for up to 30 s, missing calls. Connections that never get granted go on to 30 s.
 */
export const GRANTED_MAX_ATTEMPT = 2;
