//! The bodies of a complete sync's requests, built in one place: for sending them, and for
//! `push --dry-run`'s account of what would be sent.

use std::collections::BTreeMap;

use index_sync_core::record_state::listing_digest;
use serde_json::{Value, json};

use super::super::chunker::Chunk;
use super::{PHASE2_BATCH, Part};

/// A project's chunks by hash: every occurrence (file) of each.
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

/// A root-only phase 1 of `part`: the digest of its listing alone, which the engine answers
/// `unchanged` from one key when the index already follows it.
pub fn digest_body(project: &str, part: &Part, by_hash: &ByHash<'_>) -> Value {
    let entries: Vec<(&str, Vec<&str>)> = part
        .hashes(by_hash)
        .map(|(hash, occurrences)| {
            (
                hash,
                occurrences.iter().map(|c| c.file_path.as_str()).collect(),
            )
        })
        .collect();
    let mut body = phase1(project, part);
    body["digest"] = json!(listing_digest(
        entries.iter().map(|(h, files)| (*h, files.as_slice()))
    ));
    body
}

/// A phase 1 listing `part` in full: every occurrence, hash and file.
pub fn listing_body(project: &str, part: &Part, by_hash: &ByHash<'_>) -> Value {
    let listed: Vec<Value> = part
        .hashes(by_hash)
        .flat_map(|(_, occurrences)| occurrences.iter())
        .map(|c| json!({"hash": c.hash, "filePath": c.file_path}))
        .collect();
    let mut body = phase1(project, part);
    body["chunks"] = json!(listed);
    body
}

/// A phase 2 of `batch`: every occurrence of each hash, with its code.
pub fn phase2_body(project: &str, batch: &[String], by_hash: &ByHash<'_>) -> Value {
    let chunks: Vec<Value> = batch
        .iter()
        .flat_map(|h| by_hash.get(h.as_str()).into_iter().flatten())
        .map(|c| json!({"hash": c.hash, "code": c.code, "filePath": c.file_path}))
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
