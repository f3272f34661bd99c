//! The fake world every conformance scenario starts from: KV, AI, Vectorize, the text index
//! and the coordinator in memory, a clock, per-call counters and injected faults. Both native hosts (the engine driven
//! directly, and the component through its WIT imports) call the same five methods, so a
//! scenario sees the same world through either.

pub mod ai;
pub mod coordinator;
pub mod kv;
pub mod quota_counters;
pub mod text_index;
pub mod vectorize;

use std::collections::BTreeMap;

use index_sync_core::{
    Charged, Effect, HostError, Lease, Match, Outcome, ProjectUsage, TextEntry, Vector,
};

use crate::backend::Backend;
use quota_counters::Charge;
use serde_json::Value;

pub use ai::AiUsage;
pub use coordinator::FakeCoordinator;
pub use kv::FakeKv;
pub use text_index::FakeTextIndex;
pub use vectorize::FakeVectorize;

/// 2026-01-01T00:00:00Z, where every scenario's clock starts.
pub const SCENARIO_EPOCH: u64 = 1_767_225_600;

/// How an injected fault shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultMode {
    /// The call fails and nothing is written.
    Error,
    /// The call is carried out, then reported as timed out: the caller cannot tell whether
    /// it happened.
    Timeout,
}

/// KV, AI, Vectorize, text-index and coordinator fakes with a clock.
#[derive(Clone, Debug)]
pub struct World {
    /// Unix seconds.
    pub now: u64,
    /// The KV namespace.
    pub kv: FakeKv,
    /// The Vectorize index.
    pub vectorize: FakeVectorize,
    /// The tenants' word index (hybrid search).
    pub text_index: FakeTextIndex,
    /// The tenants' leases and record states.
    pub coordinator: FakeCoordinator,
    calls: BTreeMap<&'static str, u64>,
    classes: BTreeMap<&'static str, u64>,
    faults: Vec<Fault>,
    /// What the AI calls were given.
    pub ai_usage: AiUsage,
}

/// One injected fault: the call of `target` after `skip` more such calls fails.
#[derive(Clone, Debug)]
struct Fault {
    /// A call name (`kv.put`) or class (`ai.run:summary`, `ai.run:embedding`).
    target: String,
    skip: usize,
    mode: FaultMode,
}

/// The finer class of an AI call, for faults aimed at one kind: `ai.run:summary` for text
/// generation, `ai.run:embedding` for embeddings.
pub fn ai_class(input: &Value) -> &'static str {
    if input.get("text").is_some() {
        "ai.run:embedding"
    } else {
        "ai.run:summary"
    }
}

impl Default for World {
    fn default() -> Self {
        Self::new()
    }
}

impl World {
    /// An empty world at the scenario epoch.
    pub fn new() -> Self {
        Self {
            now: SCENARIO_EPOCH,
            kv: FakeKv::default(),
            vectorize: FakeVectorize::default(),
            text_index: FakeTextIndex::default(),
            coordinator: FakeCoordinator::default(),
            calls: BTreeMap::new(),
            classes: BTreeMap::new(),
            faults: Vec::new(),
            ai_usage: AiUsage::default(),
        }
    }

    /// Moves the clock; KV entries whose TTL ran out disappear.
    pub fn advance(&mut self, seconds: u64) {
        self.now += seconds;
        self.kv.expire(self.now);
    }

    /// The `times` calls named `call` after the next `skip` fail in `mode`.
    pub fn fail_next(&mut self, call: &str, times: usize, skip: usize, mode: FaultMode) {
        for _ in 0..times {
            self.fail_after(call, skip, mode);
        }
    }

    /// The call of `target` (a name, or an AI class from [`ai_class`]) after `skip` more
    /// such calls fails in `mode`; the calls before and after it succeed.
    pub fn fail_after(&mut self, target: &str, skip: usize, mode: FaultMode) {
        self.faults.push(Fault {
            target: target.to_owned(),
            skip,
            mode,
        });
    }

