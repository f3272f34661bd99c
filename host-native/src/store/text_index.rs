//! The store's text index: each entry's words in an SQLite FTS5 table, ranked by FTS5's
//! `bm25()` (Okapi BM25, k1 = 1.2, b = 0.75) over Porter-stemmed words, the ranking the
//! retrieval benchmark measured (BENCHMARKS.md, "Retrieval"). The entry itself (id, tenant,
//! metadata) is a plain table row sharing the words' rowid, so that an id is found by its
//! index, not by a scan of the words. It refuses what the fake refuses
//! (`fakes::text_index`).

use index_sync_core::{HostError, Match, TextEntry};
use rusqlite::{OptionalExtension, Transaction, params};
use serde_json::Value;

use super::{LocalStore, db_error};
use crate::fakes::text_index::{MAX_DELETE_IDS, MAX_ID_BYTES, MAX_PUT_ENTRIES};

fn refused(what: String) -> HostError {
    HostError::new("text_index_limit", what)
}

/// Removes the entry of `id`, if any, words and row.
fn remove(tx: &Transaction, id: &str) -> rusqlite::Result<usize> {
    let rowid: Option<i64> = tx
        .query_row(
            "SELECT rowid FROM text_entries WHERE id = ?1",
            params![id],
            |r| r.get(0),
        )
        .optional()?;
    let Some(rowid) = rowid else { return Ok(0) };
    tx.execute("DELETE FROM text_words WHERE rowid = ?1", params![rowid])?;
    tx.execute("DELETE FROM text_entries WHERE rowid = ?1", params![rowid])
}

/// An FTS5 query holding any of `terms`: each quoted (so `or`, `not` and `near` are words,
/// not operators; a `"` inside is doubled), joined by `OR`.
fn any_of(terms: &[String]) -> String {
    terms
        .iter()
        .map(|t| format!("\"{}\"", t.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(" OR ")
}

impl LocalStore {
    pub(super) fn put_words(&mut self, entries: Vec<TextEntry>) -> Result<(), HostError> {
        self.count("textIndex.put");
        if entries.len() > MAX_PUT_ENTRIES {
            return Err(refused(format!("{} entries in one put", entries.len())));
        }
        if let Some(long) = entries.iter().find(|e| e.id.len() > MAX_ID_BYTES) {
            return Err(refused(format!("id of {} bytes", long.id.len())));
        }
        let tx = self.db.transaction().map_err(db_error)?;
        for e in &entries {
            remove(&tx, &e.id).map_err(db_error)?;
            tx.execute(
                "INSERT INTO text_entries (id, user, project, metadata) VALUES (?1, ?2, ?3, ?4)",
                params![e.id, e.user, e.project, e.metadata.to_string()],
            )
            .map_err(db_error)?;
            tx.execute(
                "INSERT INTO text_words (rowid, words) VALUES (last_insert_rowid(), ?1)",
                params![e.words],
            )
            .map_err(db_error)?;
        }
        tx.commit().map_err(db_error)
    }

    pub(super) fn query_words(
        &mut self,
        user: &str,
        project: &str,
        terms: &[String],
        top_k: u32,
    ) -> Result<Vec<Match>, HostError> {
        self.count("textIndex.query");
        if terms.is_empty() {
            return Ok(Vec::new());
        }
        let mut select = self
            .db
            .prepare_cached(
                "SELECT e.id, -bm25(text_words), e.metadata
                 FROM text_words JOIN text_entries e ON e.rowid = text_words.rowid
                 WHERE text_words MATCH ?1 AND e.user = ?2 AND e.project = ?3
                 ORDER BY bm25(text_words), e.id LIMIT ?4",
            )
            .map_err(db_error)?;
        let rows = select
            .query_map(params![any_of(terms), user, project, top_k], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, f64>(1)?,
                    row.get::<_, String>(2)?,
                ))
            })
            .map_err(db_error)?;
        rows.map(|row| {
            let (id, score, metadata) = row.map_err(db_error)?;
            Ok(Match {
                id,
                score,
                metadata: Some(serde_json::from_str(&metadata).unwrap_or(Value::Null)),
            })
        })
        .collect()
    }

    pub(super) fn delete_words(&mut self, ids: &[String]) -> Result<(), HostError> {
        self.count("textIndex.delete");
        if ids.len() > MAX_DELETE_IDS {
            return Err(refused(format!("{} ids in one delete", ids.len())));
        }
        let tx = self.db.transaction().map_err(db_error)?;
        for id in ids {
            remove(&tx, id).map_err(db_error)?;
        }
        tx.commit().map_err(db_error)
    }

    /// Entries in the text index, all tenants.
    pub fn text_entry_count(&self) -> Result<u64, String> {
        self.db
            .query_row("SELECT count(*) FROM text_entries", [], |r| r.get(0))
            .map_err(|e| e.to_string())
    }
}
