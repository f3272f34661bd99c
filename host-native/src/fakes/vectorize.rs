//! A Vectorize index in memory: upsert replaces, query ranks by cosine similarity under the
//! engine's metadata filter, delete by ids, and the platform's refusals (ids over 64 bytes,
//! upserts over 1,000 vectors, metadata over 10 KiB, deletes over 100 ids).

use std::collections::BTreeMap;

use index_sync_core::{HostError, Match, Vector};
use serde_json::Value;

/// Longest vector id in bytes (vectorize/platform/limits).
pub const MAX_ID_BYTES: usize = 64;
/// Most vectors per upsert from a Worker (vectorize/platform/limits).
pub const MAX_UPSERT_VECTORS: usize = 1_000;
/// Largest metadata per vector, as JSON, in bytes (vectorize/platform/limits).
pub const MAX_METADATA_BYTES: usize = 10 * 1024;
/// Most ids per `deleteByIds` from a Worker (beyond: `VECTOR_DELETE_ERROR code 40007`,
/// reported by users).
pub const MAX_DELETE_IDS: usize = 100;

/// The index.
#[derive(Clone, Debug, Default)]
pub struct FakeVectorize {
    vectors: BTreeMap<String, (Vec<f32>, Value)>,
}

impl FakeVectorize {
    /// Stores the vectors, all or none.
    pub fn upsert(&mut self, vectors: Vec<Vector>) -> Result<(), HostError> {
        let refuse = |what: String| Err(HostError::new("vectorize_limit", what));
        if vectors.len() > MAX_UPSERT_VECTORS {
            return refuse(format!("{} vectors in one upsert", vectors.len()));
        }
        for v in &vectors {
            if v.id.len() > MAX_ID_BYTES {
                return refuse(format!(
                    "VECTOR_UPSERT_ERROR code=40008: id of {} bytes",
                    v.id.len()
                ));
            }
            if v.metadata.to_string().len() > MAX_METADATA_BYTES {
                return refuse(format!("metadata of vector {} too large", v.id));
            }
        }
        for v in vectors {
            self.vectors.insert(v.id, (v.values, v.metadata));
        }
        Ok(())
    }

    /// Deletes the vectors of these ids; missing ids are no error.
    pub fn delete_by_ids(&mut self, ids: &[String]) -> Result<(), HostError> {
        if ids.len() > MAX_DELETE_IDS {
            return Err(HostError::new(
                "vectorize_limit",
                format!(
                    "VECTOR_DELETE_ERROR code=40007: {} ids in one deleteByIds",
                    ids.len()
                ),
            ));
        }
        for id in ids {
            self.vectors.remove(id);
        }
        Ok(())
    }

    /// The best `top_k` vectors matching `filter`.
    pub fn query(&self, vector: &[f32], top_k: u32, filter: &Value) -> Vec<Match> {
        let mut matches: Vec<Match> = self
            .vectors
            .iter()
            .filter(|(_, (_, meta))| passes(filter, meta))
            .map(|(id, (values, meta))| Match {
                id: id.clone(),
                score: cosine(vector, values),
                metadata: Some(meta.clone()),
            })
            .collect();
        matches.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.id.cmp(&b.id)));
        matches.truncate(top_k as usize);
        matches
    }

    /// A stored vector.
    pub fn get(&self, id: &str) -> Option<(&[f32], &Value)> {
        self.vectors.get(id).map(|(v, m)| (v.as_slice(), m))
    }

    /// Every id, sorted.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.vectors.keys().map(String::as_str)
    }
}

fn passes(filter: &Value, meta: &Value) -> bool {
    let Some(conditions) = filter.as_object() else {
        return true;
    };
    conditions.iter().all(|(key, want)| {
        let want = want.get("$eq").unwrap_or(want);
        meta.get(key) == Some(want)
    })
}

/// Cosine similarity in f64; 0 when either norm is 0.
pub fn cosine(a: &[f32], b: &[f32]) -> f64 {
    let (mut dot, mut na, mut nb) = (0.0f64, 0.0f64, 0.0f64);
    for (x, y) in a.iter().zip(b) {
        let (x, y) = (f64::from(*x), f64::from(*y));
        dot += x * y;
        na += x * x;
        nb += y * y;
    }
    if na == 0.0 || nb == 0.0 {
        0.0
    } else {
        dot / (na.sqrt() * nb.sqrt())
    }
}
