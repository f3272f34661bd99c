//! The capabilities a host lends the engine, as one trait: the in-memory fakes of the
//! conformance scenarios and the SQLite store of the command-line tool both implement it, so
//! the component host (and the engine driver) serve either without knowing which.

use index_sync_core::{
    Charged, Effect, HostError, Lease, ListedKey, Match, Outcome, ProjectUsage, Reply, TextEntry,
    Vector,
};
use serde_json::Value;

use crate::fakes::World;
pub use crate::fakes::quota_counters::Charge;

/// Workers KV, Workers AI, Vectorize, the text index and the coordinator, or something that
/// behaves like them. Each method is one host call as the engine counts them; a failed call writes
/// nothing.
pub trait Backend: 'static {
    /// KV bulk read: one value or `None` per key, in order.
    fn kv_get(&mut self, keys: &[String]) -> Result<Vec<Option<String>>, HostError>;
    /// KV write, expiring `ttl` seconds later when given, with the key's metadata.
    fn kv_put(
        &mut self,
        key: &str,
        value: &str,
        ttl: Option<u64>,
        metadata: Option<&Value>,
    ) -> Result<(), HostError>;
    /// KV delete of one key; a missing key is no error.
    fn kv_delete(&mut self, key: &str) -> Result<(), HostError>;
    /// One page of the keys under `prefix`, after `cursor`, at most `limit`.
    fn kv_list(
        &mut self,
        prefix: &str,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<(Vec<ListedKey>, Option<String>), HostError>;
    /// Runs an AI model on a JSON input.
    fn ai_run(&mut self, model: &str, input: &Value) -> Result<Value, HostError>;
    /// Stores vectors, replacing any of the same id.
    fn vectorize_upsert(&mut self, vectors: Vec<Vector>) -> Result<(), HostError>;
    /// The best `top_k` vectors matching `filter`.
    fn vectorize_query(
        &mut self,
        vector: &[f32],
        top_k: u32,
        filter: &Value,
    ) -> Result<Vec<Match>, HostError>;
    /// Deletes vectors by id; missing ids are no error.
    fn vectorize_delete_by_ids(&mut self, ids: &[String]) -> Result<(), HostError>;
    /// Stores text-index entries, replacing any of the same id.
    fn text_index_put(&mut self, entries: Vec<TextEntry>) -> Result<(), HostError>;
    /// The tenant's entries holding any of `terms`, best first, at most `top_k`.
    fn text_index_query(
        &mut self,
        user: &str,
        project: &str,
        terms: &[String],
        top_k: u32,
    ) -> Result<Vec<Match>, HostError>;
    /// Deletes text-index entries by id; missing ids are no error.
    fn text_index_delete(&mut self, ids: &[String]) -> Result<(), HostError>;
    /// Takes the tenant's lease, or with `token` extends it (`fakes::coordinator`).
    fn coordinator_acquire(
        &mut self,
        user: &str,
        project: &str,
        seconds: u64,
        token: Option<u64>,
    ) -> Result<Lease, HostError>;
    /// Gives the tenant's lease back.
    fn coordinator_release(
        &mut self,
        user: &str,
        project: &str,
        token: u64,
    ) -> Result<(), HostError>;
    /// The tenant's record state.
    fn coordinator_read_state(
        &mut self,
        user: &str,
        project: &str,
    ) -> Result<Option<String>, HostError>;
    /// Replaces the tenant's record state under the lease `token`; whether it did.
    fn coordinator_write_state(
        &mut self,
        user: &str,
        project: &str,
        token: u64,
        state: Option<&str>,
    ) -> Result<bool, HostError>;
    /// Charges the user's counters against the quotas; grants what the limits leave
    /// (`fakes::quota_counters`).
    fn coordinator_charge(
        &mut self,
        user: &str,
        project: &str,
        charge: Charge,
    ) -> Result<Charged, HostError>;
    /// Gives back to the user's counters, never below 0.
    fn coordinator_credit(
        &mut self,
        user: &str,
        project: &str,
        day: u32,
        ai: u32,
        vectors: u32,
    ) -> Result<(), HostError>;
    /// The user's counters, per project, on `day`.
    fn coordinator_usage(&mut self, user: &str, day: u32) -> Result<Vec<ProjectUsage>, HostError>;

    /// Performs one engine effect through the methods above.
    fn perform(&mut self, effect: Effect) -> Outcome {
        match effect {
            Effect::KvGet { keys } => self.kv_get(&keys).map(|values| Reply::KvGet { values }),
            Effect::KvPut {
                key,
                value,
                ttl_seconds,
                metadata,
            } => self
                .kv_put(&key, &value, ttl_seconds, metadata.as_ref())
                .map(|()| Reply::KvPut),
            Effect::KvDelete { key } => self.kv_delete(&key).map(|()| Reply::KvDelete),
            Effect::KvList {
                prefix,
                cursor,
                limit,
            } => self
                .kv_list(&prefix, cursor.as_deref(), limit)
                .map(|(keys, cursor)| Reply::KvList { keys, cursor }),
            Effect::AiRun { model, input } => self
                .ai_run(&model, &input)
                .map(|output| Reply::AiRun { output }),
            Effect::VectorizeUpsert { vectors } => self
                .vectorize_upsert(vectors)
                .map(|()| Reply::VectorizeUpsert),
            Effect::VectorizeQuery {
                vector,
                top_k,
                filter,
            } => self
                .vectorize_query(&vector, top_k, &filter)
                .map(|matches| Reply::VectorizeQuery { matches }),
            Effect::VectorizeDeleteByIds { ids } => self
                .vectorize_delete_by_ids(&ids)
                .map(|()| Reply::VectorizeDeleteByIds),
            Effect::TextIndexPut { entries } => {
                self.text_index_put(entries).map(|()| Reply::TextIndexPut)
            }
            Effect::TextIndexQuery {
                user,
                project,
                terms,
                top_k,
            } => self
                .text_index_query(&user, &project, &terms, top_k)
                .map(|matches| Reply::TextIndexQuery { matches }),
            Effect::TextIndexDelete { ids } => self
                .text_index_delete(&ids)
                .map(|()| Reply::TextIndexDelete),
            Effect::CoordinatorAcquire {
                user,
                project,
                seconds,
                token,
            } => self
                .coordinator_acquire(&user, &project, seconds, token)
                .map(|lease| Reply::CoordinatorAcquire { lease }),
            Effect::CoordinatorRelease {
                user,
                project,
                token,
            } => self
                .coordinator_release(&user, &project, token)
                .map(|()| Reply::CoordinatorRelease),
            Effect::CoordinatorReadState { user, project } => self
                .coordinator_read_state(&user, &project)
                .map(|state| Reply::CoordinatorReadState { state }),
            Effect::CoordinatorWriteState {
                user,
                project,
                token,
                state,
            } => self
                .coordinator_write_state(&user, &project, token, state.as_deref())
                .map(|written| Reply::CoordinatorWriteState { written }),
            Effect::CoordinatorCharge {
                user,
                project,
                day,
                ai,
                ai_limit,
                vectors,
                vectors_limit,
            } => self
                .coordinator_charge(
                    &user,
                    &project,
                    Charge {
                        day,
                        ai,
                        ai_limit,
                        vectors,
                        vectors_limit,
                    },
                )
                .map(|charged| Reply::CoordinatorCharge { charged }),
            Effect::CoordinatorCredit {
                user,
                project,
                day,
                ai,
                vectors,
            } => self
                .coordinator_credit(&user, &project, day, ai, vectors)
                .map(|()| Reply::CoordinatorCredit),
            Effect::CoordinatorUsage { user, day } => self
                .coordinator_usage(&user, day)
                .map(|projects| Reply::CoordinatorUsage { projects }),
        }
    }
}

