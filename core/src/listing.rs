//! Listing a tenant's record: every marker and journal under some prefixes, a page at a time
//! (KV returns at most `kvListPageSize` keys a call, each with its metadata, so markers are
//! read without a single `get`), and what the keys found say.

use std::collections::HashSet;

use crate::config::Config;
use crate::effect::{Effect, ListedKey, Outcome, Reply};
use crate::marker::{MarkerRead, metadata_hash, read_marker_metadata};
use crate::names::{ListedName, TenantNames};
use crate::operation::Budget;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Progress {
    /// More pages to read.
    Open,
    /// Listed to its end.
    Done,
    /// A page failed: what is under it is unknown.
    Failed,
}

struct Prefix {
    prefix: String,
    cursor: Option<String>,
    progress: Progress,
}

/// The pages of some prefixes, read as the budget allows.
pub(crate) struct Listing {
    page_size: usize,
    prefixes: Vec<Prefix>,
    keys: Vec<ListedKey>,
    /// The prefixes of the pages in flight, in batch order.
    awaiting: Vec<usize>,
}

/// A marker key found by a listing.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct SeenMarker {
    /// The chunk it is for.
    pub hash: String,
    /// The key as listed.
    pub key: String,
    /// What it says, if it is a live marker of the engine's own form (`None`: past its
    /// lifetime, of another form, or without metadata: a key of the seed or of an older
    /// version of the engine).
    pub read: Option<MarkerRead>,
}

/// What a listing found of a tenant's record.
#[derive(Debug, Default)]
pub(crate) struct Record {
    /// Every marker key, once.
    pub markers: Vec<SeenMarker>,
    /// Every journal key, once.
    pub journals: Vec<String>,
    /// The record state's key, if it has one.
    pub state: Option<String>,
}

impl Listing {
    /// A listing of everything under `prefixes`.
    pub(crate) fn new(config: &Config, prefixes: Vec<String>) -> Self {
        Self {
            page_size: config.kv_list_page_size,
            prefixes: prefixes
                .into_iter()
                .map(|prefix| Prefix {
                    prefix,
                    cursor: None,
                    progress: Progress::Open,
                })
                .collect(),
            keys: Vec::new(),
            awaiting: Vec::new(),
        }
    }

    /// The next page of each prefix not yet listed to its end, within the KV budget. Empty
    /// once there is nothing more to read, or no budget to read it with.
    pub(crate) fn next(&mut self, budget: &Budget) -> Vec<Effect> {
        let open: Vec<usize> = (0..self.prefixes.len())
            .filter(|&i| self.prefixes[i].progress == Progress::Open)
            .take(budget.kv())
            .collect();
        self.awaiting = open.clone();
        open.into_iter()
            .map(|i| Effect::KvList {
                prefix: self.prefixes[i].prefix.clone(),
                cursor: self.prefixes[i].cursor.clone(),
                limit: self.page_size,
            })
            .collect()
    }

    /// The pages of the last batch, in order.
    pub(crate) fn handle(&mut self, outcomes: Vec<Outcome>) {
        for (i, outcome) in std::mem::take(&mut self.awaiting).into_iter().zip(outcomes) {
            let prefix = &mut self.prefixes[i];
            match outcome {
                Ok(Reply::KvList { keys, cursor }) => {
                    // A page whose cursor does not move would be read for ever.
                    let stuck = cursor.is_some() && cursor == prefix.cursor;
                    self.keys.extend(
                        keys.into_iter()
                            .filter(|k| k.name.starts_with(prefix.prefix.as_str())),
                    );
                    prefix.progress = match cursor {
                        None => Progress::Done,
                        Some(_) if stuck => Progress::Failed,
                        Some(_) => Progress::Open,
                    };
                    prefix.cursor = cursor;
                }
                _ => prefix.progress = Progress::Failed,
            }
        }
    }

    /// Whether every prefix was listed to its end.
    pub(crate) fn complete(&self) -> bool {
        self.prefixes.iter().all(|p| p.progress == Progress::Done)
    }

