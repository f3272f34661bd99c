//! Indexing chunks for one tenant, shared by `init` and `sync` phase 2:
//!
//! 1. (init only) read the tenant's markers; marked chunks are "cached" and skipped;
//! 2. read the shared cache, keyed by the SHA-256 of each distinct piece of code;
//! 3. plan what fits the budget; the rest is deferred;
//! 4. summaries for cache misses, a few at a time; then their embeddings, in batches;
//! 5. write the new cache entries and upsert the tenant's vectors, in batches;
//! 6. write a marker for each vector that was upserted (invariant 4);
//! 7. respond; then rewrite the due markers of skipped chunks with the budget left.
//!
//! Any failure marks only the chunks it touches as failed, with a retryable code.

mod plan;
mod vector;

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::json;

use crate::ai::{embedding_call, embedding_text, read_embeddings, read_summary, summary_call};
use crate::cache_entry::CacheEntry;
use crate::config::Config;
use crate::effect::{Effect, HostError, Outcome, Reply, Response, Step};
use crate::error::ChunkError;
use crate::marker::{marker_value, read_marker};
use crate::names::{cache_key, marker_key};
use crate::operation::{Budget, Procedure};
use crate::request::{Chunk, IndexRequest, Tenant};
use plan::fitting;

/// Where one chunk stands.
#[derive(Clone, Debug, PartialEq)]
enum Status {
    /// Not decided yet.
    Open,
    /// The tenant already has it (init only).
    Cached {
        due: bool,
    },
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
    MarkerRead(std::ops::Range<usize>),
    CacheRead(Vec<usize>),
    Summary(usize),
    Embedding(Vec<usize>),
    CacheWrite,
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
    now: u64,
    chunks: Vec<Chunk>,
    markers: Vec<String>,
    status: Vec<Status>,
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
        let markers = chunks
            .iter()
            .map(|c| marker_key(&config, &tenant.user, &tenant.project, &c.hash))
            .collect();
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
            stage: if skip_marked {
                Stage::Markers
            } else {
                Stage::CacheLookup
            },
            config,
            tenant,
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

    /// Step 1: read this tenant's markers in bulk.
    fn read_markers(&mut self, budget: &Budget) -> Vec<Effect> {
        let size = self.config.kv_bulk_get_size;
        let readable = budget.kv().saturating_mul(size).min(self.chunks.len());
        self.defer_open(readable..self.chunks.len());
        let mut batch = Vec::new();
        for start in (0..readable).step_by(size) {
            let range = start..(start + size).min(readable);
            batch.push(Effect::KvGet {
                keys: self.markers[range.clone()].to_vec(),
            });
            self.awaiting.push(Purpose::MarkerRead(range));
        }
        batch
    }

    /// Step 2: read the shared cache for the open chunks that could fit the budget.
    fn read_cache(&mut self, budget: &Budget) -> Vec<Effect> {
        let open: Vec<usize> = self.open().collect();
        let mut looked_up = vec![false; self.contents.len()];
        let fits = fitting(&self.config, budget, &open, |cost, &i| {
            cost.chunks += 1;
            let c = self.content_of[i];
            if !looked_up[c] {
                looked_up[c] = true;
                cost.lookups += 1;
            }
        });
        self.defer_open(open[fits..].to_vec());
        let wanted: Vec<usize> = {
            let mut seen = vec![false; self.contents.len()];
            open[..fits]
                .iter()
                .map(|&i| self.content_of[i])
                .filter(|&c| !std::mem::replace(&mut seen[c], true))
                .collect()
        };
        let mut batch = Vec::new();
        for group in wanted.chunks(self.config.kv_bulk_get_size) {
            batch.push(Effect::KvGet {
                keys: group
                    .iter()
                    .map(|&c| self.contents[c].key.clone())
                    .collect(),
            });
            self.awaiting.push(Purpose::CacheRead(group.to_vec()));
        }
        batch
    }

    /// Step 3: with the cache read, admit open chunks in order while the exact cost fits.
    fn plan(&mut self, budget: &Budget) {
        self.fail_chunks_of_failed_contents();
        let open: Vec<usize> = self.open().collect();
        let mut counted = vec![false; self.contents.len()];
        let contents = &self.contents;
        let fits = fitting(&self.config, budget, &open, |cost, &i| {
            cost.chunks += 1;
            let c = self.content_of[i];
            if contents[c].embedding.is_none() && !counted[c] {
                counted[c] = true;
                cost.new_contents += 1;
            }
        });
        for &i in &open[..fits] {
            self.status[i] = Status::Planned;
            let content = &mut self.contents[self.content_of[i]];
            content.planned |= content.embedding.is_none();
        }
        self.defer_open(open[fits..].to_vec());
    }

