//! BM25 as the tool's store would run it: an SQLite FTS5 table (rusqlite's bundled SQLite,
//! the store's own) ranked by FTS5's `bm25()` (Okapi BM25, k1 = 1.2, b = 0.75), one row
//! per chunk.
//!
//! What is indexed is not the raw code but its [`words`]: identifiers split at `snake_case`
//! and `camelCase` (`did_you_mean` → `did you mean did_you_mean`, `ArgAction` → `arg
//! action argaction`), the whole identifier kept beside its parts, lower-cased, then
//! Porter-stemmed by FTS5 (`tokenize = "porter unicode61 tokenchars '_'"`). Without the
//! split a question's words never meet a code's compound names. A question is its words
//! less 55 English stop words, each quoted (so that `or`, `not` are words, not operators),
//! joined by `OR`: every chunk sharing a word is ranked, the others are not (a fusion then
//! gives them nothing from BM25).

use index_sync_core::words::{query_terms, words};
use rusqlite::Connection;

/// An in-memory FTS5 index of chunks.
pub struct Index {
    db: Connection,
}

impl Index {
    /// Indexes `texts`, row `i + 1` for text `i`.
    pub fn new<T: AsRef<str>>(texts: &[T]) -> Result<Self, String> {
        let sql = |e: rusqlite::Error| format!("FTS5: {e}");
        let db = Connection::open_in_memory().map_err(sql)?;
        db.execute_batch(
            "CREATE VIRTUAL TABLE chunks USING fts5(words, \
             tokenize = \"porter unicode61 tokenchars '_'\");",
        )
        .map_err(sql)?;
        {
            let mut insert = db
                .prepare("INSERT INTO chunks(rowid, words) VALUES (?1, ?2)")
                .map_err(sql)?;
            for (i, text) in texts.iter().enumerate() {
                insert
                    .execute((i as i64 + 1, words(text.as_ref()).join(" ")))
                    .map_err(sql)?;
            }
        }
        Ok(Self { db })
    }

    /// The chunks sharing a word with `question`, best first (ties in chunk order), as
    /// indices into the texts indexed.
    pub fn rank(&self, question: &str) -> Result<Vec<usize>, String> {
        let terms = query_terms(question);
        if terms.is_empty() {
            return Ok(Vec::new());
        }
        let query = terms
            .iter()
            .map(|t| format!("\"{t}\""))
            .collect::<Vec<_>>()
            .join(" OR ");
        let sql = |e: rusqlite::Error| format!("FTS5 query {query}: {e}");
        let mut select = self
            .db
            .prepare_cached(
                "SELECT rowid FROM chunks WHERE chunks MATCH ?1 ORDER BY bm25(chunks), rowid",
            )
            .map_err(sql)?;
        let rows = select
            .query_map([&query], |row| row.get::<_, i64>(0))
            .map_err(sql)?;
        rows.map(|r| r.map(|id| id as usize - 1).map_err(sql))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fts5_ranks_the_chunks_sharing_the_questions_words() {
        let index = Index::new(&[
            "fn parse_flag() {}",
            "fn render_help_text() { wrap(text) }",
            "fn unrelated() {}",
        ])
        .unwrap();
        assert_eq!(index.rank("how is the help rendered").unwrap(), [1]);
        assert_eq!(index.rank("parsing a flag or the help").unwrap()[0], 0);
        assert!(index.rank("the of").unwrap().is_empty());
    }
}
