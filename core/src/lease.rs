//! The tenant's lease: the one stage that orders the requests of one tenant (invariant 9).
//!
//! KV cannot compare-and-set and shows writes late, so two requests of one tenant that both
//! change its index (two editor windows, CI beside a laptop, a resend racing its original)
//! could interleave their writes and leave a marker without its vector, a vector nothing
//! reaches, or a record state vouching for an index that changed. The coordinator (one
//! consistent place per tenant: a Durable Object in a Worker) grants the tenant's lease to
//! one request at a time; every other request that would change the index is refused at
//! once with `409 tenant_busy` and a `Retry-After`, before it has read or written anything.
//! Nothing waits: a refused request costs one coordinator call.
//!
//! A procedure says when it needs the lease (`Procedure::wants_lease`): before its first
//! call for requests that change the index, before the work after the response for a phase
//! 1 that found due markers to refresh, and once more after the AI calls of an indexing
//! request (the slow part), to renew it before its first write. The operation
//! (`operation.rs`) makes the call and hands the answer back (`Procedure::leased`), and
//! releases the lease when the procedure is done, whatever happened.
//!
//! The lease runs out after `leaseSeconds`, so a request that died holding it locks its
//! tenant out that long at most. A request whose lease ran out and was taken finds out at
//! its renewal, or when its record-state write is refused: the coordinator checks the token.

use crate::effect::{Effect, HostError, Lease, Outcome, Reply};
use crate::error::{RequestError, RequestErrorKind};
use crate::request::Tenant;

/// The coordinator's answer to a procedure that wants the lease.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum LeaseAnswer {
    /// The procedure holds the lease, under this token.
    Held(u64),
    /// Another request holds it: resend after this many seconds.
    Busy(u64),
    /// The coordinator could not be asked, or answered something else.
    Failed(HostError),
}

impl LeaseAnswer {
    /// The refusal of a whole request that could not get the lease before its first call.
    pub(crate) fn refusal(&self) -> Option<RequestError> {
        match self {
            LeaseAnswer::Held(_) => None,
            LeaseAnswer::Busy(seconds) => Some(
                RequestError::new(
                    RequestErrorKind::TenantBusy,
                    format!(
                        "another request of this user and project is changing its index; \
                         resend in {seconds} s"
                    ),
                )
                .retry_after(*seconds),
            ),
            LeaseAnswer::Failed(e) => Some(RequestError::new(
                RequestErrorKind::CoordinatorUnavailable,
                format!(
                    "the coordinator could not be asked ({}: {}); nothing was done, resend",
                    e.code, e.message
                ),
            )),
        }
    }
}

/// What a lease call in flight was.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Call {
    None,
    Acquire,
    Release,
}

/// One request's lease: its token while held.
#[derive(Debug)]
pub(crate) struct TenantLease {
    tenant: Tenant,
    seconds: u64,
    retry_after: u64,
    now: u64,
    /// The last token granted: renewed with, and given back at the end, held or not (giving
    /// back a token that no longer holds the lease changes nothing).
    token: Option<u64>,
    held: bool,
    call: Call,
    released: bool,
}

impl TenantLease {
    /// A lease of `tenant` for `seconds`, not yet asked for; a refusal tells the client to
    /// resend after at most `retry_after` seconds.
    pub(crate) fn new(tenant: Tenant, seconds: u64, retry_after: u64, now: u64) -> Self {
        Self {
            tenant,
            seconds,
            retry_after,
            now,
            token: None,
            held: false,
            call: Call::None,
            released: false,
        }
    }

    /// Whether it was granted and is not yet given back: a call is kept for that.
    pub(crate) fn release_pending(&self) -> bool {
        self.token.is_some() && !self.released
    }

    /// Whether a lease call is in flight.
    pub(crate) fn in_flight(&self) -> bool {
        self.call != Call::None
    }

    /// The call that takes the lease, or renews the one held.
    pub(crate) fn acquire(&mut self) -> Effect {
        self.call = Call::Acquire;
        Effect::CoordinatorAcquire {
            user: self.tenant.user.clone(),
            project: self.tenant.project.clone(),
            seconds: self.seconds,
            token: self.token.filter(|_| self.held),
        }
    }

    /// The call that gives it back, when it was granted and not yet given back.
    pub(crate) fn release(&mut self) -> Option<Effect> {
        if self.released {
            return None;
        }
        let token = self.token?;
        self.released = true;
        self.call = Call::Release;
        Some(Effect::CoordinatorRelease {
            user: self.tenant.user.clone(),
            project: self.tenant.project.clone(),
            token,
        })
    }

