//! The WIT imports bound to a [`Backend`]: each import is one backend call, with JSON text
//! turned into values at the boundary. Text that does not parse is a failed call (code
//! `protocol`), never a trap: the engine then reports its chunks as retryable.

use index_sync_core::{HostError, Lease, TextEntry, Vector};
use serde_json::Value;

use super::generated::index_sync::engine::{ai, coordinator, kv, text_index, types, vectorize};
use crate::backend::{Backend, Charge};

/// The store's data: the backend the imports act on, wrapped so the generated `Host` traits
/// can be implemented for every backend at once.
pub struct Imports<B>(pub B);

fn to_wit(e: HostError) -> types::HostError {
    types::HostError {
        code: e.code,
        message: e.message,
    }
}

fn parse(what: &str, text: &str) -> Result<Value, types::HostError> {
    serde_json::from_str(text).map_err(|e| types::HostError {
        code: "protocol".into(),
        message: format!("{what} is not JSON: {e}"),
    })
}

impl<B: Backend> types::Host for Imports<B> {}

impl<B: Backend> kv::Host for Imports<B> {
    fn get(&mut self, keys: Vec<String>) -> Result<Vec<Option<String>>, types::HostError> {
        self.0.kv_get(&keys).map_err(to_wit)
    }

    fn put(
        &mut self,
        key: String,
        value: String,
        ttl_seconds: Option<u64>,
        metadata: Option<String>,
    ) -> Result<(), types::HostError> {
        let metadata = metadata.map(|m| parse("kv.put metadata", &m)).transpose()?;
        self.0
            .kv_put(&key, &value, ttl_seconds, metadata.as_ref())
            .map_err(to_wit)
    }

    fn delete(&mut self, key: String) -> Result<(), types::HostError> {
        self.0.kv_delete(&key).map_err(to_wit)
    }

    fn list(
        &mut self,
        prefix: String,
        cursor: Option<String>,
        limit: u32,
    ) -> Result<kv::KeyPage, types::HostError> {
        let (keys, cursor) = self
            .0
            .kv_list(&prefix, cursor.as_deref(), limit as usize)
            .map_err(to_wit)?;
        Ok(kv::KeyPage {
            keys: keys
                .into_iter()
                .map(|k| kv::ListedKey {
                    name: k.name,
                    metadata: k.metadata.map(|m| m.to_string()),
                })
                .collect(),
            cursor,
        })
    }
}

impl<B: Backend> ai::Host for Imports<B> {
    fn run(&mut self, model: String, input: String) -> Result<String, types::HostError> {
        let input = parse("ai.run input", &input)?;
        self.0
            .ai_run(&model, &input)
            .map(|output| output.to_string())
            .map_err(to_wit)
    }
}

impl<B: Backend> vectorize::Host for Imports<B> {
    fn upsert(&mut self, vectors: Vec<vectorize::Vector>) -> Result<(), types::HostError> {
        let vectors = vectors
            .into_iter()
            .map(|v| {
                Ok(Vector {
                    metadata: parse("vector metadata", &v.metadata)?,
                    id: v.id,
                    values: v.values,
                })
            })
            .collect::<Result<Vec<_>, types::HostError>>()?;
        self.0.vectorize_upsert(vectors).map_err(to_wit)
    }

    fn query(
        &mut self,
        vector: Vec<f32>,
        top_k: u32,
        filter: String,
    ) -> Result<Vec<vectorize::VectorMatch>, types::HostError> {
        let filter = parse("vectorize.query filter", &filter)?;
        let matches = self
            .0
            .vectorize_query(&vector, top_k, &filter)
            .map_err(to_wit)?;
        Ok(matches
            .into_iter()
            .map(|m| vectorize::VectorMatch {
                id: m.id,
                score: m.score,
                metadata: m.metadata.map(|v| v.to_string()),
            })
            .collect())
    }

    fn delete_by_ids(&mut self, ids: Vec<String>) -> Result<(), types::HostError> {
        self.0.vectorize_delete_by_ids(&ids).map_err(to_wit)
    }
}

