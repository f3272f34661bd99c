//! The chunks the workloads send: synthetic ones (the same formula as `tests/engine.rs` and
//! the Node side, `host-js/bench/data.ts`, so both sides send the very same bytes) and a
//! real source tree cut by the command-line tool's chunker.

use std::path::Path;

use index_sync_core::names::sha256_hex;
use serde_json::{Value, json};

#[path = "../../src/cli/chunker/mod.rs"]
#[allow(dead_code, unused_imports)]
mod chunker;

/// One chunk as a client sends it.
#[derive(Clone, Debug)]
pub struct Chunk {
    pub hash: String,
    pub code: String,
    pub file_path: String,
}

impl Chunk {
    /// The chunk as JSON, for a phase-2 or init body.
    pub fn to_json(&self) -> Value {
        json!({"hash": self.hash, "code": self.code, "filePath": self.file_path})
    }
}

/// `n` distinct chunks; `salt` keeps sets apart (the Node side uses the same formula).
pub fn synthetic(n: usize, salt: &str) -> Vec<Chunk> {
    (0..n).map(|i| synthetic_one(i, salt)).collect()
}

/// Chunk `i` of the set `salt`.
pub fn synthetic_one(i: usize, salt: &str) -> Chunk {
    let code = format!("fn item_{salt}_{i}() -> u32 {{ {i} }}");
    Chunk {
        hash: sha256_hex(&code),
        code,
        file_path: format!("src/{i}.rs"),
    }
}

/// The chunks of a folder, as `index-sync index` cuts them.
pub fn tree(dir: &Path) -> Result<Vec<Chunk>, String> {
    let vocabulary = chunker::model_vocabulary()?;
    let walk = chunker::walk(dir, &chunker::Budget::model(&vocabulary))?;
    Ok(walk
        .chunks
        .into_iter()
        .map(|c| Chunk {
            hash: c.hash,
            code: c.code,
            file_path: c.file_path,
        })
        .collect())
}

/// Chunks as the JSON array the Node side reads back (W4).
pub fn to_json(chunks: &[Chunk]) -> Value {
    Value::Array(chunks.iter().map(Chunk::to_json).collect())
}

/// W5's project after `day` syncs: 2% of the chunks (20 of 1,000) replaced each sync, a
/// different 20 each time, cycling.
pub fn mixed_day_version(base: &[Chunk], sync: usize) -> Vec<Chunk> {
    let per_sync = base.len() / 50;
    let mut chunks = base.to_vec();
    for s in 1..=sync {
        let start = ((s - 1) * per_sync) % base.len();
        let salt = format!("w5v{s}");
        for (i, chunk) in chunks.iter_mut().enumerate().skip(start).take(per_sync) {
            *chunk = synthetic_one(i, &salt);
        }
    }
    chunks
}