    /// Calls made so far, by name.
    pub fn calls(&self) -> &BTreeMap<&'static str, u64> {
        &self.calls
    }

    /// Calls made so far, by name and, for AI calls, by class too.
    pub fn call_classes(&self) -> &BTreeMap<&'static str, u64> {
        &self.classes
    }

    /// Counts a call and fires the first due fault aimed at it, if any; every fault aimed
    /// at it that is not yet due comes one call closer.
    fn begin(&mut self, name: &'static str, class: &'static str) -> Option<FaultMode> {
        *self.calls.entry(name).or_default() += 1;
        *self.classes.entry(class).or_default() += 1;
        let aimed = |f: &Fault| f.target == name || f.target == class;
        let due = self.faults.iter().position(|f| aimed(f) && f.skip == 0);
        for fault in self.faults.iter_mut().filter(|f| aimed(f) && f.skip > 0) {
            fault.skip -= 1;
        }
        due.map(|i| self.faults.remove(i).mode)
    }

    /// Runs one call under the fault plan: an `Error` fault skips it, a `Timeout` fault runs
    /// it and hides the result.
    fn call<T>(
        &mut self,
        name: &'static str,
        run: impl FnOnce(&mut Self) -> Result<T, HostError>,
    ) -> Result<T, HostError> {
        self.call_as(name, name, run)
    }

    fn call_as<T>(
        &mut self,
        name: &'static str,
        class: &'static str,
        run: impl FnOnce(&mut Self) -> Result<T, HostError>,
    ) -> Result<T, HostError> {
        match self.begin(name, class) {
            None => run(self),
            Some(FaultMode::Error) => Err(HostError::new(
                "error",
                format!("injected failure of {name}"),
            )),
            Some(FaultMode::Timeout) => {
                let _ = run(self);
                Err(HostError::new(
                    "timeout",
                    format!("injected time-out of {name}"),
                ))
            }
        }
    }

    /// Adds to a billed count (`kv.keysRead`, ...): KV bills per key, a bulk read of 100
    /// keys as 100 reads (kv pricing).
    fn bill(&mut self, name: &'static str, keys: usize) {
        *self.calls.entry(name).or_default() += keys as u64;
    }

    /// `kv.get`: a bulk read.
    pub fn kv_get(&mut self, keys: &[String]) -> Result<Vec<Option<String>>, HostError> {
        self.bill("kv.keysRead", keys.len());
        self.call("kv.get", |w| w.kv.get(keys, w.now))
    }

    /// `kv.put`: a write with an optional TTL and metadata.
    pub fn kv_put(
        &mut self,
        key: &str,
        value: &str,
        ttl: Option<u64>,
        metadata: Option<&Value>,
    ) -> Result<(), HostError> {
        self.bill("kv.keysWritten", 1);
        self.call("kv.put", |w| {
            w.kv.put_with(key, value, ttl, metadata, w.now)
        })
    }

    /// `kv.delete`: one key.
    pub fn kv_delete(&mut self, key: &str) -> Result<(), HostError> {
        self.bill("kv.keysDeleted", 1);
        self.call("kv.delete", |w| {
            w.kv.delete(key);
            Ok(())
        })
    }

    /// `kv.list`: one page.
    pub fn kv_list(
        &mut self,
        prefix: &str,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<kv::Page, HostError> {
        self.call("kv.list", |w| w.kv.list(prefix, cursor, limit, w.now))
    }

    /// `ai.run`.
    pub fn ai_run(&mut self, model: &str, input: &Value) -> Result<Value, HostError> {
        self.ai_usage.add(input);
        self.call_as("ai.run", ai_class(input), |_| ai::run(model, input))
    }

    /// `vectorize.upsert`.
    pub fn vectorize_upsert(&mut self, vectors: Vec<Vector>) -> Result<(), HostError> {
        self.call("vectorize.upsert", |w| w.vectorize.upsert(vectors))
    }

    /// `vectorize.query`.
    pub fn vectorize_query(
        &mut self,
        vector: &[f32],
        top_k: u32,
        filter: &Value,
    ) -> Result<Vec<Match>, HostError> {
        self.call("vectorize.query", |w| {
            Ok(w.vectorize.query(vector, top_k, filter))
        })
    }

    /// `vectorize.deleteByIds`.
    pub fn vectorize_delete_by_ids(&mut self, ids: &[String]) -> Result<(), HostError> {
        self.call("vectorize.deleteByIds", |w| w.vectorize.delete_by_ids(ids))
    }

    /// `textIndex.put`.
    pub fn text_index_put(&mut self, entries: Vec<TextEntry>) -> Result<(), HostError> {
        self.call("textIndex.put", |w| w.text_index.put(entries))
    }

    /// `textIndex.query`.
    pub fn text_index_query(
        &mut self,
        user: &str,
        project: &str,
        terms: &[String],
        top_k: u32,
    ) -> Result<Vec<Match>, HostError> {
        self.call("textIndex.query", |w| {
            Ok(w.text_index.query(user, project, terms, top_k))
        })
    }

    /// `textIndex.delete`.
    pub fn text_index_delete(&mut self, ids: &[String]) -> Result<(), HostError> {
        self.call("textIndex.delete", |w| w.text_index.delete(ids))
    }

    /// `coordinator.acquire`.
    pub fn coordinator_acquire(
        &mut self,
        user: &str,
        project: &str,
        seconds: u64,
        token: Option<u64>,
    ) -> Result<Lease, HostError> {
        self.call("coordinator.acquire", |w| {
            Ok(w.coordinator.acquire(user, project, seconds, token, w.now))
        })
    }

    /// `coordinator.release`.
    pub fn coordinator_release(
        &mut self,
        user: &str,
        project: &str,
        token: u64,
    ) -> Result<(), HostError> {
        self.call("coordinator.release", |w| {
            w.coordinator.release(user, project, token);
            Ok(())
        })
    }

    /// `coordinator.readState`.
    pub fn coordinator_read_state(
        &mut self,
        user: &str,
        project: &str,
    ) -> Result<Option<String>, HostError> {
        self.call("coordinator.readState", |w| {
            Ok(w.coordinator.read_state(user, project))
        })
    }

    /// `coordinator.writeState`.
    pub fn coordinator_write_state(
        &mut self,
        user: &str,
        project: &str,
        token: u64,
        state: Option<&str>,
    ) -> Result<bool, HostError> {
        self.call("coordinator.writeState", |w| {
            Ok(w.coordinator.write_state(user, project, token, state))
        })
    }

    /// `coordinator.charge`.
    pub fn coordinator_charge(
        &mut self,
        user: &str,
        project: &str,
        charge: Charge,
    ) -> Result<Charged, HostError> {
        self.call("coordinator.charge", |w| {
            Ok(w.coordinator.charge(user, project, charge))
        })
    }

    /// `coordinator.credit`.
    pub fn coordinator_credit(
        &mut self,
        user: &str,
        project: &str,
        day: u32,
        ai: u32,
        vectors: u32,
    ) -> Result<(), HostError> {
        self.call("coordinator.credit", |w| {
            w.coordinator.credit(user, project, day, ai, vectors);
            Ok(())
        })
    }

    /// `coordinator.usage`.
    pub fn coordinator_usage(
        &mut self,
        user: &str,
        day: u32,
    ) -> Result<Vec<ProjectUsage>, HostError> {
        self.call("coordinator.usage", |w| Ok(w.coordinator.usage(user, day)))
    }

    /// Performs one engine effect (the same dispatch every [`Backend`] has).
    pub fn perform(&mut self, effect: Effect) -> Outcome {
        Backend::perform(self, effect)
    }
}
