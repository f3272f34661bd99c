//! The coordinator as every host fakes it (tests/README.md): per tenant (user, project) a
//! lease and a record state, in memory, against the world's clock.
//!
//! - `acquire` without a token grants a new token (one counter for the whole world, from 1)
//!   until `now + seconds` when no lease is held or the one held ran out (`until <= now`),
//!   else answers busy with the holder's `until`. With a token, it extends the lease to
//!   `now + seconds` when that token was the last one granted for the tenant and was not
//!   released (even if it ran out: no other request was let in since), else answers busy
//!   with the holder's `until` (or `now` when none holds it).
//! - `release` with the last token granted ends the lease; any other token changes nothing.
//! - `write-state` writes when its token is the last one granted and not released;
//!   `read-state` reads whatever was last written.
//! - per user, the counters against the quotas: `charge`, `credit` and `usage` follow
//!   `quota_counters.rs`.

use std::collections::BTreeMap;

use index_sync_core::{Charged, Lease, ProjectUsage};

use super::quota_counters::{Charge, UserCounters};

#[derive(Clone, Debug, Default)]
struct Tenant {
    /// The last token granted, and until when; `None` once released.
    lease: Option<(u64, u64)>,
    last_token: Option<u64>,
    state: Option<String>,
}

/// Leases and record states of every tenant, and every user's counters.
#[derive(Clone, Debug, Default)]
pub struct FakeCoordinator {
    tenants: BTreeMap<(String, String), Tenant>,
    counters: BTreeMap<String, UserCounters>,
    tokens: u64,
    /// A coordinator that orders nothing: every acquire is granted and every state written,
    /// as if requests had no consistent point between them (the engine before invariant
    /// 9). For tests that show a check failing without the order.
    pub permissive: bool,
}

impl FakeCoordinator {
    fn tenant(&mut self, user: &str, project: &str) -> &mut Tenant {
        self.tenants
            .entry((user.to_owned(), project.to_owned()))
            .or_default()
    }

    /// Takes the tenant's lease, or with `token` extends it (module doc).
    pub fn acquire(
        &mut self,
        user: &str,
        project: &str,
        seconds: u64,
        token: Option<u64>,
        now: u64,
    ) -> Lease {
        let next = self.tokens + 1;
        if self.permissive {
            self.tokens = next;
            return Lease::Granted(token.unwrap_or(next));
        }
        let tenant = self.tenant(user, project);
        let held_until = tenant.lease.map(|(_, until)| until).filter(|&u| u > now);
        let until = now.saturating_add(seconds);
        match token {
            Some(token) => match tenant.lease {
                Some((held, _)) if held == token && tenant.last_token == Some(token) => {
                    tenant.lease = Some((token, until));
                    Lease::Granted(token)
                }
                _ => Lease::Busy(held_until.unwrap_or(now)),
            },
            None => match held_until {
                Some(until) => Lease::Busy(until),
                None => {
                    tenant.lease = Some((next, until));
                    tenant.last_token = Some(next);
                    self.tokens = next;
                    Lease::Granted(next)
                }
            },
        }
    }

    /// Ends the lease held under `token`, if it is.
    pub fn release(&mut self, user: &str, project: &str, token: u64) {
        let tenant = self.tenant(user, project);
        if tenant.lease.is_some_and(|(held, _)| held == token) {
            tenant.lease = None;
        }
    }

    /// The tenant's record state.
    pub fn read_state(&mut self, user: &str, project: &str) -> Option<String> {
        self.tenant(user, project).state.clone()
    }

    /// Replaces the record state when `token` holds the lease; whether it did.
    pub fn write_state(
        &mut self,
        user: &str,
        project: &str,
        token: u64,
        state: Option<&str>,
    ) -> bool {
        let permissive = self.permissive;
        let tenant = self.tenant(user, project);
        let holds = permissive
            || tenant.lease.is_some_and(|(held, _)| held == token)
                && tenant.last_token == Some(token);
        if holds {
            tenant.state = state.map(str::to_owned);
        }
        holds
    }

    /// Charges the user's counters (`quota_counters.rs`).
    pub fn charge(&mut self, user: &str, project: &str, charge: Charge) -> Charged {
        self.counters
            .entry(user.to_owned())
            .or_default()
            .charge(project, charge)
    }

    /// Gives back to the user's counters.
    pub fn credit(&mut self, user: &str, project: &str, day: u32, ai: u32, vectors: u32) {
        if let Some(counters) = self.counters.get_mut(user) {
            counters.credit(project, day, ai, vectors);
        }
    }

    /// The user's counters, per project, on `day`.
    pub fn usage(&self, user: &str, day: u32) -> Vec<ProjectUsage> {
        self.counters
            .get(user)
            .map(|c| c.usage(day))
            .unwrap_or_default()
    }

    /// The user's counters, without counting a call (for checks).
    pub fn counters(&self, user: &str) -> Option<&UserCounters> {
        self.counters.get(user)
    }

    /// Whether some request holds the tenant's lease at `now`.
    pub fn is_held(&self, user: &str, project: &str, now: u64) -> bool {
        self.tenants
            .get(&(user.to_owned(), project.to_owned()))
            .and_then(|t| t.lease)
            .is_some_and(|(_, until)| until > now)
    }

    /// The tenant's record state, without counting a call (for checkers).
    pub fn state(&self, user: &str, project: &str) -> Option<&str> {
        self.tenants
            .get(&(user.to_owned(), project.to_owned()))
            .and_then(|t| t.state.as_deref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_holder_at_a_time_until_released_or_run_out() {
        let mut c = FakeCoordinator::default();
        assert_eq!(c.acquire("u", "p", 120, None, 0), Lease::Granted(1));
        assert_eq!(c.acquire("u", "p", 120, None, 10), Lease::Busy(120));
        assert_eq!(
            c.acquire("u", "q", 120, None, 10),
            Lease::Granted(2),
            "another project is another tenant"
        );
        assert_eq!(c.acquire("u", "p", 120, Some(1), 100), Lease::Granted(1));
        assert_eq!(c.acquire("u", "p", 120, None, 150), Lease::Busy(220));
        c.release("u", "p", 7);
        assert_eq!(c.acquire("u", "p", 120, None, 150), Lease::Busy(220));
        c.release("u", "p", 1);
        assert_eq!(c.acquire("u", "p", 120, None, 150), Lease::Granted(3));
        assert_eq!(
            c.acquire("u", "p", 120, None, 270),
            Lease::Granted(4),
            "ran out"
        );
        assert_eq!(
            c.acquire("u", "p", 120, Some(3), 271),
            Lease::Busy(390),
            "a lease that ran out and was taken cannot be renewed"
        );
    }

    #[test]
    fn the_state_is_written_only_under_the_lease() {
        let mut c = FakeCoordinator::default();
        assert!(!c.write_state("u", "p", 1, Some("s")));
        let Lease::Granted(t) = c.acquire("u", "p", 60, None, 0) else {
            panic!("granted")
        };
        assert!(c.write_state("u", "p", t, Some("s")));
        assert_eq!(c.read_state("u", "p").as_deref(), Some("s"));
        assert!(
            c.write_state("u", "p", t, Some("t")),
            "ran out, but no one else was let in"
        );
        c.release("u", "p", t);
        assert!(!c.write_state("u", "p", t, None));
        assert_eq!(c.state("u", "p"), Some("t"));
    }
}
