//! The local store of the command-line tool: KV and Vectorize kept in one SQLite file, and
//! the AI models that answer the engine's `ai.run` (`models.rs`: the deterministic fake of
//! Workers AI unless the tool lends others, its embedded model or Workers AI over REST).
//!
//! SQLite (bundled, so nothing to install): one file, transactions, and `ON CONFLICT`
//! upserts, which is all KV and Vectorize semantics need here; the WAL journal keeps one
//! write per KV put cheap. It refuses what the platform refuses (the limits of
//! `fakes::kv` and `fakes::vectorize`), so a local run fails where Cloudflare would.
//! Queries score every vector of the index in Rust: a local project holds thousands of
//! vectors, not millions. The coordinator's leases and record states are a table too
//! (`coordinator.rs`), so two runs of the tool on one store are ordered as two requests of
//! one tenant are by a Durable Object, and so are the users' counters against the quotas
//! (`quotas.rs`), and which AI built each project's vectors (`indexed_with.rs`).

use std::collections::BTreeMap;
use std::path::Path;

use index_sync_core::{
    Charged, HostError, Lease, ListedKey, Match, ProjectUsage, TextEntry, Vector,
};
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::Value;

use crate::backend::{Backend, Charge};
use crate::fakes::kv::{
    MAX_BULK_GET_KEYS, MAX_KEY_BYTES, MAX_LIST_KEYS, MAX_METADATA_BYTES as MAX_KEY_METADATA_BYTES,
    MAX_VALUE_BYTES, MIN_TTL_SECONDS,
};

/// KV and Vectorize in a SQLite file, AI by its [`Models`]; counts the calls it serves.
pub struct LocalStore {
    db: Connection,
    models: Box<dyn Models>,
    now: u64,
    calls: BTreeMap<&'static str, u64>,
    vectors_written: u64,
    vectors_deleted: u64,
}

fn db_error(e: rusqlite::Error) -> HostError {
    HostError::new("store", e.to_string())
}

impl LocalStore {
    /// Opens (or creates) the store at `path`, and its parent folder.
    pub fn open(path: &Path) -> Result<Self, String> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("creating {}: {e}", parent.display()))?;
        }
        let db = Connection::open(path).map_err(|e| format!("opening {}: {e}", path.display()))?;
        schema::prepare(&db).map_err(|e| format!("preparing {}: {e}", path.display()))?;
        Ok(Self {
            db,
            models: Box::new(FakeModels),
            now: 0,
            calls: BTreeMap::new(),
            vectors_written: 0,
            vectors_deleted: 0,
        })
    }

    /// Sets the clock KV expiry is judged by: the `now` the engine is given for a request.
    pub fn set_now(&mut self, now: u64) {
        self.now = now;
    }

    /// Calls served since the store was opened, by name (`ai.run`, ...).
    pub fn calls(&self) -> &BTreeMap<&'static str, u64> {
        &self.calls
    }

    /// Vectors upserted since the store was opened.
    pub fn vectors_written(&self) -> u64 {
        self.vectors_written
    }

    /// Vectors deleted since the store was opened.
    pub fn vectors_deleted(&self) -> u64 {
        self.vectors_deleted
    }

    /// Vectors in the index.
    pub fn vector_count(&self) -> Result<u64, String> {
        self.db
            .query_row("SELECT COUNT(*) FROM vectors", [], |row| row.get(0))
            .map_err(|e| e.to_string())
    }

    fn count(&mut self, name: &'static str) {
        *self.calls.entry(name).or_default() += 1;
    }

    fn read(&self, key: &str) -> Result<Option<String>, HostError> {
        self.db
            .prepare_cached(
                "SELECT value FROM kv WHERE key = ?1 AND (expires_at IS NULL OR expires_at > ?2)",
            )
            .and_then(|mut s| {
                s.query_row(params![key, self.now], |row| row.get(0))
                    .optional()
            })
            .map_err(db_error)
    }
}

impl Backend for LocalStore {
    fn kv_get(&mut self, keys: &[String]) -> Result<Vec<Option<String>>, HostError> {
        self.count("kv.get");
        *self.calls.entry("kv.keysRead").or_default() += keys.len() as u64;
        if keys.len() > MAX_BULK_GET_KEYS {
            return Err(HostError::new(
                "kv_limit",
                format!("bulk get of {} keys", keys.len()),
            ));
        }
        keys.iter().map(|k| self.read(k)).collect()
    }

    fn kv_put(
        &mut self,
        key: &str,
        value: &str,
        ttl: Option<u64>,
        metadata: Option<&Value>,
    ) -> Result<(), HostError> {
        self.count("kv.put");
        let metadata = metadata.map(Value::to_string);
        if ttl.is_some_and(|t| t < MIN_TTL_SECONDS)
            || key.len() > MAX_KEY_BYTES
            || value.len() > MAX_VALUE_BYTES
            || metadata
                .as_ref()
                .is_some_and(|m| m.len() > MAX_KEY_METADATA_BYTES)
        {
            return Err(HostError::new(
                "kv_limit",
                format!("put of {key:?} refused by KV's limits"),
            ));
        }
        let expires_at = ttl.map(|t| self.now + t);
        let tx = self.db.transaction().map_err(db_error)?;
        tx.execute(
            "INSERT INTO kv (key, value, expires_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at",
            params![key, value, expires_at],
        )
        .map_err(db_error)?;
        tx.execute("DELETE FROM kv_metadata WHERE key = ?1", params![key])
            .map_err(db_error)?;
        if let Some(metadata) = metadata {
            tx.execute(
                "INSERT INTO kv_metadata (key, metadata) VALUES (?1, ?2)",
                params![key, metadata],
            )
            .map_err(db_error)?;
        }
        tx.commit().map_err(db_error)
    }