    /// What the keys found are, read at `now`.
    pub(crate) fn record(&self, names: &TenantNames, config: &Config, now: u64) -> Record {
        let mut record = Record::default();
        let mut seen = HashSet::new();
        for key in &self.keys {
            if !seen.insert(key.name.as_str()) {
                continue;
            }
            let hash = match names.read_listed(&key.name) {
                ListedName::Marker(hash) => hash,
                ListedName::CutMarker => match key.metadata.as_ref().and_then(metadata_hash) {
                    Some(hash) if names.marker_key(&hash) == key.name => hash,
                    _ => continue,
                },
                ListedName::Journal => {
                    record.journals.push(key.name.clone());
                    continue;
                }
                ListedName::State => {
                    record.state = Some(key.name.clone());
                    continue;
                }
                ListedName::Foreign => continue,
            };
            let read = key
                .metadata
                .as_ref()
                .and_then(|m| read_marker_metadata(config, m, now));
            record.markers.push(SeenMarker {
                hash,
                key: key.name.clone(),
                read,
            });
        }
        record
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::marker::NewMarker;

    fn page(names: &[&str], cursor: Option<&str>) -> Outcome {
        Ok(Reply::KvList {
            keys: names
                .iter()
                .map(|n| ListedKey {
                    name: (*n).into(),
                    metadata: None,
                })
                .collect(),
            cursor: cursor.map(str::to_owned),
        })
    }

    #[test]
    fn pages_follow_their_cursor_until_the_last() {
        let c = Config::default();
        let mut listing = Listing::new(&c, vec!["a".into(), "b".into()]);
        let budget = Budget::new(10, 10);
        assert_eq!(listing.next(&budget).len(), 2);
        listing.handle(vec![page(&["a1"], Some("a1")), page(&["b1"], None)]);
        let next = listing.next(&budget);
        assert_eq!(
            next,
            [Effect::KvList {
                prefix: "a".into(),
                cursor: Some("a1".into()),
                limit: 1000
            }]
        );
        listing.handle(vec![page(&["a2", "zz"], None)]);
        assert!(listing.next(&budget).is_empty() && listing.complete());
        let names: Vec<&str> = listing.keys.iter().map(|k| k.name.as_str()).collect();
        assert_eq!(
            names,
            ["a1", "b1", "a2"],
            "a key outside its prefix is dropped"
        );
    }

    #[test]
    fn a_failed_or_stuck_page_leaves_the_listing_incomplete() {
        let c = Config::default();
        let budget = Budget::new(10, 10);
        let mut listing = Listing::new(&c, vec!["a".into(), "b".into()]);
        let _ = listing.next(&budget);
        listing.handle(vec![
            page(&[], Some("x")),
            Err(crate::HostError::new("e", "e")),
        ]);
        let _ = listing.next(&budget);
        listing.handle(vec![page(&[], Some("x"))]);
        assert!(listing.next(&budget).is_empty());
        assert!(!listing.complete());
        assert!(
            Listing::new(&c, vec!["a".into()])
                .next(&Budget::new(0, 0))
                .is_empty()
        );
    }

    #[test]
    fn the_record_reads_markers_journals_and_leaves_foreign_keys() {
        let c = Config::default();
        let names = TenantNames::new(&c, "alice", "p");
        let (_, metadata) = NewMarker {
            now: 10,
            paths: Some("d"),
            hash: None,
            words: false,
        }
        .encode();
        let long = "%".repeat(300);
        let cut_key = names.marker_key(&long);
        let (_, cut_metadata) = NewMarker {
            now: 10,
            paths: None,
            hash: Some(&long),
            words: false,
        }
        .encode();
        let journal = names.journal_key(&"ab".repeat(16));
        let mut listing = Listing::new(&c, names.roots());
        listing.keys = vec![
            ListedKey {
                name: names.marker_key("h1"),
                metadata: Some(metadata),
            },
            ListedKey {
                name: names.marker_key("h2"),
                metadata: None,
            },
            ListedKey {
                name: cut_key.clone(),
                metadata: Some(cut_metadata),
            },
            ListedKey {
                name: format!("{cut_key}x"),
                metadata: None,
            },
            ListedKey {
                name: journal.clone(),
                metadata: None,
            },
            ListedKey {
                name: "chunkHash:alice:p:50%".into(),
                metadata: None,
            },
        ];
        let record = listing.record(&names, &c, 11);
        let hashes: Vec<&str> = record.markers.iter().map(|m| m.hash.as_str()).collect();
        assert_eq!(hashes, ["h1", "h2", long.as_str()]);
        assert_eq!(
            record.markers[0].read.as_ref().unwrap().paths.as_deref(),
            Some("d")
        );
        assert!(
            record.markers[1].read.is_none(),
            "no metadata: not trusted as a marker"
        );
        assert_eq!(record.journals, [journal]);
    }
}
