//! The invariant checker: reads the fakes' state and what clients sent, and names every
//! broken invariant. Usable after any step of any test.
//!
//! (a) every marker has its tenant's vector, made from that chunk's code;
//! (b) every shared cache entry is keyed by the SHA-256 of the code it was made from, under
//!     the current models and prompt;
//! (c) no search returns another tenant's vector;
//! (d) no KV key or vector id is shared by two distinct (user, project, hash);
//! (e) every vector id fits Vectorize's 64 bytes and every KV key KV's 512 bytes;
//! (f) no vector of a chunk removed from its tenant's project: after a complete sync that
//!     finished, or a `remove` (`removal.rs`);
//! (g) no vector that no record reaches: each has its marker key, or a journal naming it
//!     (`removal.rs`);
//! (h) every answer that vouches for the index is true when it is given: each `cached` or
//!     `indexed` chunk held at the files asked, and each `unchanged: true` listing exactly
//!     the index in its scope (`answers.rs`), checked at the response of a request in flight
//!     among others of its tenant (`watch.rs`).

mod answers;
mod removal;
mod watch;

pub use watch::Watched;

use std::cell::RefCell;
use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::rc::Rc;

use index_sync_core::ai::{
    embedding_call, embedding_input, read_embeddings, read_summary, summary_call,
};
use index_sync_core::names::{CACHE_PREFIX, marker_key, sha256_hex, vector_id};
use index_sync_core::record_state::listing_digest;
use index_sync_core::{CacheEntry, CacheScope, Config, Effect, RequestKind, Response};
use serde_json::Value;

use crate::fakes::{World, ai, kv, vectorize};

/// A (user, project, hash) triple.
pub type Triple = (String, String, String);

/// A config's cache identity and a piece of code.
type EmbeddingKey = (String, String);

/// The files a request names for one hash; `None` when an occurrence names none (phase 1
/// then asks about the chunk at any files).
pub type Files = Option<BTreeSet<String>>;

/// Each hash of a list of chunks with the files named for it.
pub fn listed(chunks: &Value) -> BTreeMap<String, Files> {
    let mut listed: BTreeMap<String, Files> = BTreeMap::new();
    for c in chunks.as_array().into_iter().flatten() {
        let Some(hash) = c["hash"].as_str() else {
            continue;
        };
        let path = c["filePath"].as_str().map(str::to_owned);
        let entry = listed
            .entry(hash.to_owned())
            .or_insert_with(|| Some(BTreeSet::new()));
        match (entry.as_mut(), path) {
            (Some(paths), Some(path)) => {
                paths.insert(path);
            }
            _ => *entry = None,
        }
    }
    listed
}

/// The digest a root-only phase 1 sends for a listing (`record_state.rs`).
pub fn digest(listing: &BTreeMap<String, Files>) -> String {
    let files: Vec<(&str, Vec<&str>)> = listing
        .iter()
        .map(|(hash, files)| {
            let paths = files.iter().flatten().map(String::as_str).collect();
            (hash.as_str(), paths)
        })
        .collect();
    listing_digest(files.iter().map(|(hash, paths)| (*hash, paths.as_slice())))
}

/// What clients sent: the ground truth the world is checked against.
#[derive(Clone, Debug, Default)]
pub struct Ledger {
    /// Per triple, every (code, file path) sent for it.
    sent: BTreeMap<Triple, BTreeSet<(String, String)>>,
    /// Code by its SHA-256.
    codes: HashMap<String, String>,
    /// Every complete listing sent, by its digest: what a root-only phase 1 stands for.
    listings: HashMap<String, BTreeMap<String, Files>>,
    /// The embeddings the engine must store, by cache identity and code: worked out once,
    /// since the checks run after every call of long runs.
    embeddings: RefCell<HashMap<EmbeddingKey, Rc<Vec<f32>>>>,
    /// Cache entries found sound, by a hash of their config, key and value.
    sound_entries: RefCell<HashSet<u64>>,
}

impl Ledger {
    /// Records the chunks of an `init` or phase-2 body, whatever the response: a refused
    /// request must have written nothing, which the checks then show. A complete listing
    /// is kept by its digest, for a root-only phase 1 that sends the digest alone.
    pub fn record(&mut self, kind: RequestKind, user: &str, body: &Value) {
        let indexing =
            kind == RequestKind::Init || (kind == RequestKind::Sync && body["phase"] == 2);
        if kind == RequestKind::Sync && body["complete"] == true && body["chunks"].is_array() {
            let listing = listed(&body["chunks"]);
            self.listings.insert(digest(&listing), listing);
        }
        let (Some(project), Some(chunks)) = (body["projectId"].as_str(), body["chunks"].as_array())
        else {
            return;
        };
        if !indexing {
            return;
        }
        for chunk in chunks {
            let (Some(hash), Some(code), Some(path)) = (
                chunk["hash"].as_str(),
                chunk["code"].as_str(),
                chunk["filePath"].as_str(),
            ) else {
                continue;
            };
            self.codes.insert(sha256_hex(code), code.to_owned());
            self.sent
                .entry((user.to_owned(), project.to_owned(), hash.to_owned()))
                .or_default()
                .insert((code.to_owned(), path.to_owned()));
        }
    }

    /// Whether this tenant ever sent a chunk with this hash.
    pub fn sent_by(&self, user: &str, project: &str, hash: &str) -> bool {
        self.sent
            .contains_key(&(user.to_owned(), project.to_owned(), hash.to_owned()))
    }

