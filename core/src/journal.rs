//! Journals: the chunks whose vectors a request is about to write, or whose markers it is
//! about to delete before their vectors. A journal is written before the vectors change and
//! deleted once each chunk it names has its marker again or has no vector left, so that
//! every vector the engine writes is reachable, through a marker or a journal, whatever
//! call fails or times out in between (invariant 8). Journals live under the tenant's
//! marker root (names/tenant.rs), so the list that finds the markers finds them too.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::Config;
use crate::effect::{Effect, Outcome, Reply};
use crate::names::{JOURNAL_DIGEST_HEX_BYTES, TenantNames, hex};
use crate::operation::Budget;
use crate::removal::OldJournal;

#[derive(Serialize, Deserialize)]
struct JournalValue {
    hashes: Vec<String>,
}

/// A journal to write: its key and the chunks it names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Journal {
    /// Its KV key.
    pub key: String,
    /// The chunks.
    pub hashes: Vec<String>,
}

impl Journal {
    /// A journal of `hashes` for a request of `kind` at `now`. Its key is a digest of all
    /// three, so that two requests' journals stay apart (and one request's journal of the
    /// same chunks, written twice, is the same key).
    pub(crate) fn new(names: &TenantNames, kind: &str, now: u64, hashes: Vec<String>) -> Self {
        let mut hasher = Sha256::new();
        for part in std::iter::once(kind)
            .chain(std::iter::once(now.to_string().as_str()))
            .chain(hashes.iter().map(String::as_str))
        {
            hasher.update((part.len() as u64).to_le_bytes());
            hasher.update(part.as_bytes());
        }
        let digest = hex(&hasher.finalize()[..JOURNAL_DIGEST_HEX_BYTES / 2]);
        Self {
            key: names.journal_key(&digest),
            hashes,
        }
    }

    /// The write that records it (no TTL: it lasts until the chunks are settled).
    pub(crate) fn put(&self) -> Effect {
        let value = JournalValue {
            hashes: self.hashes.clone(),
        };
        Effect::KvPut {
            key: self.key.clone(),
            value: serde_json::to_string(&value).unwrap_or_default(),
            ttl_seconds: None,
            metadata: None,
        }
    }

    /// The delete that drops it.
    pub(crate) fn delete(&self) -> Effect {
        Effect::KvDelete {
            key: self.key.clone(),
        }
    }
}

/// The chunks a journal's value names; `None` for a value that is no journal.
pub fn read_journal(value: &str) -> Option<Vec<String>> {
    serde_json::from_str::<JournalValue>(value)
        .ok()
        .map(|j| j.hashes)
}

/// Bulk reads of the journals found by a listing, as many as the KV budget allows (the
/// rest are dropped from `keys`), and whether some were dropped: what they name is then
/// unknown.
pub(crate) fn journal_reads(
    keys: &mut Vec<String>,
    config: &Config,
    budget: &Budget,
) -> (Vec<Effect>, bool) {
    let size = config.kv_bulk_get_size;
    let readable = budget.kv().saturating_mul(size).min(keys.len());
    let dropped = readable < keys.len();
    keys.truncate(readable);
    let reads = keys
        .chunks(size)
        .map(|keys| Effect::KvGet {
            keys: keys.to_vec(),
        })
        .collect();
    (reads, dropped)
}

/// The journals among the outcomes of [`journal_reads`] of `keys`, and whether some
/// could not be read.
pub(crate) fn journals_read(
    keys: &[String],
    config: &Config,
    outcomes: Vec<Outcome>,
) -> (Vec<OldJournal>, bool) {
    let mut journals = Vec::new();
    let mut unread = false;
    for (group, outcome) in keys.chunks(config.kv_bulk_get_size).zip(outcomes) {
        match outcome {
            Ok(Reply::KvGet { values }) if values.len() == group.len() => {
                for (key, value) in group.iter().zip(values) {
                    // Absent (gone since the listing) or not a journal: nothing to do.
                    if let Some(hashes) = value.as_deref().and_then(read_journal) {
                        journals.push(OldJournal {
                            key: key.clone(),
                            hashes,
                        });
                    }
                }
            }
            _ => unread = true,
        }
    }
    (journals, unread)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn journals_read_back_and_differ_by_request() {
        let names = TenantNames::new(&Config::default(), "alice", "p");
        let a = Journal::new(&names, "index", 1, vec!["h:1".into(), "é".into()]);
        let Effect::KvPut { key, value, .. } = a.put() else {
            panic!("a put")
        };
        assert_eq!(key, a.key);
        assert_eq!(read_journal(&value), Some(a.hashes.clone()));
        assert_ne!(
            a.key,
            Journal::new(&names, "index", 2, a.hashes.clone()).key
        );
        assert_ne!(
            a.key,
            Journal::new(&names, "remove", 1, a.hashes.clone()).key
        );
        assert_eq!(
            a.key,
            Journal::new(&names, "index", 1, a.hashes.clone()).key
        );
        assert_eq!(read_journal("{\"writtenAt\":1}"), None);
    }
}
