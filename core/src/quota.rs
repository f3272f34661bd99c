//! The user's quotas (`config/quotas.rs`): the one stage that charges a request's AI work
//! and new vectors to the user's counters, hands the grant out to chunks in request order,
//! and gives back what it did not use. Shared by indexing (`init`, phase 2) and removal
//! (`remove`, a complete sync that removes), as `lease.rs` is by every writer.
//!
//! Why the counters are exact under overlap: they live in the coordinator, one consistent
//! place per user (the Durable Object that holds the user's leases), and a charge is one
//! atomic call that grants at most what the limits leave, counting every project of the
//! user. Two requests of one user (two projects, so their leases do not order them) each
//! get their grant from the same counters in turn; together they never get more than the
//! limit. A request then admits chunks only within its grant, and credits back what it did
//! not use once its work is done.
//!
//! What counts: a distinct piece of code of the request planned for the AI (a miss of the
//! shared cache) is one AI unit of the user's UTC day; a chunk indexed without a marker of
//! the tenant is one vector (a chunk moved to other files or lines keeps its vector). So
//! the vectors counted are the tenant's markers written since quotas were configured: a
//! chunk that ends without its marker (its work failed) is credited back, and a removal
//! credits the markers it found and deleted (their vectors go in the same call, or, if
//! that fails, by a later removal through the journal).

use serde_json::{Map, Value, json};

use crate::calendar::{day_of, reset_at};
use crate::config::Quotas;
use crate::effect::{Charged, Effect, HostError, Outcome, Reply, WRONG_REPLY};
use crate::error::ChunkError;
use crate::request::Tenant;

/// One request's account with the user's quotas: the charge it makes, and the grant it
/// hands out to its chunks in request order.
#[derive(Debug)]
pub(crate) struct Allowance {
    quotas: Quotas,
    tenant: Tenant,
    day: u32,
    /// The charge's answer: `None` until it came, or when none was made.
    charged: Option<Charged>,
    /// The charge could not be made: nothing is granted.
    unavailable: Option<HostError>,
    /// What is left of the grant to hand out.
    ai_left: u32,
    vectors_left: u32,
}

impl Allowance {
    /// The account of `tenant`'s request at `now`, under `quotas`.
    pub(crate) fn new(quotas: Quotas, tenant: Tenant, now: u64) -> Self {
        Self {
            quotas,
            tenant,
            day: day_of(now),
            charged: None,
            unavailable: None,
            ai_left: 0,
            vectors_left: 0,
        }
    }

    /// The charge of `ai` AI units and `vectors` new vectors; `None` when there is nothing
    /// to charge (a request that needs neither makes no call).
    pub(crate) fn charge(&self, ai: u32, vectors: u32) -> Option<Effect> {
        (ai > 0 || vectors > 0).then(|| Effect::CoordinatorCharge {
            user: self.tenant.user.clone(),
            project: self.tenant.project.clone(),
            day: self.day,
            ai,
            ai_limit: self.quotas.ai_chunks_per_user_per_day,
            vectors,
            vectors_limit: self.quotas.vectors_per_user,
        })
    }

    /// The charge's outcome, for a charge of `ai` and `vectors`. A grant larger than asked
    /// counts as what was asked; a failed charge grants nothing.
    pub(crate) fn charged(&mut self, ai: u32, vectors: u32, outcome: Outcome) {
        match outcome {
            Ok(Reply::CoordinatorCharge { charged }) => {
                let granted = Charged {
                    ai: charged.ai.min(ai),
                    vectors: charged.vectors.min(vectors),
                    ..charged
                };
                (self.ai_left, self.vectors_left) = (granted.ai, granted.vectors);
                self.charged = Some(granted);
            }
            Err(e) => self.unavailable = Some(e),
            Ok(_) => self.unavailable = Some(HostError::new("protocol", WRONG_REPLY)),
        }
    }

    /// Takes from the grant what one chunk needs (an AI unit, a vector, both or neither),
    /// or says why it cannot have it: the quota it would pass (not retryable until it
    /// resets or is freed), or the charge that could not be made (retryable).
    pub(crate) fn admit(&mut self, ai: bool, vector: bool) -> Result<(), ChunkError> {
        let short_of_ai = ai && self.ai_left == 0;
        let short_of_vectors = vector && self.vectors_left == 0;
        if !short_of_ai && !short_of_vectors {
            self.ai_left -= u32::from(ai);
            self.vectors_left -= u32::from(vector);
            return Ok(());
        }
        if let Some(e) = &self.unavailable {
            return Err(ChunkError::new(
                ChunkError::COORDINATOR,
                format!(
                    "the coordinator could not count this chunk against the user's quotas \
                     ({}: {}); nothing of it was done, resend",
                    e.code, e.message
                ),
            ));
        }
        Err(ChunkError::new(
            ChunkError::QUOTA_EXCEEDED,
            if short_of_ai {
                self.ai_exceeded()
            } else {
                self.vectors_exceeded()
            },
        ))
    }

    fn ai_exceeded(&self) -> String {
        format!(
            "quota aiChunksPerUserPerDay ({}) reached; resets at {}. Not a retryable \
             failure: resent before then, this chunk fails the same way",
            limit_text(self.quotas.ai_chunks_per_user_per_day),
            reset_at(self.day)
        )
    }