    /// Invariants (a), (b), (d) and (e) over the world.
    pub fn check_world(&self, world: &World, config: &Config) -> Vec<String> {
        let mut broken = Vec::new();
        let mut keys: HashMap<String, &Triple> = HashMap::new();
        let mut ids: HashMap<String, &Triple> = HashMap::new();
        for (triple, sent) in &self.sent {
            let (user, project, hash) = triple;
            let key = marker_key(config, user, project, hash);
            let id = vector_id(config, user, project, hash);
            for (name, map) in [(&key, &mut keys), (&id, &mut ids)] {
                if let Some(other) = map.insert(name.clone(), triple)
                    && other != triple
                {
                    broken.push(format!("(d) {name:?} names both {other:?} and {triple:?}"));
                }
            }
            if world.kv.read(&key, world.now).is_none() {
                continue;
            }
            match world.vectorize.get(&id) {
                None => broken.push(format!("(a) marker {key:?} without vector {id:?}")),
                Some((values, meta)) => {
                    let made_from = sent.iter().find(|(code, _)| {
                        meta["contentHash"] == sha256_hex(code)
                            && values == self.embedding(config, code).as_slice()
                    });
                    let owned = meta["userId"] == user.as_str()
                        && meta["projectId"] == project.as_str()
                        && meta["hash"] == hash.as_str();
                    if made_from.is_none() || !owned {
                        broken.push(format!(
                            "(a) vector {id:?} of {triple:?} is not made from its own code"
                        ));
                    }
                }
            }
        }
        let identity = config.cache_identity();
        for key in world.kv.keys(world.now) {
            if key.len() > kv::MAX_KEY_BYTES {
                broken.push(format!("(e) KV key of {} bytes", key.len()));
            }
            let Some(content_hash) = key.strip_prefix(&format!("{CACHE_PREFIX}:")) else {
                continue;
            };
            let content_hash = match config.cache_scope {
                CacheScope::Global => content_hash,
                CacheScope::User => content_hash.rsplit(':').next().unwrap_or_default(),
            };
            if let Some(value) = world.kv.read(key, world.now) {
                broken.extend(self.check_cache_entry(config, &identity, key, content_hash, value));
            }
        }
        for id in world.vectorize.ids() {
            if id.len() > vectorize::MAX_ID_BYTES {
                broken.push(format!("(e) vector id of {} bytes", id.len()));
            }
        }
        broken.extend(removal::unreachable_vectors(world, config));
        broken
    }

    /// (b) over one cache entry. An entry found sound stays so (codes are only added), so
    /// it is not decoded again while its value is the same.
    fn check_cache_entry(
        &self,
        config: &Config,
        identity: &str,
        key: &str,
        content_hash: &str,
        value: &str,
    ) -> Option<String> {
        let mut hasher = DefaultHasher::new();
        (identity, key, value).hash(&mut hasher);
        let seen = hasher.finish();
        if self.sound_entries.borrow().contains(&seen) {
            return None;
        }
        // Values of another form or config are never served: nothing to check.
        let entry = serde_json::from_str::<CacheEntry>(value)
            .ok()
            .filter(|e| e.identity == identity)?;
        let broken = match self.codes.get(content_hash) {
            Some(code) if entry.embedding == *self.embedding(config, code) => None,
            Some(_) => Some(format!(
                "(b) cache entry {key:?} is not made from the code it is keyed by"
            )),
            None => Some(format!(
                "(b) cache entry {key:?} keyed by no code any client sent"
            )),
        };
        if broken.is_none() {
            self.sound_entries.borrow_mut().insert(seen);
        }
        broken
    }

    /// [`expected_embedding`], worked out once per config and code.
    fn embedding(&self, config: &Config, code: &str) -> Rc<Vec<f32>> {
        let key = (config.cache_identity(), code.to_owned());
        let mut known = self.embeddings.borrow_mut();
        Rc::clone(
            known
                .entry(key)
                .or_insert_with(|| Rc::new(expected_embedding(config, code))),
        )
    }

    /// Invariant (c) over one search response of `user` in `project`.
    pub fn check_search(&self, user: &str, project: &str, response: &Response) -> Vec<String> {
        let results = response.body["results"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        results
            .iter()
            .filter(|r| {
                let triple = (
                    user.to_owned(),
                    project.to_owned(),
                    r["hash"].as_str().unwrap_or_default().to_owned(),
                );
                !self
                    .sent
                    .get(&triple)
                    .is_some_and(|sent| sent.iter().any(|(_, path)| r["filePath"] == path.as_str()))
            })
            .map(|r| format!("(c) {user}/{project} was shown {r}, which it never sent"))
            .collect()
    }
}

/// The embedding the engine must store for `code` with the fake AI: the engine's own call
/// shapes, answered by the fake.
pub fn expected_embedding(config: &Config, code: &str) -> Vec<f32> {
    let run = |effect: Effect| match effect {
        Effect::AiRun { model, input } => ai::run(&model, &input).unwrap_or_default(),
        _ => Value::Null,
    };
    let summary = if config.summaries {
        read_summary(config, &run(summary_call(config, code))).unwrap_or_default()
    } else {
        String::new()
    };
    let output = run(embedding_call(
        config,
        vec![embedding_input(config, &summary, code)],
    ));
    read_embeddings(config, &output, 1)
        .map(|mut v| v.remove(0))
        .unwrap_or_default()
}