    /// The outcome of the call in flight: for an acquire, the answer for the procedure.
    /// A release that failed leaves the lease to run out.
    pub(crate) fn handle(&mut self, outcome: Option<Outcome>) -> Option<LeaseAnswer> {
        let call = std::mem::replace(&mut self.call, Call::None);
        if call != Call::Acquire {
            return None;
        }
        let answer = match outcome {
            Some(Ok(Reply::CoordinatorAcquire {
                lease: Lease::Granted(token),
            })) => {
                self.token = Some(token);
                LeaseAnswer::Held(token)
            }
            // For a renewal: the lease ran out and another request holds it now.
            Some(Ok(Reply::CoordinatorAcquire {
                lease: Lease::Busy(until),
            })) => LeaseAnswer::Busy(until.saturating_sub(self.now).clamp(1, self.retry_after)),
            Some(Err(e)) => LeaseAnswer::Failed(e),
            Some(Ok(_)) | None => {
                LeaseAnswer::Failed(HostError::new("protocol", crate::effect::WRONG_REPLY))
            }
        };
        // A renewal that could not be made: the lease may have run out, and what comes
        // next must not count on it.
        self.held = matches!(answer, LeaseAnswer::Held(_));
        Some(answer)
    }
}

/// The coordinator's record-state calls, for the tenant of `tenant`.
pub(crate) fn read_state(tenant: &Tenant) -> Effect {
    Effect::CoordinatorReadState {
        user: tenant.user.clone(),
        project: tenant.project.clone(),
    }
}

/// Replaces (or with `None` removes) the tenant's record state under the lease `token`.
pub(crate) fn write_state(tenant: &Tenant, token: u64, state: Option<String>) -> Effect {
    Effect::CoordinatorWriteState {
        user: tenant.user.clone(),
        project: tenant.project.clone(),
        token,
        state,
    }
}

/// Whether a record-state write was made: `false` when its token no longer held the lease
/// or the call failed (the state may then be as it was).
pub(crate) fn state_written(outcome: &Outcome) -> bool {
    matches!(outcome, Ok(Reply::CoordinatorWriteState { written: true }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lease() -> TenantLease {
        TenantLease::new(
            Tenant {
                user: "alice".into(),
                project: "p".into(),
            },
            120,
            2,
            1_000,
        )
    }

    #[test]
    fn granted_then_renewed_then_released_once() {
        let mut l = lease();
        assert!(matches!(
            l.acquire(),
            Effect::CoordinatorAcquire { token: None, .. }
        ));
        let granted = Ok(Reply::CoordinatorAcquire {
            lease: Lease::Granted(7),
        });
        assert_eq!(l.handle(Some(granted.clone())), Some(LeaseAnswer::Held(7)));
        assert!(matches!(
            l.acquire(),
            Effect::CoordinatorAcquire { token: Some(7), .. }
        ));
        assert_eq!(l.handle(Some(granted)), Some(LeaseAnswer::Held(7)));
        l.acquire();
        let lost = l.handle(Some(Err(HostError::new("timeout", "slow"))));
        assert!(matches!(lost, Some(LeaseAnswer::Failed(_))));
        assert!(!l.held, "a renewal that failed is no lease to count on");
        assert!(
            matches!(
                l.release(),
                Some(Effect::CoordinatorRelease { token: 7, .. })
            ),
            "but it is given back"
        );
        assert_eq!(l.handle(Some(Ok(Reply::CoordinatorRelease))), None);
        assert_eq!(l.release(), None, "released once");
    }

    #[test]
    fn busy_says_when_to_resend_within_the_cap() {
        let mut l = lease();
        l.acquire();
        let busy = |until| {
            Some(Ok(Reply::CoordinatorAcquire {
                lease: Lease::Busy(until),
            }))
        };
        assert_eq!(l.handle(busy(1_100)), Some(LeaseAnswer::Busy(2)));
        l.acquire();
        assert_eq!(
            l.handle(busy(900)),
            Some(LeaseAnswer::Busy(1)),
            "at least 1 s"
        );
        assert!(!l.held);
        assert_eq!(l.release(), None, "nothing granted, nothing to give back");
        let refusal = LeaseAnswer::Busy(2).refusal().unwrap();
        assert_eq!(refusal.status(), 409);
        assert_eq!(refusal.to_body()["error"]["retryAfterSeconds"], 2);
    }

    #[test]
    fn a_failed_or_odd_answer_is_no_lease() {
        let mut l = lease();
        l.acquire();
        let answer = l
            .handle(Some(Err(HostError::new("timeout", "slow"))))
            .unwrap();
        assert!(matches!(answer, LeaseAnswer::Failed(_)));
        assert_eq!(answer.refusal().unwrap().status(), 503);
        l.acquire();
        assert!(matches!(
            l.handle(Some(Ok(Reply::KvPut))),
            Some(LeaseAnswer::Failed(_))
        ));
        assert!(!l.held);
    }
}
