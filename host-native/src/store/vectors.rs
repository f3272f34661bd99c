//! The store's Vectorize: vectors in a table, queries scored in Rust by cosine similarity
//! under the engine's metadata filter, and the platform's refusals (`fakes::vectorize`).

use index_sync_core::{HostError, Match, Vector};
use rusqlite::params;
use serde_json::Value;

use super::{LocalStore, db_error};
use crate::fakes::vectorize::{
    MAX_DELETE_IDS, MAX_ID_BYTES, MAX_METADATA_BYTES, MAX_UPSERT_VECTORS, cosine,
};

impl LocalStore {
    pub(super) fn upsert_vectors(&mut self, vectors: Vec<Vector>) -> Result<(), HostError> {
        self.count("vectorize.upsert");
        let refused = vectors.len() > MAX_UPSERT_VECTORS
            || vectors.iter().any(|v| {
                v.id.len() > MAX_ID_BYTES || v.metadata.to_string().len() > MAX_METADATA_BYTES
            });
        if refused {
            return Err(HostError::new(
                "vectorize_limit",
                "upsert refused by Vectorize's limits",
            ));
        }
        let tx = self.db.transaction().map_err(db_error)?;
        for v in &vectors {
            let bytes: Vec<u8> = v.values.iter().flat_map(|x| x.to_le_bytes()).collect();
            tx.execute(
                "INSERT INTO vectors (id, vals, metadata) VALUES (?1, ?2, ?3)
                 ON CONFLICT (id) DO UPDATE SET vals = excluded.vals, metadata = excluded.metadata",
                params![v.id, bytes, v.metadata.to_string()],
            )
            .map_err(db_error)?;
        }
        tx.commit().map_err(db_error)?;
        self.vectors_written += vectors.len() as u64;
        Ok(())
    }

    pub(super) fn query_vectors(
        &mut self,
        vector: &[f32],
        top_k: u32,
        filter: &Value,
    ) -> Result<Vec<Match>, HostError> {
        self.count("vectorize.query");
        let mut statement = self
            .db
            .prepare_cached("SELECT id, vals, metadata FROM vectors")
            .map_err(db_error)?;
        let rows = statement
            .query_map([], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, Vec<u8>>(1)?,
                    row.get::<_, String>(2)?,
                ))
            })
            .map_err(db_error)?;
        let mut matches = Vec::new();
        for row in rows {
            let (id, bytes, metadata) = row.map_err(db_error)?;
            let metadata: Value = serde_json::from_str(&metadata).unwrap_or(Value::Null);
            if !passes(filter, &metadata) {
                continue;
            }
            let values: Vec<f32> = bytes
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect();
            matches.push(Match {
                score: cosine(vector, &values),
                id,
                metadata: Some(metadata),
            });
        }
        matches.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.id.cmp(&b.id)));
        matches.truncate(top_k as usize);
        Ok(matches)
    }

    pub(super) fn delete_vectors(&mut self, ids: &[String]) -> Result<(), HostError> {
        self.count("vectorize.deleteByIds");
        if ids.len() > MAX_DELETE_IDS {
            return Err(HostError::new(
                "vectorize_limit",
                format!("VECTOR_DELETE_ERROR code=40007: {} ids", ids.len()),
            ));
        }
        let tx = self.db.transaction().map_err(db_error)?;
        let mut deleted = 0;
        for id in ids {
            deleted += tx
                .execute("DELETE FROM vectors WHERE id = ?1", params![id])
                .map_err(db_error)?;
        }
        tx.commit().map_err(db_error)?;
        self.vectors_deleted += deleted as u64;
        Ok(())
    }
}

/// Vectorize's metadata filter as the engine uses it: each key must equal its value, given
/// bare or as `{"$eq": value}` (the same rule as the fake index).
fn passes(filter: &Value, metadata: &Value) -> bool {
    filter.as_object().is_none_or(|conditions| {
        conditions
            .iter()
            .all(|(key, want)| metadata.get(key) == Some(want.get("$eq").unwrap_or(want)))
    })
}