    /// Step 4a: the next few summary calls.
    fn ask_summaries(&mut self) -> Vec<Effect> {
        let next: Vec<usize> = (0..self.contents.len())
            .filter(|&c| {
                let content = &self.contents[c];
                content.planned && !content.asked && content.failed.is_none()
            })
            .take(self.config.summary_concurrency)
            .collect();
        next.into_iter()
            .map(|c| {
                self.contents[c].asked = true;
                self.awaiting.push(Purpose::Summary(c));
                summary_call(&self.config, &self.chunks[self.contents[c].chunk].code)
            })
            .collect()
    }

    /// Step 4b: embeddings of every summarised content, in batches.
    fn ask_embeddings(&mut self) -> Vec<Effect> {
        let ready: Vec<usize> = (0..self.contents.len())
            .filter(|&c| {
                let content = &self.contents[c];
                content.summary.is_some() && content.embedding.is_none() && content.failed.is_none()
            })
            .collect();
        let mut batch = Vec::new();
        for group in ready.chunks(self.config.embedding_batch_size) {
            let texts = group
                .iter()
                .map(|&c| {
                    let content = &self.contents[c];
                    embedding_text(
                        content.summary.as_deref().unwrap_or_default(),
                        &self.chunks[content.chunk].code,
                    )
                })
                .collect();
            batch.push(embedding_call(&self.config, texts));
            self.awaiting.push(Purpose::Embedding(group.to_vec()));
        }
        batch
    }

    /// Step 5: new cache entries, and the tenant's vectors in batches.
    fn store(&mut self) -> Vec<Effect> {
        self.fail_chunks_of_failed_contents();
        let mut batch = Vec::new();
        for content in &self.contents {
            if let (false, Some(summary), Some(embedding)) =
                (content.from_cache, &content.summary, &content.embedding)
            {
                let entry = CacheEntry {
                    summary: summary.clone(),
                    embedding: embedding.clone(),
                    identity: self.identity.clone(),
                    content_hash: self.chunks[content.chunk].content_hash.clone(),
                };
                batch.push(Effect::KvPut {
                    key: content.key.clone(),
                    value: entry.encode(),
                    ttl_seconds: self.config.cache_ttl_seconds,
                });
                self.awaiting.push(Purpose::CacheWrite);
            }
        }
        let planned: Vec<usize> = (0..self.chunks.len())
            .filter(|&i| self.status[i] == Status::Planned)
            .collect();
        for group in planned.chunks(self.config.upsert_batch_size) {
            let vectors = group
                .iter()
                .map(|&i| {
                    let content = &self.contents[self.content_of[i]];
                    vector::tenant_vector(
                        &self.config,
                        &self.tenant,
                        &self.chunks[i],
                        content.summary.as_deref().unwrap_or_default(),
                        content.embedding.as_deref().unwrap_or_default(),
                    )
                })
                .collect();
            batch.push(Effect::VectorizeUpsert { vectors });
            self.awaiting.push(Purpose::Upsert(group.to_vec()));
        }
        batch
    }

    /// Step 6: a marker for each upserted vector.
    fn write_markers(&mut self) -> Vec<Effect> {
        self.marker_puts(|s| *s == Status::Upserted, usize::MAX, Purpose::MarkerWrite)
    }

    /// Step 7b: rewrite due markers of chunks the tenant already had, with the budget left.
    fn refresh_markers(&mut self, budget: &Budget) -> Vec<Effect> {
        self.marker_puts(
            |s| *s == Status::Cached { due: true },
            budget.kv(),
            |_| Purpose::Refresh,
        )
    }

    fn marker_puts(
        &mut self,
        which: impl Fn(&Status) -> bool,
        limit: usize,
        purpose: impl Fn(usize) -> Purpose,
    ) -> Vec<Effect> {
        let chosen: Vec<usize> = (0..self.chunks.len())
            .filter(|&i| which(&self.status[i]))
            .take(limit)
            .collect();
        chosen
            .into_iter()
            .map(|i| {
                self.awaiting.push(purpose(i));
                Effect::KvPut {
                    key: self.markers[i].clone(),
                    value: marker_value(self.now),
                    ttl_seconds: Some(self.config.marker_ttl_seconds),
                }
            })
            .collect()
    }

