//! `init` and `sync` phase 2 bodies: chunks with their code and file, and the lines they
//! span there when the client says (`startLine`, `endLine`). The same hash may come several
//! times with the same code (identical code in several files, or twice in one file): it is
//! one chunk, found at every place. The same hash with other code is refused.

use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::value::RawValue;

use super::{Chunk, IndexRequest, check_count, check_id, check_size, group, lines, parse, tenant};
use crate::config::Config;
use crate::error::{RequestError, RequestErrorKind as Kind};
use crate::location::{Location, distinct};
use crate::marker::locations_digest;
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
    /// Read as any JSON, kept as its text, so that a wrong type is `invalid_lines`.
    #[serde(default)]
    start_line: Option<Box<RawValue>>,
    #[serde(default)]
    end_line: Option<Box<RawValue>>,
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
    mut body: IndexBody,
) -> Result<IndexRequest, RequestError> {
    let tenant = tenant(config, user, body.user_id, body.project_id)?;
    check_count(config, body.chunks.len())?;
    let mut places = Vec::with_capacity(body.chunks.len());
    for chunk in &body.chunks {
        check_id("hash", &chunk.hash, config)?;
        check_size("code", &chunk.code, config.max_code_bytes)?;
        check_size("filePath", &chunk.file_path, config.max_file_path_bytes)?;
        places.push(lines(
            config,
            Some(&chunk.file_path),
            chunk.start_line.as_deref(),
            chunk.end_line.as_deref(),
        )?);
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
        let (hash, code) = (first.hash.clone(), first.code.clone());
        let named: Vec<Location> = occurrences
            .iter()
            .map(|&i| Location {
                file_path: std::mem::take(&mut body.chunks[i].file_path),
                lines: places[i],
            })
            .collect();
        // Sorted as digests sort them (one sort in the WebAssembly, not one per type).
        let locations: Vec<Location> = distinct(&named)
            .into_iter()
            .map(|(path, lines)| Location {
                file_path: path.to_owned(),
                lines,
            })
            .collect();
        chunks.push(Chunk {
            hash,
            content_hash: sha256_hex(&code),
            locations_digest: locations_digest(&locations),
            code,
            locations,
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
        let spelled: Vec<String> = r.chunks[0]
            .locations
            .iter()
            .map(Location::to_metadata)
            .collect();
        assert_eq!(spelled, ["lib/a.rs", "src/z.rs"], "each file once, sorted");
        assert_eq!(
            r.chunks[0].locations_digest,
            crate::marker::paths_digest(&["src/z.rs", "lib/a.rs"]),
            "without lines, the digest of the paths"
        );
    }

    #[test]
    fn lines_make_each_place_of_a_chunk_even_two_in_one_file() {
        let r = init(
            r#"{"projectId": "p", "chunks": [
                {"hash": "a", "code": "x", "filePath": "f", "startLine": 30, "endLine": 31},
                {"hash": "a", "code": "x", "filePath": "f", "startLine": 3, "endLine": 4},
                {"hash": "a", "code": "x", "filePath": "e", "startLine": 3, "endLine": 4},
                {"hash": "a", "code": "x", "filePath": "f", "startLine": 3, "endLine": 4}]}"#,
        )
        .unwrap();
        let chunk = &r.chunks[0];
        let spelled: Vec<String> = chunk.locations.iter().map(Location::to_metadata).collect();
        assert_eq!(spelled, ["e:3-4", "f:3-4", "f:30-31"]);
        assert_eq!(chunk.locations_digest, locations_digest(&chunk.locations));
    }

    #[test]
    fn lines_out_of_form_are_refused_with_their_own_code() {
        let max = Config::default().max_line_number;
        for lines in [
            r#""startLine": 3"#.to_owned(),
            r#""endLine": 3"#.to_owned(),
            r#""startLine": 0, "endLine": 3"#.to_owned(),
            r#""startLine": 4, "endLine": 3"#.to_owned(),
            r#""startLine": 1.5, "endLine": 3"#.to_owned(),
            r#""startLine": "1", "endLine": 3"#.to_owned(),
            r#""startLine": -1, "endLine": 3"#.to_owned(),
            format!(r#""startLine": 1, "endLine": {}"#, u64::from(max) + 1),
        ] {
            let body = format!(
                r#"{{"projectId": "p", "chunks": [{{"hash": "a", "code": "x", "filePath": "f", {lines}}}]}}"#
            );
            assert_eq!(init(&body).unwrap_err(), "invalid_lines", "{lines}");
        }
        let body = format!(
            r#"{{"projectId": "p", "chunks": [{{"hash": "a", "code": "x", "filePath": "f", "startLine": {max}, "endLine": {max}}}]}}"#
        );
        assert!(init(&body).is_ok(), "up to maxLineNumber");
    }

    #[test]
    fn the_same_hash_with_other_code_is_refused() {
        let body = r#"{"projectId": "p", "chunks": [
            {"hash": "a", "code": "x", "filePath": "f"},
            {"hash": "a", "code": "y", "filePath": "g"}]}"#;
        assert_eq!(init(body).unwrap_err(), "duplicate_hash");
    }
}