impl Backend for World {
    fn kv_get(&mut self, keys: &[String]) -> Result<Vec<Option<String>>, HostError> {
        World::kv_get(self, keys)
    }

    fn kv_put(
        &mut self,
        key: &str,
        value: &str,
        ttl: Option<u64>,
        metadata: Option<&Value>,
    ) -> Result<(), HostError> {
        World::kv_put(self, key, value, ttl, metadata)
    }

    fn kv_delete(&mut self, key: &str) -> Result<(), HostError> {
        World::kv_delete(self, key)
    }

    fn kv_list(
        &mut self,
        prefix: &str,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<(Vec<ListedKey>, Option<String>), HostError> {
        World::kv_list(self, prefix, cursor, limit)
    }

    fn ai_run(&mut self, model: &str, input: &Value) -> Result<Value, HostError> {
        World::ai_run(self, model, input)
    }

    fn vectorize_upsert(&mut self, vectors: Vec<Vector>) -> Result<(), HostError> {
        World::vectorize_upsert(self, vectors)
    }

    fn vectorize_query(
        &mut self,
        vector: &[f32],
        top_k: u32,
        filter: &Value,
    ) -> Result<Vec<Match>, HostError> {
        World::vectorize_query(self, vector, top_k, filter)
    }

    fn vectorize_delete_by_ids(&mut self, ids: &[String]) -> Result<(), HostError> {
        World::vectorize_delete_by_ids(self, ids)
    }

    fn text_index_put(&mut self, entries: Vec<TextEntry>) -> Result<(), HostError> {
        World::text_index_put(self, entries)
    }

    fn text_index_query(
        &mut self,
        user: &str,
        project: &str,
        terms: &[String],
        top_k: u32,
    ) -> Result<Vec<Match>, HostError> {
        World::text_index_query(self, user, project, terms, top_k)
    }

    fn text_index_delete(&mut self, ids: &[String]) -> Result<(), HostError> {
        World::text_index_delete(self, ids)
    }

    fn coordinator_acquire(
        &mut self,
        user: &str,
        project: &str,
        seconds: u64,
        token: Option<u64>,
    ) -> Result<Lease, HostError> {
        World::coordinator_acquire(self, user, project, seconds, token)
    }

    fn coordinator_release(
        &mut self,
        user: &str,
        project: &str,
        token: u64,
    ) -> Result<(), HostError> {
        World::coordinator_release(self, user, project, token)
    }

    fn coordinator_read_state(
        &mut self,
        user: &str,
        project: &str,
    ) -> Result<Option<String>, HostError> {
        World::coordinator_read_state(self, user, project)
    }

    fn coordinator_write_state(
        &mut self,
        user: &str,
        project: &str,
        token: u64,
        state: Option<&str>,
    ) -> Result<bool, HostError> {
        World::coordinator_write_state(self, user, project, token, state)
    }

    fn coordinator_charge(
        &mut self,
        user: &str,
        project: &str,
        charge: Charge,
    ) -> Result<Charged, HostError> {
        World::coordinator_charge(self, user, project, charge)
    }

    fn coordinator_credit(
        &mut self,
        user: &str,
        project: &str,
        day: u32,
        ai: u32,
        vectors: u32,
    ) -> Result<(), HostError> {
        World::coordinator_credit(self, user, project, day, ai, vectors)
    }

    fn coordinator_usage(&mut self, user: &str, day: u32) -> Result<Vec<ProjectUsage>, HostError> {
        World::coordinator_usage(self, user, day)
    }
}
