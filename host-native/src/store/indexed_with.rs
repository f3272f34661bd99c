//! Which AI built a project's vectors. Vectors of two models are not comparable (a query
//! embedded by one model finds nothing meaningful among vectors of another, and the
//! widths may differ), and the engine cannot tell: a tenant's markers say which chunks it
//! holds, not under which model. So the tool records, per user and project, the AI it
//! indexed with and the config's cache identity (models, pooling, dimensions, summaries),
//! and rebuilds or refuses rather than mix them (`cli/ai/recorded.rs`).

use rusqlite::{OptionalExtension, params};

use super::LocalStore;

/// What built a project's vectors.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexedWith {
    /// The AI that answered the embedding calls: the tool's `--ai` (`local`, `workers-ai`,
    /// `fake`).
    pub ai: String,
    /// `Config::cache_identity` of the engine config it indexed with.
    pub identity: String,
}

impl LocalStore {
    /// What built `user`'s `project`, when the tool recorded it.
    pub fn indexed_with(&self, user: &str, project: &str) -> Result<Option<IndexedWith>, String> {
        self.db
            .query_row(
                "SELECT ai, identity FROM indexed_with WHERE user = ?1 AND project = ?2",
                params![user, project],
                |row| {
                    Ok(IndexedWith {
                        ai: row.get(0)?,
                        identity: row.get(1)?,
                    })
                },
            )
            .optional()
            .map_err(|e| format!("reading which AI indexed {project}: {e}"))
    }

    /// Records what builds `user`'s `project` from now on.
    pub fn record_indexed_with(
        &self,
        user: &str,
        project: &str,
        with: &IndexedWith,
    ) -> Result<(), String> {
        self.db
            .execute(
                "INSERT INTO indexed_with (user, project, ai, identity) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (user, project) DO UPDATE SET ai = excluded.ai,
                     identity = excluded.identity",
                params![user, project, with.ai, with.identity],
            )
            .map(|_| ())
            .map_err(|e| format!("recording which AI indexes {project}: {e}"))
    }

    /// Whether the index holds any vector of `user`'s `project` (by the metadata the engine
    /// gives every vector): a project indexed before the tool recorded its AI.
    pub fn holds_vectors_of(&self, user: &str, project: &str) -> Result<bool, String> {
        self.db
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM vectors
                 WHERE json_extract(metadata, '$.userId') = ?1
                   AND json_extract(metadata, '$.projectId') = ?2)",
                params![user, project],
                |row| row.get(0),
            )
            .map_err(|e| format!("reading the vectors of {project}: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use index_sync_core::Vector;
    use serde_json::json;

    use super::*;
    use crate::backend::Backend;

    #[test]
    fn what_indexed_a_project_is_kept_per_user_and_project() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.sqlite");
        let mut store = LocalStore::open(&path).unwrap();
        assert_eq!(store.indexed_with("u", "p").unwrap(), None);
        assert!(!store.holds_vectors_of("u", "p").unwrap());
        let local = IndexedWith {
            ai: "local".into(),
            identity: "abc".into(),
        };
        store.record_indexed_with("u", "p", &local).unwrap();
        let fake = IndexedWith {
            ai: "fake".into(),
            identity: "def".into(),
        };
        store.record_indexed_with("u", "q", &fake).unwrap();
        store
            .vectorize_upsert(vec![Vector {
                id: "v".into(),
                values: vec![1.0],
                metadata: json!({"userId": "u", "projectId": "q"}),
            }])
            .unwrap();
        drop(store);
        let store = LocalStore::open(&path).unwrap();
        assert_eq!(store.indexed_with("u", "p").unwrap(), Some(local));
        assert_eq!(store.indexed_with("u", "q").unwrap(), Some(fake));
        assert!(store.holds_vectors_of("u", "q").unwrap());
        assert!(!store.holds_vectors_of("u", "p").unwrap());
        assert!(!store.holds_vectors_of("v", "q").unwrap());
    }
}