    fn fail_chunks_of_failed_contents(&mut self) {
        for i in 0..self.chunks.len() {
            if let Some(error) = &self.contents[self.content_of[i]].failed
                && matches!(self.status[i], Status::Open | Status::Planned)
            {
                self.status[i] = Status::Failed(error.clone());
            }
        }
    }

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
                "cached": hashes(|s| matches!(s, Status::Cached { .. })),
                "failed": failed,
                // Anything not finished and not failed is safe to resend as is.
                "deferred": hashes(|s| matches!(s, Status::Deferred | Status::Open | Status::Planned | Status::Upserted)),
            }),
        }
    }

    fn fail_content(&mut self, c: usize, code: &'static str, message: String) {
        self.contents[c].failed = Some(ChunkError::new(code, message));
    }

    fn handle_one(&mut self, purpose: Purpose, outcome: Outcome) {
        match purpose {
            Purpose::MarkerRead(range) => match kv_values(outcome, range.len()) {
                Ok(values) => {
                    for (i, value) in range.zip(values) {
                        if let Some(due) =
                            value.and_then(|v| read_marker(&self.config, &v, self.now))
                        {
                            self.status[i] = Status::Cached { due };
                        }
                    }
                }
                Err(e) => {
                    for i in range {
                        self.status[i] =
                            Status::Failed(ChunkError::new(ChunkError::KV_READ, e.message.clone()));
                    }
                }
            },
            Purpose::CacheRead(group) => match kv_values(outcome, group.len()) {
                Ok(values) => {
                    for (c, value) in group.into_iter().zip(values) {
                        let content_hash = &self.chunks[self.contents[c].chunk].content_hash;
                        let entry = value.and_then(|v| {
                            CacheEntry::decode(&self.config, &self.identity, content_hash, &v)
                        });
                        if let Some(entry) = entry {
                            let content = &mut self.contents[c];
                            content.summary = Some(entry.summary);
                            content.embedding = Some(entry.embedding);
                            content.from_cache = true;
                        }
                    }
                }
                Err(e) => {
                    for c in group {
                        self.fail_content(c, ChunkError::KV_READ, e.message.clone());
                    }
                }
            },
            Purpose::Summary(c) => {
                match ai_output(outcome).and_then(|o| read_summary(&self.config, &o)) {
                    Ok(summary) => self.contents[c].summary = Some(summary),
                    Err(message) => self.fail_content(c, ChunkError::AI, message),
                }
            }
            Purpose::Embedding(group) => {
                let read =
                    ai_output(outcome).and_then(|o| read_embeddings(&self.config, &o, group.len()));
                match read {
                    Ok(embeddings) => {
                        for (c, embedding) in group.into_iter().zip(embeddings) {
                            self.contents[c].embedding = Some(embedding);
                        }
                    }
                    Err(message) => {
                        for c in group {
                            self.fail_content(c, ChunkError::AI, message.clone());
                        }
                    }
                }
            }
            // A lost cache write costs a later AI call, not a chunk: the vector is still
            // upserted with the embedding in hand.
            Purpose::CacheWrite | Purpose::Refresh => {}
            Purpose::Upsert(group) => {
                let next = match outcome {
                    Ok(Reply::VectorizeUpsert) => Status::Upserted,
                    other => Status::Failed(ChunkError::new(ChunkError::VECTORIZE, failure(other))),
                };
                for i in group {
                    self.status[i] = next.clone();
                }
            }
            Purpose::MarkerWrite(i) => {
                self.status[i] = match outcome {
                    Ok(Reply::KvPut) => Status::Indexed,
                    other => Status::Failed(ChunkError::new(ChunkError::KV_WRITE, failure(other))),
                };
            }
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
                    self.stage = Stage::Store;
                    self.ask_embeddings()
                }
                Stage::Store => {
                    self.stage = Stage::MarkerWrites;
                    self.store()
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
                    self.refresh_markers(budget)
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

/// The values of a bulk read of `count` keys, or why there are none.
fn kv_values(outcome: Outcome, count: usize) -> Result<Vec<Option<String>>, HostError> {
    match outcome {
        Ok(Reply::KvGet { values }) if values.len() == count => Ok(values),
        Ok(_) => Err(HostError::new(
            "protocol",
            "the host answered a KV read with something else",
        )),
        Err(e) => Err(e),
    }
}

fn ai_output(outcome: Outcome) -> Result<serde_json::Value, String> {
    match outcome {
        Ok(Reply::AiRun { output }) => Ok(output),
        other => Err(failure(other)),
    }
}

/// The message of a failed outcome, or of an answer of the wrong kind.
fn failure(outcome: Outcome) -> String {
    match outcome {
        Err(e) => format!("{}: {}", e.code, e.message),
        Ok(_) => "protocol: the host answered with a reply of another kind".into(),
    }
}
