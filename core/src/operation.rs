//! The engine and the operations it starts: a request becomes an [`Operation`] that the host
//! drives with `poll` and `handle` until it is done. No I/O, no clock, no randomness here.

use std::str::FromStr;
use std::sync::Arc;

use crate::complete_sync::CompleteSync;
use crate::config::Config;
use crate::effect::{Effect, HostError, Outcome, Response, Step};
use crate::error::{ConfigError, RequestError};
use crate::indexing::Indexing;
use crate::lease::{LeaseAnswer, TenantLease};
use crate::remove::Remove;
use crate::request::{
    SyncRequest, Tenant, parse_init, parse_remove, parse_search, parse_status, parse_sync,
    parse_usage,
};
use crate::search::Search;
use crate::status::IndexStatus;
use crate::sync_check::SyncCheck;
use crate::usage::Usage;

/// The requests of the HTTP API.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequestKind {
    /// `POST /v1/index/init`.
    Init,
    /// `POST /v1/index/sync`, phase 1 or 2.
    Sync,
    /// `POST /v1/index/search`.
    Search,
    /// `POST /v1/index/remove`.
    Remove,
    /// `POST /v1/index/usage`.
    Usage,
    /// `POST /v1/index/status`.
    Status,
}

impl RequestKind {
    /// Every request, in the order of the API.
    pub const ALL: [RequestKind; 6] = [
        Self::Init,
        Self::Sync,
        Self::Search,
        Self::Remove,
        Self::Usage,
        Self::Status,
    ];

    /// The request's name, the last part of its route: `init`, `sync`, `search`,
    /// `remove`, `usage`, `status`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Init => "init",
            Self::Sync => "sync",
            Self::Search => "search",
            Self::Remove => "remove",
            Self::Usage => "usage",
            Self::Status => "status",
        }
    }
}

impl FromStr for RequestKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.as_str() == s)
            .ok_or_else(|| {
                format!("unknown request {s:?}: init, sync, search, remove, usage or status")
            })
    }
}

/// A configured engine. Cheap to clone; starts operations.
#[derive(Clone, Debug)]
pub struct Engine {
    config: Arc<Config>,
}

impl Engine {
    /// An engine with a checked config.
    pub fn new(config: Config) -> Result<Self, ConfigError> {
        config.validate()?;
        Ok(Self {
            config: Arc::new(config),
        })
    }

    /// The config in force.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Starts one request for the authenticated `user` at `now` (Unix seconds). The body is
    /// read and checked here; a refused body yields its error response on the first poll,
    /// with no effect before it.
    pub fn start(&self, kind: RequestKind, user: &str, body: &[u8], now: u64) -> Operation {
        let config = Arc::clone(&self.config);
        let machine = match kind {
            RequestKind::Init => parse_init(&config, user, body)
                .map(|r| Machine::Index(Indexing::new(config.clone(), r, now))),
            RequestKind::Sync => parse_sync(&config, user, body).map(|r| match r {
                SyncRequest::Check(r) => match r.complete.clone() {
                    Some(scope) => {
                        Machine::Complete(CompleteSync::new(config.clone(), r, scope, now))
                    }
                    None => Machine::Check(SyncCheck::new(config.clone(), r, now)),
                },
                SyncRequest::Upload(r) => Machine::Index(Indexing::new(config.clone(), r, now)),
            }),
            RequestKind::Search => parse_search(&config, user, body)
                .map(|r| Machine::Search(Search::new(config.clone(), r))),
            RequestKind::Remove => parse_remove(&config, user, body)
                .map(|r| Machine::Remove(Remove::new(config.clone(), r, now))),
            RequestKind::Usage => parse_usage(&config, user, body)
                .map(|r| Machine::Usage(Usage::new(config.clone(), r, now))),
            RequestKind::Status => {
                parse_status(&config, user, body).map(|r| Machine::Status(IndexStatus::new(r)))
            }
        };
        let machine = machine.unwrap_or_else(|e| Machine::Refused(Some(e)));
        let lease = machine.tenant().map(|tenant| {
            TenantLease::new(
                tenant.clone(),
                config.lease_seconds,
                config.busy_retry_after_seconds,
                now,
            )
        });
        Operation {
            machine,
            lease,
            budget: Budget {
                calls_left: self.config.operation_budget,
                kv_left: self.config.kv_operation_budget,
            },
            in_flight: 0,
        }
    }
}

/// Host operations an invocation may still make: calls of any kind (subrequests), and
/// among them KV operations, which the platform limits separately.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Budget {
    calls_left: usize,
    kv_left: usize,
}

impl Budget {
    /// Calls of any kind left.
    pub(crate) fn calls(&self) -> usize {
        self.calls_left
    }

    /// KV operations left (each is also a call).
    pub(crate) fn kv(&self) -> usize {
        self.kv_left.min(self.calls_left)
    }

    /// The budget with `calls` of any kind held back (for the lease's release).
    pub(crate) fn less(&self, calls: usize) -> Self {
        Self {
            calls_left: self.calls_left.saturating_sub(calls),
            kv_left: self.kv_left,
        }
    }

    #[cfg(test)]
    pub(crate) fn new(calls: usize, kv: usize) -> Self {
        Self {
            calls_left: calls,
            kv_left: kv,
        }
    }

    fn spend(&mut self, batch: &[Effect]) {
        let kv = batch.iter().filter(|e| e.is_kv()).count();
        debug_assert!(
            batch.len() <= self.calls_left && kv <= self.kv_left,
            "over budget"
        );
        self.calls_left = self.calls_left.saturating_sub(batch.len());
        self.kv_left = self.kv_left.saturating_sub(kv);
    }
}

