//! `push --dry-run`: what a push would send, worked out from the folder alone. Nothing is
//! sent: even phase 1 is not, since a complete phase 1 removes from the index what the
//! listing lacks.

use std::path::Path;

use serde_json::Value;

use crate::cli::chunker::Walk;
use crate::cli::sync::{
    PART_LIMIT, batches, by_hash, digest_body, listing_body, occurrences, partition, phase2_body,
};

fn size(body: &Value) -> usize {
    body.to_string().len()
}

/// Prints the requests a push of `walk` into `project` at `route` would make.
pub fn print(dir: &Path, walk: &Walk, project: &str, route: &str) -> Result<(), String> {
    let by_hash = by_hash(&walk.chunks);
    let counts: Vec<(&str, usize)> = by_hash.iter().map(|(h, c)| (*h, c.len())).collect();
    let parts = partition(&counts, PART_LIMIT)?;
    println!(
        "{}: {} files read, {} skipped, {} chunks ({} with the files they are in); nothing is sent (--dry-run)",
        dir.display(),
        walk.files,
        walk.skipped,
        by_hash.len(),
        walk.chunks.len()
    );
    println!(
        "phase 1, POST {route}, a complete listing in {} parts:",
        parts.len()
    );
    for (n, part) in parts.iter().enumerate() {
        let covered = part.hashes(&by_hash).count();
        println!(
            "  part {}: its digest ({} bytes); unless the index already follows it, its listing of {} chunks ({} bytes){}",
            n + 1,
            size(&digest_body(project, part, &by_hash)),
            covered,
            size(&listing_body(project, part, &by_hash)),
            part.prefixes()
                .map(|p| format!(", hash prefixes {}", p.join(" ")))
                .unwrap_or_default()
        );
    }
    let all: Vec<String> = by_hash.keys().map(|h| (*h).to_owned()).collect();
    let batches = batches(&all, &by_hash);
    let bytes: usize = batches
        .iter()
        .map(|b| size(&phase2_body(project, b, &by_hash)))
        .sum();
    let largest = batches.iter().map(|b| occurrences(b, &by_hash)).max();
    println!(
        "phase 2, POST {route}: only the chunks phase 1 names as needed; at most {} chunks in {} requests ({} bytes, at most {} chunks each), when none is indexed yet",
        by_hash.len(),
        batches.len(),
        bytes,
        largest.unwrap_or(0)
    );
    Ok(())
}
