//! The command-line tool's code-aware chunker, compiled in from its sources
//! (`host-native/src/cli/chunker/`) and used as `index-sync index` uses it: a walk of the
//! folder within the embedding model's budget of word pieces.

use std::path::Path;

use index_sync_embed::tokenizer::Tokenizer;
use index_sync_retrieval::Chunk;
use index_sync_retrieval::scoring::Place;

#[path = "../../../../host-native/src/cli/chunker/mod.rs"]
#[allow(dead_code, unused_imports)]
mod chunker;

/// The chunks of `dir`, as `index-sync index` cuts them with the model's tokenizer.
pub fn walk(dir: &Path, tokenizer: &Tokenizer) -> Result<Vec<Chunk>, String> {
    let walk = chunker::walk(dir, &chunker::Budget::model(tokenizer))?;
    Ok(walk
        .chunks
        .into_iter()
        .map(|c| Chunk {
            code: c.code,
            place: Place {
                file: c.file_path,
                start_line: c.start_line,
                end_line: c.end_line,
            },
        })
        .collect())
}
