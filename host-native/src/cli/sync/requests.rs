//! The bodies of a complete sync's requests, built in one place: for sending them, and for
//! `push --dry-run`'s account of what would be sent.

use std::collections::BTreeMap;

use index_sync_core::location::{Lines, Location};
use index_sync_core::record_state::listing_digest;
use serde_json::{Value, json};

use super::super::chunker::Chunk;
use super::{PHASE2_BATCH, Part};

/// A project's chunks by hash: every occurrence (file and lines) of each.
pub type ByHash<'a> = BTreeMap<&'a str, Vec<&'a Chunk>>;

/// `chunks` grouped by hash.
pub fn by_hash(chunks: &[Chunk]) -> ByHash<'_> {
    chunks.iter().fold(BTreeMap::new(), |mut m, c| {
        m.entry(c.hash.as_str()).or_default().push(c);
        m
    })
}

fn phase1(project: &str, part: &Part) -> Value {
    let mut body = json!({"phase": 1, "complete": true, "projectId": project});
    if let Some(prefixes) = part.prefixes() {
        body["hashPrefixes"] = json!(prefixes);
    }
    body
}

/// Where an occurrence is, as the engine's digests take it.
fn location(chunk: &Chunk) -> Location {
    Location {
        file_path: chunk.file_path.clone(),
        lines: Some(Lines {
            start: chunk.start_line,
            end: chunk.end_line,
        }),
    }
}

/// A root-only phase 1 of `part`: the digest of its listing alone (every occurrence's file
/// and lines), which the engine answers `unchanged` from one key when the index already
/// follows it.
pub fn digest_body(project: &str, part: &Part, by_hash: &ByHash<'_>) -> Value {
    let entries: Vec<(&str, Vec<Location>)> = part
        .hashes(by_hash)
        .map(|(hash, occurrences)| (hash, occurrences.iter().map(|c| location(c)).collect()))
        .collect();
    let mut body = phase1(project, part);
    body["digest"] = json!(listing_digest(
        entries.iter().map(|(h, places)| (*h, places.as_slice()))
    ));
    body
}

/// One occurrence as the engine reads it in a listing (`{hash, filePath, startLine,
/// endLine}`), with its `code` in phase 2.
fn occurrence(chunk: &Chunk, with_code: bool) -> Value {
    let mut listed = json!({
        "hash": chunk.hash,
        "filePath": chunk.file_path,
        "startLine": chunk.start_line,
        "endLine": chunk.end_line,
    });
    if with_code {
        listed["code"] = json!(chunk.code);
    }
    listed
}

/// A phase 1 listing `part` in full: every occurrence, hash, file and lines.
pub fn listing_body(project: &str, part: &Part, by_hash: &ByHash<'_>) -> Value {
    let listed: Vec<Value> = part
        .hashes(by_hash)
        .flat_map(|(_, occurrences)| occurrences.iter())
        .map(|c| occurrence(c, false))
        .collect();
    let mut body = phase1(project, part);
    body["chunks"] = json!(listed);
    body
}

/// A phase 2 of `batch`: every occurrence of each hash, at its file and lines, with its
/// code.
pub fn phase2_body(project: &str, batch: &[String], by_hash: &ByHash<'_>) -> Value {
    let chunks: Vec<Value> = batch
        .iter()
        .flat_map(|h| by_hash.get(h.as_str()).into_iter().flatten())
        .map(|c| occurrence(c, true))
        .collect();
    json!({"phase": 2, "projectId": project, "chunks": chunks})
}

/// Occurrences `batch` holds.
pub fn occurrences(batch: &[String], by_hash: &ByHash<'_>) -> usize {
    batch
        .iter()
        .map(|h| by_hash.get(h.as_str()).map_or(0, Vec::len))
        .sum()
}

/// `hashes` in requests of at most [`PHASE2_BATCH`] occurrences, a hash never split (one
/// with more occurrences than that goes alone).
pub fn batches(hashes: &[String], by_hash: &ByHash<'_>) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = Vec::new();
    let mut size = 0;
    for hash in hashes {
        let n = by_hash.get(hash.as_str()).map_or(0, Vec::len);
        if out.is_empty() || size + n > PHASE2_BATCH {
            out.push(Vec::new());
            size = 0;
        }
        out.last_mut().expect("pushed").push(hash.clone());
        size += n;
    }
    out
}
