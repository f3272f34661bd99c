//! Indexing chunks for one tenant, shared by `init` and `sync` phase 2:
//!
//! 1. (init only) read the tenant's markers; chunks marked at the same files are "cached"
//!    and skipped;
//! 2. read the shared cache, keyed by the SHA-256 of each distinct piece of code;
//! 3. plan what fits the budget; the rest is deferred;
//! 4. summaries for cache misses, a few calls at a time, each of one content or, in JSON
//!    mode, of up to `summaryBatchSize` (none when `summaries` is off); then their
//!    embeddings, in batches;
//! 5. write the new cache entries, and a journal naming the chunks that have no marker key
//!    yet (so a vector written now is reachable whatever fails next: invariant 8); delete
//!    the tenant's record state (read with the first bulk read), which no longer holds;
//! 6. upsert the tenant's vectors, in batches;
//! 7. write a marker for each vector that was upserted (invariant 4);
//! 8. respond; then rewrite the due markers of skipped chunks with the budget left, and
//!    delete the journal if every chunk it names now has its marker.
//!
//! Any failure marks only the chunks it touches as failed, with a retryable code.

mod batches;
mod outcomes;
mod plan;
mod vector;

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::json;

use crate::ai::{
    embedding_call, embedding_input, embeddings_of, read_summaries, read_summary, summaries_call,
    summary_call,
};
use crate::cache_entry::CacheEntry;
use crate::config::Config;
use crate::effect::{Effect, HostError, Outcome, Reply, Response, Step, WRONG_REPLY};
use crate::error::ChunkError;
use crate::journal::Journal;
use crate::marker::{MarkerRead, NewMarker, read_marker};
use crate::names::{TenantNames, cache_key};
use crate::operation::{Budget, Procedure};
use crate::request::{Chunk, IndexRequest, Tenant};
use crate::sync_check::refresh_marker;
use plan::fitting;

/// Where one chunk stands.
#[derive(Clone, Debug, PartialEq)]
enum Status {
    /// Not decided yet.
    Open,
    /// The tenant already has it at the same files (init only).
    Cached(MarkerRead),
    /// In the plan: will be upserted.
    Planned,
    /// Its vector is upserted; its marker is being written.
    Upserted,
    /// Vector and marker written.
    Indexed,
    Failed(ChunkError),
    Deferred,
}

/// One distinct piece of code among the request's chunks.
struct Content {
    key: String,
    /// A chunk holding this code.
    chunk: usize,
    summary: Option<String>,
    embedding: Option<Vec<f32>>,
    from_cache: bool,
    /// The AI is to be asked for it.
    planned: bool,
    asked: bool,
    failed: Option<ChunkError>,
}

/// What one effect of the batch in flight was for.
enum Purpose {
    /// Markers of these chunks; `true`: the tenant's record state's key comes last.
    MarkerRead(std::ops::Range<usize>, bool),
    /// Cache entries of these contents; `true` as for markers.
    CacheRead(Vec<usize>, bool),
    StateRead,
    StateDrop,
    /// Summaries of these contents, in one call.
    Summaries(Vec<usize>),
    Embedding(Vec<usize>),
    CacheWrite,
    Journal,
    Upsert(Vec<usize>),
    MarkerWrite(usize),
    Refresh,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    Markers,
    CacheLookup,
    Plan,
    Summaries,
    Embeddings,
    Journal,
    Store,
    MarkerWrites,
    Respond,
    Refresh,
    Done,
}

/// `init` or `sync` phase 2 in progress.
pub(crate) struct Indexing {
    config: Arc<Config>,
    identity: String,
    tenant: Tenant,
    names: TenantNames,
    now: u64,
    chunks: Vec<Chunk>,
    markers: Vec<String>,
    /// Whether the chunk's marker key holds anything (init reads it): a vector written
    /// for it is then reachable without a journal.
    has_key: Vec<bool>,
    status: Vec<Status>,
    /// The journal of this request's chunks without a marker key, once written.
    journal: Option<Journal>,
    /// What reading the tenant's record state found: `None` before, or when it could not
    /// be read (it may then exist); `Some(false)`: absent. It is deleted before any upsert.
    state: Option<bool>,
    state_asked: bool,
    /// Chunks named by the journal.
    journaled: Vec<bool>,
    contents: Vec<Content>,
    content_of: Vec<usize>,
    stage: Stage,
    awaiting: Vec<Purpose>,
}

