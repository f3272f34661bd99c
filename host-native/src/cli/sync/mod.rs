//! The client side of the protocol, shared by `index` (the engine component in this
//! process) and any other transport: a complete sync of a folder's chunks.
//!
//! 1. Phase 1 sends the digest of each part of the listing alone (a root-only phase 1):
//!    a part the engine answers `unchanged` costs it one key read. The others are listed:
//!    every chunk with its file (`"complete": true`). A listing larger than
//!    [`PART_LIMIT`] goes in parts, each naming the hash prefixes it covers
//!    (`hashPrefixes`), so that no request outgrows the engine's limits.
//! 2. Phase 2 sends the chunks phase 1 names as needed, every file of a hash in the same
//!    request (the engine sets a chunk's files from one request), [`PHASE2_BATCH`] at a
//!    time; what comes back deferred or failed is sent again.
//! 3. While a phase 1 answers `moreToRemove` (the engine's budget ran out, or a delete
//!    failed), phase 1 is sent again; so is any part whose listing came back deferred.
//! 4. When a part's listing changed the index (something needed or removed) and everything
//!    is now indexed, that part's listing is sent once more: the engine finds it exactly
//!    the index and records the tenant's state clean, so the next sync of an unchanged
//!    folder is one root-only request per part. It costs the engine what a listing costs
//!    (the record state read, the lease, one KV list a page of 1,000 markers, the state
//!    written), and no marker read, AI call or vector write.
//!
//! Up to [`MAX_ROUNDS`] rounds of each; what is still not done is reported. A request refused
//! whole while another client changes the project (`409 tenant_busy`) is the transport's to
//! send again (`cli/retry.rs`): it never reaches this protocol as a failure.

mod parts;
mod requests;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use index_sync_core::{ChunkError, RequestKind};
use serde_json::Value;

use super::chunker::Chunk;
pub use parts::{Part, partition};
pub use requests::{ByHash, batches, by_hash, digest_body, listing_body, occurrences, phase2_body};

/// Occurrences of chunks (a chunk in two files counts twice) in one phase-1 request: half
/// the engine's `maxChunksPerRequest` (10,000), and a phase 1 well within the CPU of an
/// invocation on the free plan (BENCHMARKS.md).
pub const PART_LIMIT: usize = 5_000;
/// Occurrences per phase-2 request. A chunk costs about three operations when the shared
/// cache misses (a summary call, a cache write, a marker write; reads, embeddings and
/// upserts come in batches), so 100 stay well within the engine's budget.
pub const PHASE2_BATCH: usize = 100;
/// Rounds of resending deferred and failed work before giving up on it.
pub const MAX_ROUNDS: usize = 5;

/// Sends one request and returns its 200 body, or why it failed.
pub trait Transport {
    /// One request.
    fn send(&mut self, kind: RequestKind, body: &Value) -> Result<Value, String>;
}

/// What a sync did.
#[derive(Debug, Default)]
pub struct Summary {
    /// Distinct chunks in the project.
    pub chunks: usize,
    /// Chunks phase 1 asked for.
    pub needed: usize,
    /// Chunks phase 1 found already indexed at the same files.
    pub cached: usize,
    /// Chunks indexed by phase 2.
    pub indexed: usize,
    /// Chunks of the index that the project no longer holds, removed.
    pub removed: usize,
    /// Phase-1 requests (parts and rounds, root-only ones included, closing ones not).
    pub phase1_requests: usize,
    /// Closing phase-1 requests: listings sent again after phase 2 so that the engine
    /// records the index clean (step 4 of the module doc).
    pub closing_requests: usize,
    /// Closing listings that still found work to do (another client changed the project
    /// meanwhile): the engine recorded nothing for them, and the next sync lists them.
    pub closing_unclean: usize,
    /// Parts of the listing.
    pub parts: usize,
    /// Parts the engine answered unchanged from their digest alone.
    pub unchanged_parts: usize,
    /// Phase-2 requests.
    pub phase2_requests: usize,
    /// Occurrences of chunks sent with their code in phase 2, resends included.
    pub chunks_sent: usize,
    /// Chunks still not indexed, with why.
    pub not_indexed: BTreeMap<String, String>,
    /// Whether removal is still unfinished after every round.
    pub removal_unfinished: bool,
    /// The message of the first chunk refused with `quota_exceeded`: a quota of the user
    /// stopped phase 2, and nothing more was sent (a resend would be refused alike until
    /// the quota resets or vectors are removed).
    pub quota_exceeded: Option<String>,
    /// The last `quota` the engine answered (`resetAt`, `aiChunksLeft`, `vectorsLeft`).
    pub quota: Option<Value>,
}

impl Summary {
    /// Whether the index now follows the project exactly.
    pub fn complete(&self) -> bool {
        self.not_indexed.is_empty() && !self.removal_unfinished
    }
}