    fn kv_delete(&mut self, key: &str) -> Result<(), HostError> {
        self.count("kv.delete");
        let tx = self.db.transaction().map_err(db_error)?;
        tx.execute("DELETE FROM kv_metadata WHERE key = ?1", params![key])
            .map_err(db_error)?;
        tx.execute("DELETE FROM kv WHERE key = ?1", params![key])
            .map_err(db_error)?;
        tx.commit().map_err(db_error)
    }

    fn kv_list(
        &mut self,
        prefix: &str,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<(Vec<ListedKey>, Option<String>), HostError> {
        self.count("kv.list");
        if limit == 0 || limit > MAX_LIST_KEYS {
            return Err(HostError::new("kv_limit", format!("list limit {limit}")));
        }
        // Keys compare as bytes (`COLLATE BINARY`, SQLite's default), as KV orders them. The
        // range bounds the index scan; `substr` is the exact prefix test.
        let after = cursor.unwrap_or("");
        let below = format!(
            "{prefix}{}",
            char::MAX.to_string().repeat(MAX_KEY_BYTES / 4)
        );
        let mut statement = self
            .db
            .prepare_cached(
                "SELECT kv.key, m.metadata FROM kv LEFT JOIN kv_metadata m ON m.key = kv.key
                 WHERE kv.key > ?1 AND kv.key >= ?2 AND kv.key <= ?5
                   AND substr(kv.key, 1, length(?2)) = ?2
                   AND (kv.expires_at IS NULL OR kv.expires_at > ?3)
                 ORDER BY kv.key LIMIT ?4",
            )
            .map_err(db_error)?;
        let rows = statement
            .query_map(
                params![after, prefix, self.now, limit as i64 + 1, below],
                |row| Ok((row.get::<_, String>(0)?, row.get::<_, Option<String>>(1)?)),
            )
            .map_err(db_error)?;
        let mut keys = Vec::new();
        for row in rows {
            let (name, metadata) = row.map_err(db_error)?;
            keys.push(ListedKey {
                name,
                metadata: metadata.and_then(|m| serde_json::from_str(&m).ok()),
            });
        }
        let cursor = if keys.len() > limit {
            keys.truncate(limit);
            keys.last().map(|k| k.name.clone())
        } else {
            None
        };
        Ok((keys, cursor))
    }

    fn ai_run(&mut self, model: &str, input: &Value) -> Result<Value, HostError> {
        self.count("ai.run");
        self.models.run(model, input)
    }

    fn vectorize_upsert(&mut self, vectors: Vec<Vector>) -> Result<(), HostError> {
        self.upsert_vectors(vectors)
    }

    fn vectorize_query(
        &mut self,
        vector: &[f32],
        top_k: u32,
        filter: &Value,
    ) -> Result<Vec<Match>, HostError> {
        self.query_vectors(vector, top_k, filter)
    }

    fn vectorize_delete_by_ids(&mut self, ids: &[String]) -> Result<(), HostError> {
        self.delete_vectors(ids)
    }

    fn text_index_put(&mut self, entries: Vec<TextEntry>) -> Result<(), HostError> {
        self.put_words(entries)
    }

    fn text_index_query(
        &mut self,
        user: &str,
        project: &str,
        terms: &[String],
        top_k: u32,
    ) -> Result<Vec<Match>, HostError> {
        self.query_words(user, project, terms, top_k)
    }

    fn text_index_delete(&mut self, ids: &[String]) -> Result<(), HostError> {
        self.delete_words(ids)
    }

    fn coordinator_acquire(
        &mut self,
        user: &str,
        project: &str,
        seconds: u64,
        token: Option<u64>,
    ) -> Result<Lease, HostError> {
        self.lease_acquire(user, project, seconds, token)
    }

    fn coordinator_release(
        &mut self,
        user: &str,
        project: &str,
        token: u64,
    ) -> Result<(), HostError> {
        self.lease_release(user, project, token)
    }

    fn coordinator_read_state(
        &mut self,
        user: &str,
        project: &str,
    ) -> Result<Option<String>, HostError> {
        self.state_read(user, project)
    }

    fn coordinator_write_state(
        &mut self,
        user: &str,
        project: &str,
        token: u64,
        state: Option<&str>,
    ) -> Result<bool, HostError> {
        self.state_write(user, project, token, state)
    }

    fn coordinator_charge(
        &mut self,
        user: &str,
        project: &str,
        charge: Charge,
    ) -> Result<Charged, HostError> {
        self.quota_charge(user, project, charge)
    }

    fn coordinator_credit(
        &mut self,
        user: &str,
        project: &str,
        day: u32,
        ai: u32,
        vectors: u32,
    ) -> Result<(), HostError> {
        self.quota_credit(user, project, day, ai, vectors)
    }

    fn coordinator_usage(&mut self, user: &str, day: u32) -> Result<Vec<ProjectUsage>, HostError> {
        self.quota_usage(user, day)
    }
}

#[cfg(test)]
mod tests;

mod coordinator;
mod indexed_with;
mod models;
mod quotas;
mod schema;
mod text_index;
mod vectors;

pub use indexed_with::IndexedWith;
pub use models::{FakeModels, Models};