impl<B: Backend> text_index::Host for Imports<B> {
    fn put(&mut self, entries: Vec<text_index::TextEntry>) -> Result<(), types::HostError> {
        let entries = entries
            .into_iter()
            .map(|e| {
                Ok(TextEntry {
                    metadata: parse("text entry metadata", &e.metadata)?,
                    id: e.id,
                    user: e.user,
                    project: e.project,
                    words: e.words,
                })
            })
            .collect::<Result<Vec<_>, types::HostError>>()?;
        self.0.text_index_put(entries).map_err(to_wit)
    }

    fn query(
        &mut self,
        user: String,
        project: String,
        terms: Vec<String>,
        top_k: u32,
    ) -> Result<Vec<text_index::TextMatch>, types::HostError> {
        let matches = self
            .0
            .text_index_query(&user, &project, &terms, top_k)
            .map_err(to_wit)?;
        Ok(matches
            .into_iter()
            .map(|m| text_index::TextMatch {
                id: m.id,
                score: m.score,
                metadata: m.metadata.map_or_else(|| "null".into(), |v| v.to_string()),
            })
            .collect())
    }

    fn delete(&mut self, ids: Vec<String>) -> Result<(), types::HostError> {
        self.0.text_index_delete(&ids).map_err(to_wit)
    }
}

impl<B: Backend> coordinator::Host for Imports<B> {
    fn acquire(
        &mut self,
        user: String,
        project: String,
        seconds: u64,
        token: Option<u64>,
    ) -> Result<coordinator::Lease, types::HostError> {
        match self.0.coordinator_acquire(&user, &project, seconds, token) {
            Ok(Lease::Granted(token)) => Ok(coordinator::Lease::Granted(token)),
            Ok(Lease::Busy(until)) => Ok(coordinator::Lease::Busy(until)),
            Err(e) => Err(to_wit(e)),
        }
    }

    fn release(
        &mut self,
        user: String,
        project: String,
        token: u64,
    ) -> Result<(), types::HostError> {
        self.0
            .coordinator_release(&user, &project, token)
            .map_err(to_wit)
    }

    fn read_state(
        &mut self,
        user: String,
        project: String,
    ) -> Result<Option<String>, types::HostError> {
        self.0
            .coordinator_read_state(&user, &project)
            .map_err(to_wit)
    }

    fn write_state(
        &mut self,
        user: String,
        project: String,
        token: u64,
        state: Option<String>,
    ) -> Result<bool, types::HostError> {
        self.0
            .coordinator_write_state(&user, &project, token, state.as_deref())
            .map_err(to_wit)
    }

    fn charge(
        &mut self,
        user: String,
        project: String,
        day: u32,
        ai: u32,
        ai_limit: Option<u32>,
        vectors: u32,
        vectors_limit: Option<u32>,
    ) -> Result<coordinator::Charged, types::HostError> {
        let charge = Charge {
            day,
            ai,
            ai_limit,
            vectors,
            vectors_limit,
        };
        self.0
            .coordinator_charge(&user, &project, charge)
            .map(|c| coordinator::Charged {
                ai: c.ai,
                vectors: c.vectors,
                ai_used: c.ai_used,
                vectors_held: c.vectors_held,
            })
            .map_err(to_wit)
    }

    fn credit(
        &mut self,
        user: String,
        project: String,
        day: u32,
        ai: u32,
        vectors: u32,
    ) -> Result<(), types::HostError> {
        self.0
            .coordinator_credit(&user, &project, day, ai, vectors)
            .map_err(to_wit)
    }

    fn usage(
        &mut self,
        user: String,
        day: u32,
    ) -> Result<Vec<coordinator::ProjectUsage>, types::HostError> {
        let projects = self.0.coordinator_usage(&user, day).map_err(to_wit)?;
        Ok(projects
            .into_iter()
            .map(|p| coordinator::ProjectUsage {
                project: p.project,
                ai_today: p.ai_today,
                vectors: p.vectors,
            })
            .collect())
    }
}