    fn vectors_exceeded(&self) -> String {
        format!(
            "quota vectorsPerUser ({}) reached; remove chunks or projects to free some. Not a \
             retryable failure: resent before some are freed, this chunk fails the same way",
            limit_text(self.quotas.vectors_per_user)
        )
    }

    /// What the charge granted: zero when none was made or it failed.
    pub(crate) fn granted(&self) -> (u32, u32) {
        self.charged.map_or((0, 0), |c| (c.ai, c.vectors))
    }

    /// The credit of `ai` units and `vectors` given back; `None` when there is nothing to
    /// give back.
    pub(crate) fn credit(&self, ai: u32, vectors: u32) -> Option<Effect> {
        credit(&self.tenant, self.day, ai, vectors)
    }

    /// The response's `quota`, once a charge was made: when the day's AI units reset and
    /// what each limit leaves after this request's credit (a kind without a limit is
    /// absent).
    pub(crate) fn left(&self, credit_ai: u32, credit_vectors: u32) -> Option<Value> {
        let charged = self.charged?;
        let mut quota = Map::new();
        quota.insert("resetAt".into(), json!(reset_at(self.day)));
        if let Some(limit) = self.quotas.ai_chunks_per_user_per_day {
            let used = charged.ai_used.saturating_sub(credit_ai);
            quota.insert("aiChunksLeft".into(), json!(limit.saturating_sub(used)));
        }
        if let Some(limit) = self.quotas.vectors_per_user {
            let held = charged.vectors_held.saturating_sub(credit_vectors);
            quota.insert("vectorsLeft".into(), json!(limit.saturating_sub(held)));
        }
        Some(Value::Object(quota))
    }
}

/// A limit as a message names it.
fn limit_text(limit: Option<u32>) -> String {
    limit.map_or_else(|| "no limit configured".into(), |n| n.to_string())
}

/// Gives back `ai` units of `day` and `vectors` to `tenant`'s counters; `None` when both
/// are 0.
pub(crate) fn credit(tenant: &Tenant, day: u32, ai: u32, vectors: u32) -> Option<Effect> {
    (ai > 0 || vectors > 0).then(|| Effect::CoordinatorCredit {
        user: tenant.user.clone(),
        project: tenant.project.clone(),
        day,
        ai,
        vectors,
    })
}

/// A count as the coordinator takes it (at most `u32::MAX`: far more than one request
/// holds).
pub(crate) fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowance(ai: Option<u32>, vectors: Option<u32>) -> Allowance {
        let quotas = Quotas {
            ai_chunks_per_user_per_day: ai,
            vectors_per_user: vectors,
        };
        let tenant = Tenant {
            user: "u".into(),
            project: "p".into(),
        };
        Allowance::new(quotas, tenant, 1_767_225_600)
    }

    fn granted(ai: u32, vectors: u32, ai_used: u32, vectors_held: u32) -> Outcome {
        Ok(Reply::CoordinatorCharge {
            charged: Charged {
                ai,
                vectors,
                ai_used,
                vectors_held,
            },
        })
    }

    #[test]
    fn the_grant_goes_to_chunks_in_order_and_the_rest_is_refused_with_its_quota() {
        let mut a = allowance(Some(2), None);
        assert_eq!(a.charge(0, 0), None, "nothing to charge, no call");
        assert!(matches!(
            a.charge(3, 3),
            Some(Effect::CoordinatorCharge {
                day: 20_454,
                ai_limit: Some(2),
                vectors_limit: None,
                ..
            })
        ));
        a.charged(3, 3, granted(2, 3, 2, 3));
        assert_eq!(a.admit(true, true), Ok(()));
        assert_eq!(a.admit(false, false), Ok(()), "a chunk that needs nothing");
        assert_eq!(a.admit(true, true), Ok(()));
        let refused = a.admit(true, true).unwrap_err();
        assert_eq!(refused.code, "quota_exceeded");
        assert!(
            refused.message.contains("aiChunksPerUserPerDay (2)")
                && refused.message.contains("resets at 2026-01-02T00:00:00Z")
                && refused.message.contains("Not a retryable failure"),
            "{}",
            refused.message
        );
        assert_eq!(a.admit(false, true), Ok(()), "a vector is still left");
        assert_eq!(
            a.left(1, 0),
            Some(json!({"resetAt": "2026-01-02T00:00:00Z", "aiChunksLeft": 1}))
        );
    }

    #[test]
    fn a_charge_that_failed_grants_nothing_and_its_chunks_may_be_resent() {
        let mut a = allowance(Some(2), Some(2));
        a.charged(1, 1, Err(HostError::new("timeout", "slow")));
        assert_eq!(a.granted(), (0, 0));
        assert_eq!(a.admit(false, false), Ok(()));
        assert_eq!(
            a.admit(false, true).unwrap_err().code,
            "coordinator_unavailable"
        );
        assert_eq!(a.left(0, 0), None, "no charge was made");
        let mut b = allowance(None, Some(1));
        b.charged(1, 5, granted(9, 9, 9, 9));
        assert_eq!(b.granted(), (1, 5), "never more than asked");
        assert_eq!(
            b.left(0, 3),
            Some(json!({"resetAt": "2026-01-02T00:00:00Z", "vectorsLeft": 0}))
        );
        assert_eq!(b.credit(0, 0), None);
    }
}
