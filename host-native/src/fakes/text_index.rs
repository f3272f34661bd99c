//! The tenants' word index in memory, as tests/README.md specifies it for every host: an
//! entry matches a query by the number of distinct terms among its words, best first, ties
//! by id. A real host ranks by BM25 (the store's FTS5); this ranking is the part of it every
//! host can reproduce exactly.

use std::collections::{BTreeMap, BTreeSet};

use index_sync_core::{HostError, Match, TextEntry};
use serde_json::Value;

/// Most entries per `put`: as many as one upsert's vectors (vectorize/platform/limits).
pub const MAX_PUT_ENTRIES: usize = 1_000;
/// Most ids per `delete`: as many as one `deleteByIds`.
pub const MAX_DELETE_IDS: usize = 100;
/// Longest entry id in bytes: a vector id's limit (vectorize/platform/limits).
pub const MAX_ID_BYTES: usize = 64;

/// One stored entry.
#[derive(Clone, Debug, PartialEq)]
struct Stored {
    user: String,
    project: String,
    words: BTreeSet<String>,
    metadata: Value,
}

/// The index.
#[derive(Clone, Debug, Default)]
pub struct FakeTextIndex {
    entries: BTreeMap<String, Stored>,
}

fn refuse(what: String) -> Result<(), HostError> {
    Err(HostError::new("text_index_limit", what))
}

impl FakeTextIndex {
    /// Stores the entries, replacing any of the same id; all or none.
    pub fn put(&mut self, entries: Vec<TextEntry>) -> Result<(), HostError> {
        if entries.len() > MAX_PUT_ENTRIES {
            return refuse(format!("{} entries in one put", entries.len()));
        }
        if let Some(long) = entries.iter().find(|e| e.id.len() > MAX_ID_BYTES) {
            return refuse(format!("id of {} bytes", long.id.len()));
        }
        for e in entries {
            let words = e.words.split(' ').filter(|w| !w.is_empty());
            let stored = Stored {
                user: e.user,
                project: e.project,
                words: words.map(str::to_owned).collect(),
                metadata: e.metadata,
            };
            self.entries.insert(e.id, stored);
        }
        Ok(())
    }

    /// Deletes the entries of these ids; missing ids are no error.
    pub fn delete(&mut self, ids: &[String]) -> Result<(), HostError> {
        if ids.len() > MAX_DELETE_IDS {
            return refuse(format!("{} ids in one delete", ids.len()));
        }
        for id in ids {
            self.entries.remove(id);
        }
        Ok(())
    }

    /// The tenant's entries holding any of `terms`, by how many they hold, then by id.
    pub fn query(&self, user: &str, project: &str, terms: &[String], top_k: u32) -> Vec<Match> {
        let distinct: BTreeSet<&String> = terms.iter().collect();
        let mut matches: Vec<Match> = self
            .entries
            .iter()
            .filter(|(_, e)| e.user == user && e.project == project)
            .filter_map(|(id, e)| {
                let held = distinct.iter().filter(|t| e.words.contains(**t)).count();
                (held > 0).then(|| Match {
                    id: id.clone(),
                    score: held as f64,
                    metadata: Some(e.metadata.clone()),
                })
            })
            .collect();
        // The map is in id order and the sort is stable: ties stay by id.
        matches.sort_by(|a, b| b.score.total_cmp(&a.score));
        matches.truncate(top_k as usize);
        matches
    }

    /// The entry of `id`: its user, project, words and metadata.
    pub fn get(&self, id: &str) -> Option<(&str, &str, &BTreeSet<String>, &Value)> {
        self.entries
            .get(id)
            .map(|e| (e.user.as_str(), e.project.as_str(), &e.words, &e.metadata))
    }

    /// Whether an entry of this id is stored.
    pub fn contains(&self, id: &str) -> bool {
        self.entries.contains_key(id)
    }

    /// Every stored id, in order.
    pub fn ids(&self) -> impl Iterator<Item = &String> {
        self.entries.keys()
    }

    /// How many entries are stored.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether none is stored.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn entry(id: &str, user: &str, words: &str) -> TextEntry {
        TextEntry {
            id: id.into(),
            user: user.into(),
            project: "p".into(),
            words: words.into(),
            metadata: json!({ "hash": id }),
        }
    }

    fn terms(t: &[&str]) -> Vec<String> {
        t.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn entries_holding_more_terms_come_first_then_by_id() {
        let mut index = FakeTextIndex::default();
        index
            .put(vec![
                entry("b", "u", "retry backoff"),
                entry("a", "u", "retry"),
                entry("c", "u", "retry retry backoff  delay"),
                entry("d", "u", "parse"),
                entry("e", "other", "retry backoff"),
            ])
            .unwrap();
        let found = index.query("u", "p", &terms(&["retry", "backoff", "retry"]), 10);
        let ids: Vec<&str> = found.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(ids, ["b", "c", "a"]);
        assert_eq!(found[0].score, 2.0);
        assert_eq!(index.query("u", "p", &terms(&["retry"]), 1).len(), 1);
    }

    #[test]
    fn put_replaces_and_delete_removes() {
        let mut index = FakeTextIndex::default();
        index.put(vec![entry("a", "u", "old")]).unwrap();
        index.put(vec![entry("a", "u", "new")]).unwrap();
        assert!(index.query("u", "p", &terms(&["old"]), 5).is_empty());
        assert_eq!(index.query("u", "p", &terms(&["new"]), 5).len(), 1);
        index.delete(&["a".into(), "missing".into()]).unwrap();
        assert!(index.is_empty());
    }

    #[test]
    fn the_platform_limits_refuse_and_write_nothing() {
        let mut index = FakeTextIndex::default();
        let long = "x".repeat(MAX_ID_BYTES + 1);
        assert!(
            index
                .put(vec![entry("a", "u", "w"), entry(&long, "u", "w")])
                .is_err()
        );
        assert!(index.is_empty());
        let ids: Vec<String> = (0..=MAX_DELETE_IDS).map(|i| i.to_string()).collect();
        assert!(index.delete(&ids).is_err());
    }
}
