//! Indexing chunks for one tenant, shared by `init` and `sync` phase 2:
//!
//! 0. take the tenant's lease (`lease.rs`): refused, the request is answered 409
//!    `tenant_busy` before anything is read or written;
//! 1. read the tenant's markers; chunks marked at the same places (files, and lines when
//!    the client gives them) are "cached" and skipped (so a phase 2 that crossed another
//!    request of the tenant indexing the same chunks, or a resend, costs no upsert);
//! 2. read the shared cache, keyed by the SHA-256 of each distinct piece of code;
//! 3. plan what fits the budget; the rest is deferred; with quotas configured, charge the
//!    planned chunks' AI units and new vectors to the user (`quota.rs`, one coordinator
//!    call, none when they need neither) and admit them in request order within the grant:
//!    the rest fail with `quota_exceeded`, their code never sent to the AI;
//! 4. summaries for cache misses, a few calls at a time, each of one content or, in JSON
//!    mode, of up to `summaryBatchSize` (none when `summaries` is off); then their
//!    embeddings, in batches; then renew the lease, since AI calls are the slow part (lost,
//!    the chunks fail with `tenant_busy` and nothing of the tenant is written);
//! 5. write the new cache entries, and a journal naming the chunks that have no marker key
//!    yet or whose marker names other places (so a vector written now is reachable whatever
//!    fails next: invariant 8); remove the tenant's record state from the coordinator,
//!    which no longer holds;
//! 6. delete the markers that name other places (code moved, copied, or only shifted to
//!    other lines): a marker read at any moment must hold what its vector holds, so a
//!    phase 1 that reads it without the lease answers true;
//! 7. upsert the tenant's vectors, in batches; with `hybrid`, then write the words of those
//!    upserted to the tenant's text index (a chunk whose words fail is failed, unmarked);
//! 8. write a marker for each vector that was upserted (invariant 4);
//! 9. respond; then credit back to the user's quotas what the charge granted but the
//!    request did not use, rewrite the due markers of skipped chunks with the budget left,
//!    and delete the journal if every chunk it names now has its marker; the lease is then
//!    released.
//!
//! Any failure marks only the chunks it touches as failed, with a retryable code.

mod admission;
mod batches;
mod outcomes;
mod plan;
mod response;
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
use crate::effect::{
    Effect, HostError, Outcome, Reply, Response, Step, TextEntry, Vector, WRONG_REPLY,
};
use crate::error::{ChunkError, RequestError};
use crate::journal::Journal;
use crate::lease::{LeaseAnswer, state_written, write_state};
use crate::marker::{MarkerRead, NewMarker, read_marker};
use crate::names::{TenantNames, cache_key};
use crate::operation::{Budget, Procedure};
use crate::quota::Allowance;
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
    /// Markers of these chunks.
    MarkerRead(std::ops::Range<usize>),
    /// Cache entries of these contents.
    CacheRead(Vec<usize>),
    /// The quotas' charge of these AI units and vectors.
    Charge(u32, u32),
    StateDrop,
    /// The marker of this chunk, which names other places.
    Unmark(usize),
    /// Summaries of these contents, in one call.
    Summaries(Vec<usize>),
    Embedding(Vec<usize>),
    CacheWrite,
    Journal,
    Upsert(Vec<usize>),
    /// The text index's entries of these chunks (with `hybrid`), after their upsert.
    Words(Vec<usize>),
    MarkerWrite(usize),
    /// The quotas' credit of what was not used.
    Credit,
    Refresh,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    /// The lease is asked for; then `Markers`.
    Lease,
    Markers,
    CacheLookup,
    Plan,
    /// The quotas' charge, when configured; then the admission of the planned chunks.
    Charge,
    Summaries,
    Embeddings,
    /// The lease is renewed after AI calls; then `Journal`.
    Renew,
    Journal,
    Unmark,
    Store,
    /// With `hybrid`: the words of the chunks whose vectors were stored.
    Words,
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
    /// The lease's token, once held.
    token: Option<u64>,
    /// Refused: the lease was not granted.
    refusal: Option<RequestError>,
    now: u64,
    chunks: Vec<Chunk>,
    markers: Vec<String>,
    /// Whether the chunk's marker key holds anything: a vector written for it is then
    /// reachable without a journal.
    has_key: Vec<bool>,
    /// Whether the chunk's marker key held anything when read: its vector exists and is
    /// already counted against the user's quota.
    vector_held: Vec<bool>,
    /// Whether the chunk's marker, which named other places, was deleted.
    unmarked: Vec<bool>,
    /// The user's quotas' account, when configured.
    allowance: Option<Allowance>,
    /// Whether the chunk's marker is live and names other places (files or lines): it is
    /// deleted (and the chunk journaled) before the vector changes.
    unmark: Vec<bool>,
    status: Vec<Status>,
    /// The journal of this request's chunks without a marker key, once written.
    journal: Option<Journal>,
    /// Chunks named by the journal.
    journaled: Vec<bool>,
    contents: Vec<Content>,
    content_of: Vec<usize>,
    stage: Stage,
    awaiting: Vec<Purpose>,
    /// With `hybrid`: each upserted chunk's text-index entry, written once its vector is.
    words: Vec<(usize, TextEntry)>,
}

