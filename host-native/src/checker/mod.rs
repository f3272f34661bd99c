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
//!     (`removal.rs`).

mod removal;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use index_sync_core::ai::{
    embedding_call, embedding_input, read_embeddings, read_summary, summary_call,
};
use index_sync_core::names::{CACHE_PREFIX, marker_key, sha256_hex, vector_id};
use index_sync_core::{CacheEntry, CacheScope, Config, Effect, RequestKind, Response};
use serde_json::Value;

use crate::fakes::{World, ai, kv, vectorize};

/// A (user, project, hash) triple.
pub type Triple = (String, String, String);

/// What clients sent: the ground truth the world is checked against.
#[derive(Clone, Debug, Default)]
pub struct Ledger {
    /// Per triple, every (code, file path) sent for it.
    sent: BTreeMap<Triple, BTreeSet<(String, String)>>,
    /// Code by its SHA-256.
    codes: HashMap<String, String>,
}

impl Ledger {
    /// Records the chunks of an `init` or phase-2 body, whatever the response: a refused
    /// request must have written nothing, which the checks then show.
    pub fn record(&mut self, kind: RequestKind, user: &str, body: &Value) {
        let indexing =
            kind == RequestKind::Init || (kind == RequestKind::Sync && body["phase"] == 2);
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
                            && values == expected_embedding(config, code).as_slice()
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
            // Values of another form or config are never served: nothing to check.
            let entry = world
                .kv
                .read(key, world.now)
                .and_then(|v| serde_json::from_str::<CacheEntry>(v).ok())
                .filter(|e| e.identity == identity);
            let Some(entry) = entry else {
                continue;
            };
            match self.codes.get(content_hash) {
                Some(code) => {
                    if entry.embedding != expected_embedding(config, code) {
                        broken.push(format!(
                            "(b) cache entry {key:?} is not made from the code it is keyed by"
                        ));
                    }
                }
                None => broken.push(format!(
                    "(b) cache entry {key:?} keyed by no code any client sent"
                )),
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
