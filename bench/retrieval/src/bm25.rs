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

use rusqlite::Connection;

/// Words too common in questions to say anything (the reference harness's list).
const STOP_WORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "can", "do", "does", "for", "from",
    "has", "have", "how", "i", "if", "in", "into", "is", "it", "its", "of", "on", "or", "so",
    "that", "the", "their", "then", "there", "these", "this", "to", "was", "what", "when", "where",
    "which", "while", "who", "why", "will", "with", "would", "you", "your", "me", "my", "we",
    "our", "should", "did",
];

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
        let mut terms: Vec<String> = Vec::new();
        for word in words(question) {
            if !STOP_WORDS.contains(&word.as_str()) && !terms.contains(&word) {
                terms.push(word);
            }
        }
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

/// The words of a text: every run of letters, digits and `_`, split into its parts at `_`
/// and at case changes (`HTTPServer2` → `http server 2`), lower-cased, followed by the
/// whole run (without leading or trailing `_`) when it has more than one part.
pub fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for run in text.split(|c: char| !(c.is_alphanumeric() || c == '_')) {
        let parts: Vec<String> = run
            .split('_')
            .flat_map(case_parts)
            .map(|p| p.to_lowercase())
            .collect();
        let compound = (parts.len() > 1).then(|| run.trim_matches('_').to_lowercase());
        out.extend(parts);
        out.extend(compound);
    }
    out
}

/// A `_`-free identifier cut where its case or its kind of character changes: `parseJSON`
/// → `parse`, `JSON`; `JSONValue` → `JSON`, `Value`; `utf8` → `utf`, `8`.
fn case_parts(word: &str) -> Vec<&str> {
    #[derive(Clone, Copy, PartialEq)]
    enum Kind {
        Upper,
        Lower,
        Digit,
    }
    let kind = |c: char| {
        if c.is_numeric() {
            Kind::Digit
        } else if c.is_uppercase() {
            Kind::Upper
        } else {
            Kind::Lower
        }
    };
    let chars: Vec<(usize, char)> = word.char_indices().collect();
    let mut parts = Vec::new();
    let mut start = 0;
    for i in 1..chars.len() {
        let (at, c) = chars[i];
        let (before, now) = (kind(chars[i - 1].1), kind(c));
        let next_lower = chars
            .get(i + 1)
            .is_some_and(|&(_, n)| kind(n) == Kind::Lower);
        let cut = match (before, now) {
            (Kind::Lower, Kind::Upper) => true,
            (Kind::Upper, Kind::Upper) => next_lower,
            (Kind::Digit, k) | (k, Kind::Digit) => k != Kind::Digit,
            _ => false,
        };
        if cut {
            parts.push(&word[start..at]);
            start = at;
        }
    }
    if start < word.len() {
        parts.push(&word[start..]);
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_split_and_kept_whole() {
        assert_eq!(
            words("fn did_you_mean(v: &str) -> ArgAction"),
            [
                "fn",
                "did",
                "you",
                "mean",
                "did_you_mean",
                "v",
                "str",
                "arg",
                "action",
                "argaction"
            ]
        );
        assert_eq!(
            words("HTTPServer2 utf8"),
            ["http", "server", "2", "httpserver2", "utf", "8", "utf8"]
        );
    }

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
