/**
 * The coordinator's rules (tests/README.md, "Coordinator"; host-native/src/fakes/coordinator.rs),
 * written once over one tenant's lease, for the two places that keep leases: the Durable
 * Object (`IndexCoordinator`, its rows in SQLite) and index-sync/testing's fake (a map in
 * memory). Pure: no clock, no storage; the caller passes the time and the next token and
 * keeps what comes back.
 *
 * - `acquire` without a token grants the next token until `now + seconds` when no lease is
 *   held or the one held ran out (`until <= now`); else it answers busy with the holder's
 *   `until`. With a token, it extends the lease to `now + seconds` when that token holds it
 *   (the last granted, not released: even if it ran out, no other request was let in
 *   since); else busy with the holder's `until`, or `now` when none holds it.
 * - `release` with the token of the lease held ends it; any other token changes nothing.
 * - the record state is written only under the token of the lease held.
 */
import type { Lease } from "../bindings.js";

/** One tenant's lease: the token of the lease held (the last one granted, `null` once it
 * was released or before any) and until when it runs (Unix seconds). */
export interface HeldLease {
  token: number | null;
  until: number;
}

/** No lease was ever granted. */
export const NO_LEASE: HeldLease = { token: null, until: 0 };

/** What `acquire` decided: the answer, the tenant's lease after it, and whether `next` was
 * granted (the caller's token counter then moves on). */
export interface Acquired {
  lease: Lease;
  held: HeldLease;
  grantedNext: boolean;
}

/** `acquire(seconds, token?)` at `now` over `held`; `next` is the token a new lease gets. */
export function acquire(held: HeldLease, seconds: number, token: number | undefined, now: number, next: number): Acquired {
  const holderUntil = held.token !== null && held.until > now ? held.until : undefined;
  const until = now + seconds;
  if (token !== undefined) {
    if (held.token === token) return { lease: { granted: token }, held: { token, until }, grantedNext: false };
    return { lease: { busy: holderUntil ?? now }, held, grantedNext: false };
  }
  if (holderUntil !== undefined) return { lease: { busy: holderUntil }, held, grantedNext: false };
  return { lease: { granted: next }, held: { token: next, until }, grantedNext: true };
}

/** The lease after `release(token)`: ended when `token` holds it, else unchanged. */
export function release(held: HeldLease, token: number): HeldLease {
  return held.token === token ? { token: null, until: held.until } : held;
}

/** Whether `token` holds the lease: the record state may be written under it. */
export function holds(held: HeldLease, token: number): boolean {
  return held.token !== null && held.token === token;
}

/** Whether some request holds the lease at `now`. */
export function isHeld(held: HeldLease, now: number): boolean {
  return held.token !== null && held.until > now;
}
