//! The capabilities a host lends the engine, as one trait: the in-memory fakes of the
//! conformance scenarios and the SQLite store of the command-line tool both implement it, so
//! the component host (and the engine driver) serve either without knowing which.

use index_sync_core::{Effect, HostError, Match, Outcome, Reply, Vector};
use serde_json::Value;

use crate::fakes::World;

/// Workers KV, Workers AI and Vectorize, or something that behaves like them. Each method is
/// one host call as the engine counts them; a failed call writes nothing.
pub trait Backend: 'static {
    /// KV bulk read: one value or `None` per key, in order.
    fn kv_get(&mut self, keys: &[String]) -> Result<Vec<Option<String>>, HostError>;
    /// KV write, expiring `ttl` seconds later when given.
    fn kv_put(&mut self, key: &str, value: &str, ttl: Option<u64>) -> Result<(), HostError>;
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

    /// Performs one engine effect through the methods above.
    fn perform(&mut self, effect: Effect) -> Outcome {
        match effect {
            Effect::KvGet { keys } => self.kv_get(&keys).map(|values| Reply::KvGet { values }),
            Effect::KvPut {
                key,
                value,
                ttl_seconds,
            } => self
                .kv_put(&key, &value, ttl_seconds)
                .map(|()| Reply::KvPut),
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
        }
    }
}

impl Backend for World {
    fn kv_get(&mut self, keys: &[String]) -> Result<Vec<Option<String>>, HostError> {
        World::kv_get(self, keys)
    }

    fn kv_put(&mut self, key: &str, value: &str, ttl: Option<u64>) -> Result<(), HostError> {
        World::kv_put(self, key, value, ttl)
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
}
