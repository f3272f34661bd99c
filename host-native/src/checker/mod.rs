//! The invariant checker: reads the fakes' state and what clients sent, and names every
//! broken invariant. Usable after any step of any test.
//!
//! (a) every marker has its tenant's vector, made from that chunk's code, naming places the
//!     tenant sent for it (file, and lines when given), exactly those its live marker's
//!     digest stands for, and the code's first lines as its snippet;
//! (b) every shared cache entry is keyed by the SHA-256 of the code it was made from, under
//!     the current models and prompt;
//! (c) no search returns another tenant's vector, or a place the tenant never sent for it
//!     (`search.rs`);
//! (d) no KV key or vector id is shared by two distinct (user, project, hash);
//! (e) every vector id fits Vectorize's 64 bytes and every KV key KV's 512 bytes;
//! (f) no vector of a chunk removed from its tenant's project: after a complete sync that
//!     finished, or a `remove` (`removal.rs`);
//! (g) no vector that no record reaches: each has its marker key, or a journal naming it
//!     (`removal.rs`);
//! (h) every answer that vouches for the index is true when it is given: each `cached` or
//!     `indexed` chunk held at the places asked (files, and lines when the request gave
//!     them), and each `unchanged: true` listing exactly the index in its scope
//!     (`answers.rs`), checked at the response of a request in flight among others of its
//!     tenant (`watch.rs`);
//! (i) every search result names exactly the places its vector holds when it is answered
//!     that the search's filter admits, and none is missing (`search.rs`, `filter.rs`);
//! (j) with `hybrid`, every marker also has its tenant's text-index entry, under its
//!     vector's id, holding the words of the vector's code and the vector's metadata, and
//!     no entry is without its vector; without it, the text index stays empty (`words.rs`). (g) and (f) cover the entries
//!     as they cover vectors.
//!
//! A place is a file with its lines, or a file alone (`places.rs`); markers and listings
//! are digested with core's own functions.

mod answers;
mod filter;
mod places;
mod removal;
mod search;
mod watch;
mod words;

pub use filter::SearchFilter;
pub use places::{Places, digest, listed, place};
pub use watch::Watched;

use std::cell::RefCell;
use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::rc::Rc;

use index_sync_core::ai::{
    embedding_call, embedding_input, read_embeddings, read_summary, summary_call,
};
use index_sync_core::location::Location;
use index_sync_core::marker::{locations_digest, read_marker};
use index_sync_core::names::{CACHE_PREFIX, marker_key, sha256_hex, vector_id};
use index_sync_core::{CacheEntry, CacheScope, Config, Effect, RequestKind};
use serde_json::Value;

use crate::fakes::{World, ai, kv, vectorize};
use places::{places_may_be_cut, spelled, vector_places, wrong_snippet};

/// A (user, project, hash) triple.
pub type Triple = (String, String, String);

/// A config's cache identity and a piece of code.
type EmbeddingKey = (String, String);

/// What clients sent: the ground truth the world is checked against.
#[derive(Clone, Debug, Default)]
pub struct Ledger {
    /// Per triple, every (code, place) sent for it.
    sent: BTreeMap<Triple, BTreeSet<(String, Location)>>,
    /// Code by its SHA-256.
    codes: HashMap<String, String>,
    /// Every complete listing sent, by its digest: what a root-only phase 1 stands for.
    listings: HashMap<String, BTreeMap<String, Places>>,
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
            let (Some(hash), Some(code), Some(place)) =
                (chunk["hash"].as_str(), chunk["code"].as_str(), place(chunk))
            else {
                continue;
            };
            self.codes.insert(sha256_hex(code), code.to_owned());
            self.sent
                .entry((user.to_owned(), project.to_owned(), hash.to_owned()))
                .or_default()
                .insert((code.to_owned(), place));
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
                    match made_from {
                        Some((code, _)) if owned => {
                            broken.extend(self.check_places(world, config, &key, triple, meta));
                            let (lines, bytes) = (config.snippet_lines, config.max_snippet_bytes);
                            if let Some(wrong) = wrong_snippet(meta, code, lines, bytes) {
                                broken.push(format!("(a) vector {id:?} of {triple:?}: {wrong}"));
                            }
                            // A marker past its lifetime vouches for nothing: its chunk may be
                            // mid-way through being indexed again (vector, then words).
                            let live = world
                                .kv
                                .read(&key, world.now)
                                .and_then(|v| read_marker(config, v, world.now))
                                .is_some();
                            if live {
                                broken.extend(words::check_entry(world, config, &id, code, meta));
                            }
                        }
                        _ => broken.push(format!(
                            "(a) vector {id:?} of {triple:?} is not made from its own code"
                        )),
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
        broken.extend(words::unused_index(world, config));
        broken.extend(words::words_without_vectors(world));
        broken
    }

    /// (a) over the places of the vector of `triple`, whose marker key is `key`: each was
    /// sent for the chunk, and a live marker that keeps a digest of places stands for
    /// exactly those (unless the engine cut the list to fit Vectorize's metadata limit).
    fn check_places(
        &self,
        world: &World,
        config: &Config,
        key: &str,
        triple: &Triple,
        meta: &Value,
    ) -> Vec<String> {
        let mut broken = Vec::new();
        let held = vector_places(meta);
        let sent = &self.sent[triple];
        let unsent: Vec<String> = held
            .iter()
            .filter(|p| !sent.iter().any(|(_, s)| s == *p))
            .map(Location::to_metadata)
            .collect();
        if !unsent.is_empty() {
            broken.push(format!(
                "(a) the vector of {triple:?} is at {unsent:?}, never sent for it"
            ));
        }
        let marker = world
            .kv
            .read(key, world.now)
            .and_then(|value| read_marker(config, value, world.now));
        let digest = marker.and_then(|m| m.paths);
        if let Some(digest) = digest
            && !places_may_be_cut(meta)
            && digest != locations_digest(&held.iter().cloned().collect::<Vec<_>>())
        {
            broken.push(format!(
                "(a) the marker of {triple:?} names other places than its vector's {:?}",
                spelled(&held)
            ));
        }
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