impl Indexing {
    pub(crate) fn new(config: Arc<Config>, request: IndexRequest, now: u64) -> Self {
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
            vector_held: vec![false; chunks.len()],
            unmarked: vec![false; chunks.len()],
            allowance: config
                .quotas
                .map(|quotas| Allowance::new(quotas, tenant.clone(), now)),
            unmark: vec![false; chunks.len()],
            journaled: vec![false; chunks.len()],
            journal: None,
            stage: Stage::Lease,
            config,
            tenant,
            names,
            token: None,
            refusal: None,
            now,
            chunks,
            markers,
            contents,
            content_of,
            awaiting: Vec::new(),
            words: Vec::new(),
        }
    }

    pub(crate) fn tenant(&self) -> &Tenant {
        &self.tenant
    }

    /// Whether the AI was to be asked for anything: the lease is then renewed before the
    /// first write.
    fn asked_ai(&self) -> bool {
        self.contents.iter().any(|c| c.planned)
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

impl Procedure for Indexing {
    fn wants_lease(&self) -> bool {
        matches!(self.stage, Stage::Lease | Stage::Renew)
    }

    fn leased(&mut self, answer: LeaseAnswer) {
        match (self.stage, answer) {
            (Stage::Renew, LeaseAnswer::Held(_)) => self.stage = Stage::Journal,
            (Stage::Renew, lost) => {
                // Nothing of the tenant is written; the cache entries still are (they are
                // everybody's, and spare the AI calls when the chunks are resent).
                let error = ChunkError::new(ChunkError::TENANT_BUSY, lost_lease_message(&lost));
                for status in &mut self.status {
                    if *status == Status::Planned {
                        *status = Status::Failed(error.clone());
                    }
                }
                self.stage = Stage::Journal;
            }
            (_, LeaseAnswer::Held(token)) => {
                self.token = Some(token);
                self.stage = Stage::Markers;
            }
            (_, refused) => {
                self.refusal = refused.refusal();
                self.stage = Stage::Respond;
            }
        }
    }

    fn poll(&mut self, budget: &Budget) -> Step {
        loop {
            let batch = match self.stage {
                // An empty batch yields to the operation, which asks for the lease
                // (`wants_lease`) before polling again.
                Stage::Lease | Stage::Renew => return Step::Io(Vec::new()),
                Stage::Markers => {
                    self.stage = Stage::CacheLookup;
                    self.read_markers(budget)
                }
                Stage::CacheLookup => {
                    self.stage = Stage::Plan;
                    self.read_cache(budget)
                }
                Stage::Plan => {
                    self.stage = Stage::Charge;
                    self.plan(budget);
                    Vec::new()
                }
                Stage::Charge => {
                    self.stage = Stage::Summaries;
                    self.charge()
                }
                Stage::Summaries => {
                    let batch = self.ask_summaries();
                    if batch.is_empty() {
                        self.stage = Stage::Embeddings;
                    }
                    batch
                }
                Stage::Embeddings => {
                    let batch = self.ask_embeddings();
                    if batch.is_empty() {
                        self.stage = if self.asked_ai() {
                            Stage::Renew
                        } else {
                            Stage::Journal
                        };
                    }
                    batch
                }
                Stage::Journal => {
                    self.stage = Stage::Unmark;
                    self.write_entries_and_journal()
                }
                Stage::Unmark => {
                    self.stage = Stage::Store;
                    self.unmark()
                }
                Stage::Store => {
                    self.stage = Stage::Words;
                    self.upsert()
                }
                Stage::Words => {
                    self.stage = Stage::MarkerWrites;
                    self.put_words()
                }
                Stage::MarkerWrites => {
                    self.stage = Stage::Respond;
                    self.write_markers()
                }
                Stage::Respond => {
                    if let Some(e) = self.refusal.take() {
                        self.stage = Stage::Done;
                        return Step::Respond(Response {
                            status: e.status(),
                            body: e.to_body(),
                        });
                    }
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

/// Why chunks failed when the lease could not be renewed.
fn lost_lease_message(answer: &LeaseAnswer) -> String {
    match answer {
        LeaseAnswer::Failed(e) => format!(
            "the tenant's lease could not be renewed ({}: {}); resend",
            e.code, e.message
        ),
        _ => "the tenant's lease ran out and another request of this user and project took it; \
              resend"
            .into(),
    }
}