/// One operation's state machine: each of these is one file.
pub(crate) trait Procedure {
    /// The next step; an `Io` batch never spends more than `budget` has left.
    fn poll(&mut self, budget: &Budget) -> Step;
    /// One outcome per effect of the last `Io` batch, in order.
    fn handle(&mut self, outcomes: Vec<Outcome>);
    /// Whether the tenant's lease must be taken (or, held, renewed) before the next poll
    /// (`lease.rs`). Asked before every poll; the answer comes to [`Procedure::leased`].
    fn wants_lease(&self) -> bool {
        false
    }
    /// The coordinator's answer to [`Procedure::wants_lease`].
    fn leased(&mut self, _answer: LeaseAnswer) {}
}

enum Machine {
    Refused(Option<RequestError>),
    Check(SyncCheck),
    Complete(CompleteSync),
    Index(Indexing),
    Search(Search),
    Remove(Remove),
    Usage(Usage),
    Status(IndexStatus),
}

impl Machine {
    fn procedure(&mut self) -> Option<&mut dyn Procedure> {
        match self {
            Machine::Refused(_) => None,
            Machine::Check(p) => Some(p),
            Machine::Complete(p) => Some(p),
            Machine::Index(p) => Some(p),
            Machine::Search(p) => Some(p),
            Machine::Remove(p) => Some(p),
            Machine::Usage(p) => Some(p),
            Machine::Status(p) => Some(p),
        }
    }

    /// The tenant whose lease the procedure may want; none for a request that changes
    /// nothing (a search, the figures of `usage` and `status`), or a refused one.
    fn tenant(&self) -> Option<&Tenant> {
        match self {
            Machine::Refused(_) | Machine::Search(_) | Machine::Usage(_) | Machine::Status(_) => {
                None
            }
            Machine::Check(p) => Some(p.tenant()),
            Machine::Complete(p) => Some(p.tenant()),
            Machine::Index(p) => Some(p.tenant()),
            Machine::Remove(p) => Some(p.tenant()),
        }
    }
}

/// One request in progress. Drive it: `poll`, perform any `Io` batch, `handle` its
/// outcomes, until `Step::Done`.
pub struct Operation {
    machine: Machine,
    /// The tenant's lease, for procedures that may want it.
    lease: Option<TenantLease>,
    budget: Budget,
    in_flight: usize,
}

impl Operation {
    /// What to do next.
    ///
    /// Polling again before handing back the last batch's outcomes counts that batch as
    /// failed: nothing is assumed written.
    pub fn poll(&mut self) -> Step {
        if self.in_flight > 0 {
            self.handle(Vec::new());
        }
        let step = self.next_step();
        if let Step::Io(batch) = &step {
            debug_assert!(!batch.is_empty(), "an empty batch");
            self.in_flight = batch.len();
            self.budget.spend(batch);
        }
        step
    }

    /// The procedure's next step, with the lease taken, renewed and released around it.
    fn next_step(&mut self) -> Step {
        let Some(procedure) = self.machine.procedure() else {
            let Machine::Refused(error) = &mut self.machine else {
                unreachable!("only a refused request has no procedure")
            };
            return match error.take() {
                Some(e) => Step::Respond(Response {
                    status: e.status(),
                    body: e.to_body(),
                }),
                None => Step::Done,
            };
        };
        let Some(lease) = &mut self.lease else {
            return procedure.poll(&self.budget);
        };
        // A procedure yields an empty batch where it wants the lease: asked for here.
        loop {
            if procedure.wants_lease() {
                // Its release is kept in hand too, whatever the procedure spends.
                if self.budget.calls() >= 2 {
                    return Step::Io(vec![lease.acquire()]);
                }
                procedure.leased(LeaseAnswer::Failed(HostError::new(
                    "budget",
                    "no call left to ask the coordinator",
                )));
            }
            let reserve = usize::from(lease.release_pending());
            match procedure.poll(&self.budget.less(reserve)) {
                Step::Io(batch) if batch.is_empty() && procedure.wants_lease() => continue,
                Step::Done => return lease.release().map_or(Step::Done, |r| Step::Io(vec![r])),
                step => return step,
            }
        }
    }

    /// Drives the operation to its end with a synchronous host: `perform` carries out one
    /// effect. The work after the response (marker refreshes) is done too. For hosts with
    /// blocking calls (the component guest, native runners); an async host polls itself.
    pub fn run_to_end(mut self, mut perform: impl FnMut(Effect) -> Outcome) -> Response {
        let mut response = None;
        loop {
            match self.poll() {
                Step::Io(batch) => {
                    let outcomes = batch.into_iter().map(&mut perform).collect();
                    self.handle(outcomes);
                }
                Step::Respond(r) => response = Some(r),
                Step::Done => break,
            }
        }
        response.unwrap_or_else(|| {
            let error = RequestError::new(
                crate::error::RequestErrorKind::NoResponse,
                "the operation ended without a response",
            );
            Response {
                status: error.status(),
                body: error.to_body(),
            }
        })
    }

    /// The outcomes of the last `Io` batch, one per effect, in order. Missing outcomes count
    /// as failed calls; extra ones are ignored.
    pub fn handle(&mut self, mut outcomes: Vec<Outcome>) {
        let expected = std::mem::take(&mut self.in_flight);
        outcomes.truncate(expected);
        while outcomes.len() < expected {
            outcomes.push(Err(HostError::new(
                "missing",
                "the host returned no outcome",
            )));
        }
        if let Some(lease) = self.lease.as_mut().filter(|l| l.in_flight()) {
            let answer = lease.handle(outcomes.into_iter().next());
            if let (Some(answer), Some(procedure)) = (answer, self.machine.procedure()) {
                procedure.leased(answer);
            }
            return;
        }
        if let Some(procedure) = self.machine.procedure() {
            procedure.handle(outcomes);
        }
    }
}