impl Indexing {
    /// `skip_marked`: init skips chunks the tenant already has; phase 2 indexes what it is
    /// sent, since phase 1 just said it was needed.
    pub(crate) fn new(
        config: Arc<Config>,
        request: IndexRequest,
        now: u64,
        skip_marked: bool,
    ) -> Self {
        let IndexRequest { tenant, chunks } = request;
        let names = TenantNames::new(&config, &tenant.user, &tenant.project);
        let markers = chunks.iter().map(|c| names.marker_key(&c.hash)).collect();
        let mut contents: Vec<Content> = Vec::new();
        let mut by_hash: HashMap<&str, usize> = HashMap::new();
        let content_of = chunks
            .iter()
            .enumerate()
            .map(|(i, chunk)| {
                *by_hash.entry(&chunk.content_hash).or_insert_with(|| {
                    contents.push(Content {
                        key: cache_key(&config, &tenant.user, &chunk.content_hash),
                        chunk: i,
                        summary: None,
                        embedding: None,
                        from_cache: false,
                        planned: false,
                        asked: false,
                        failed: None,
                    });
                    contents.len() - 1
                })
            })
            .collect();
        Self {
            identity: config.cache_identity(),
            status: vec![Status::Open; chunks.len()],
            has_key: vec![false; chunks.len()],
            journaled: vec![false; chunks.len()],
            journal: None,
            state: None,
            state_asked: false,
            stage: if skip_marked {
                Stage::Markers
            } else {
                Stage::CacheLookup
            },
            config,
            tenant,
            names,
            now,
            chunks,
            markers,
            contents,
            content_of,
            awaiting: Vec::new(),
        }
    }

    fn open(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.chunks.len()).filter(|&i| self.status[i] == Status::Open)
    }

    fn defer_open(&mut self, from: impl IntoIterator<Item = usize>) {
        for i in from {
            self.status[i] = Status::Deferred;
        }
    }
}

impl Indexing {
    fn response(&self) -> Response {
        let hashes = |want: fn(&Status) -> bool| -> Vec<&str> {
            self.chunks
                .iter()
                .zip(&self.status)
                .filter(|(_, s)| want(s))
                .map(|(c, _)| c.hash.as_str())
                .collect()
        };
        let failed: Vec<_> = self
            .chunks
            .iter()
            .zip(&self.status)
            .filter_map(|(c, s)| match s {
                Status::Failed(e) => Some(json!({
                    "hash": c.hash,
                    "error": { "code": e.code, "message": e.message },
                })),
                _ => None,
            })
            .collect();
        Response {
            status: 200,
            body: json!({
                "indexed": hashes(|s| *s == Status::Indexed),
                "cached": hashes(|s| matches!(s, Status::Cached(_))),
                "failed": failed,
                // Anything not finished and not failed is safe to resend as is.
                "deferred": hashes(|s| matches!(s, Status::Deferred | Status::Open | Status::Planned | Status::Upserted)),
            }),
        }
    }
}

impl Procedure for Indexing {
    fn poll(&mut self, budget: &Budget) -> Step {
        loop {
            let batch = match self.stage {
                Stage::Markers => {
                    self.stage = Stage::CacheLookup;
                    self.read_markers(budget)
                }
                Stage::CacheLookup => {
                    self.stage = Stage::Plan;
                    self.read_cache(budget)
                }
                Stage::Plan => {
                    self.stage = Stage::Summaries;
                    self.plan(budget);
                    Vec::new()
                }
                Stage::Summaries => {
                    let batch = self.ask_summaries();
                    if batch.is_empty() {
                        self.stage = Stage::Embeddings;
                    }
                    batch
                }
                Stage::Embeddings => {
                    self.stage = Stage::Journal;
                    self.ask_embeddings()
                }
                Stage::Journal => {
                    self.stage = Stage::Store;
                    self.write_entries_and_journal()
                }
                Stage::Store => {
                    self.stage = Stage::MarkerWrites;
                    self.upsert()
                }
                Stage::MarkerWrites => {
                    self.stage = Stage::Respond;
                    self.write_markers()
                }
                Stage::Respond => {
                    self.stage = Stage::Refresh;
                    return Step::Respond(self.response());
                }
                Stage::Refresh => {
                    self.stage = Stage::Done;
                    self.finish(budget)
                }
                Stage::Done => return Step::Done,
            };
            if !batch.is_empty() {
                return Step::Io(batch);
            }
        }
    }

    fn handle(&mut self, outcomes: Vec<Outcome>) {
        let purposes = std::mem::take(&mut self.awaiting);
        for (purpose, outcome) in purposes.into_iter().zip(outcomes) {
            self.handle_one(purpose, outcome);
        }
    }
}