fn strings(body: &Value, field: &str) -> Vec<String> {
    body[field]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|item| item.as_str().or_else(|| item["hash"].as_str()))
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// A complete sync of `chunks` (every occurrence: a hash once per file holding it) into
/// `project`, reporting progress through `progress` (phase, done, total).
pub fn sync_project(
    transport: &mut dyn Transport,
    project: &str,
    chunks: &[Chunk],
    progress: &mut dyn FnMut(&str, usize, usize),
) -> Result<Summary, String> {
    let by_hash = by_hash(chunks);
    let mut summary = Summary {
        chunks: by_hash.len(),
        ..Summary::default()
    };
    let counts: Vec<(&str, usize)> = by_hash.iter().map(|(h, c)| (*h, c.len())).collect();
    let parts = partition(&counts, PART_LIMIT)?;
    summary.parts = parts.len();
    let mut needed: BTreeSet<String> = BTreeSet::new();
    let mut pending: Vec<&Part> = Vec::new();
    for part in &parts {
        let answer = transport.send(RequestKind::Sync, &digest_body(project, part, &by_hash))?;
        summary.phase1_requests += 1;
        if answer["unchanged"] == true {
            summary.unchanged_parts += 1;
            summary.cached += part.hashes(&by_hash).count();
        } else {
            pending.push(part);
        }
    }
    // The parts whose last listing changed the index.
    let mut changed: Vec<&Part> = Vec::new();
    for _ in 0..MAX_ROUNDS {
        let mut again = Vec::new();
        for (done, part) in pending.iter().enumerate() {
            progress("phase 1", done, pending.len());
            let body = listing_body(project, part, &by_hash);
            let answer = transport.send(RequestKind::Sync, &body)?;
            summary.phase1_requests += 1;
            let asked = strings(&answer, "needed");
            let removed = strings(&answer, "removed").len();
            changed.retain(|p| p != part);
            if !asked.is_empty() || removed > 0 {
                changed.push(part);
            }
            needed.extend(asked);
            summary.cached += strings(&answer, "cached").len();
            summary.removed += removed;
            if answer["moreToRemove"] == true || !strings(&answer, "deferred").is_empty() {
                again.push(*part);
            }
        }
        pending = again;
        if pending.is_empty() {
            break;
        }
    }
    summary.removal_unfinished = !pending.is_empty();
    summary.needed = needed.len();
    upload(transport, project, &by_hash, needed, &mut summary, progress)?;
    if summary.complete() {
        for part in changed {
            let answer =
                transport.send(RequestKind::Sync, &listing_body(project, part, &by_hash))?;
            summary.closing_requests += 1;
            let clean = ["needed", "removed", "deferred"]
                .iter()
                .all(|field| strings(&answer, field).is_empty())
                && answer["moreToRemove"] != true;
            if !clean {
                summary.closing_unclean += 1;
            }
        }
    }
    Ok(summary)
}

/// Phase 2 of `needed`, every file of a hash in one request, resending what comes back
/// deferred or failed. A chunk refused with `quota_exceeded` is not resent, and once one is,
/// nothing more is sent: a user's quota refuses the rest alike until it resets or vectors
/// are removed (the engine's message says which).
fn upload(
    transport: &mut dyn Transport,
    project: &str,
    by_hash: &ByHash<'_>,
    needed: BTreeSet<String>,
    summary: &mut Summary,
    progress: &mut dyn FnMut(&str, usize, usize),
) -> Result<(), String> {
    let total = needed.len();
    let mut to_send: Vec<String> = needed.into_iter().collect();
    let mut why: HashMap<String, String> = HashMap::new();
    // Refused for a quota, or left unsent once a quota stopped phase 2.
    let mut held: Vec<String> = Vec::new();
    for _ in 0..MAX_ROUNDS {
        if to_send.is_empty() || summary.quota_exceeded.is_some() {
            break;
        }
        let mut again = Vec::new();
        for batch in batches(&to_send, by_hash) {
            if summary.quota_exceeded.is_some() {
                held.extend(batch);
                continue;
            }
            progress("phase 2", summary.indexed, total);
            let body = phase2_body(project, &batch, by_hash);
            let answer = transport.send(RequestKind::Sync, &body)?;
            summary.phase2_requests += 1;
            summary.chunks_sent += occurrences(&batch, by_hash);
            summary.indexed += strings(&answer, "indexed").len() + strings(&answer, "cached").len();
            if answer["quota"].is_object() {
                summary.quota = Some(answer["quota"].clone());
            }
            for failed in answer["failed"].as_array().into_iter().flatten() {
                let hash = failed["hash"].as_str().unwrap_or_default().to_owned();
                let message = failed["error"]["message"].as_str().unwrap_or("failed");
                why.insert(hash.clone(), message.to_owned());
                if failed["error"]["code"] == ChunkError::QUOTA_EXCEEDED {
                    summary
                        .quota_exceeded
                        .get_or_insert_with(|| message.to_owned());
                    held.push(hash);
                } else {
                    again.push(hash);
                }
            }
            again.extend(strings(&answer, "deferred"));
        }
        to_send = again;
    }
    progress("phase 2", summary.indexed, total);
    let quota_message = summary.quota_exceeded.clone();
    for hash in to_send.into_iter().chain(held) {
        let reason = why
            .get(&hash)
            .or(quota_message.as_ref())
            .cloned()
            .unwrap_or_else(|| "deferred".to_owned());
        summary.not_indexed.insert(hash, reason);
    }
    Ok(())
}
