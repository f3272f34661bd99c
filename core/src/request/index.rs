//! `init` and `sync` phase 2 bodies: chunks with their code and file. The same hash may come
//! several times with the same code (identical code in several files): it is one chunk,
//! found under every file. The same hash with other code is refused.

use serde::Deserialize;
use serde::de::IgnoredAny;

use super::{Chunk, IndexRequest, check_count, check_id, check_size, group, parse, tenant};
use crate::config::Config;
use crate::error::{RequestError, RequestErrorKind as Kind};
use crate::marker::paths_digest;
use crate::names::sha256_hex;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct IndexBody {
    /// Read by the phase seek; declared so that a second `phase` is refused.
    #[serde(default, rename = "phase")]
    _phase: Option<IgnoredAny>,
    user_id: Option<String>,
    project_id: String,
    chunks: Vec<ChunkBody>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ChunkBody {
    hash: String,
    code: String,
    file_path: String,
}

/// Reads an `init` body.
pub fn parse_init(config: &Config, user: &str, body: &[u8]) -> Result<IndexRequest, RequestError> {
    let parsed: IndexBody = parse(config, user, body)?;
    index_request(config, user, parsed)
}

/// Checks an `init` or phase-2 body and merges the occurrences of each hash.
pub(super) fn index_request(
    config: &Config,
    user: &str,
    body: IndexBody,
) -> Result<IndexRequest, RequestError> {
    let tenant = tenant(config, user, body.user_id, body.project_id)?;
    check_count(config, body.chunks.len())?;
    for chunk in &body.chunks {
        check_id("hash", &chunk.hash, config)?;
        check_size("code", &chunk.code, config.max_code_bytes)?;
        check_size("filePath", &chunk.file_path, config.max_file_path_bytes)?;
    }
    let groups = group(body.chunks.iter().map(|c| c.hash.as_str()));
    let mut chunks = Vec::with_capacity(groups.len());
    for occurrences in groups {
        let first = &body.chunks[occurrences[0]];
        if let Some(other) = occurrences
            .iter()
            .map(|&i| &body.chunks[i])
            .find(|c| c.code != first.code)
        {
            return Err(RequestError::new(
                Kind::DuplicateHash,
                format!(
                    "hash {:?} comes with two different pieces of code ({} and {}); a hash \
                     names one piece of code",
                    first.hash, first.file_path, other.file_path
                ),
            ));
        }
        let mut file_paths: Vec<String> = occurrences
            .iter()
            .map(|&i| body.chunks[i].file_path.clone())
            .collect();
        file_paths.sort_unstable();
        file_paths.dedup();
        chunks.push(Chunk {
            hash: first.hash.clone(),
            content_hash: sha256_hex(&first.code),
            paths_digest: paths_digest(&file_paths),
            code: first.code.clone(),
            file_paths,
        });
    }
    Ok(IndexRequest { tenant, chunks })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn init(body: &str) -> Result<IndexRequest, &'static str> {
        parse_init(&Config::default(), "u", body.as_bytes()).map_err(|e| e.code())
    }

    #[test]
    fn the_same_code_in_several_files_is_one_chunk_with_every_path() {
        let r = init(
            r#"{"projectId": "p", "chunks": [
                {"hash": "a", "code": "x", "filePath": "src/z.rs"},
                {"hash": "b", "code": "y", "filePath": "src/b.rs"},
                {"hash": "a", "code": "x", "filePath": "lib/a.rs"},
                {"hash": "a", "code": "x", "filePath": "src/z.rs"}]}"#,
        )
        .unwrap();
        let hashes: Vec<&str> = r.chunks.iter().map(|c| c.hash.as_str()).collect();
        assert_eq!(hashes, ["a", "b"], "in order of first appearance");
        assert_eq!(r.chunks[0].file_paths, ["lib/a.rs", "src/z.rs"]);
        assert_eq!(
            r.chunks[0].paths_digest,
            paths_digest(&["src/z.rs", "lib/a.rs"])
        );
    }

    #[test]
    fn the_same_hash_with_other_code_is_refused() {
        let body = r#"{"projectId": "p", "chunks": [
            {"hash": "a", "code": "x", "filePath": "f"},
            {"hash": "a", "code": "y", "filePath": "g"}]}"#;
        assert_eq!(init(body).unwrap_err(), "duplicate_hash");
    }
}
