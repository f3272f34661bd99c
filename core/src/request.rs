//! Reading and checking a request body: everything is refused here, before any effect, so a
//! refused request writes nothing (invariant 7).

use std::collections::HashSet;

use serde::Deserialize;
use serde::de::{DeserializeOwned, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::Value;

use crate::config::Config;
use crate::error::{RequestError, RequestErrorKind as Kind};
use crate::names::sha256_hex;

/// The (user, project) a request acts for. The user always comes from the host.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tenant {
    /// Authenticated user id.
    pub user: String,
    /// Project id from the body.
    pub project: String,
}

/// One chunk to index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chunk {
    /// The client's id for the chunk inside its tenant.
    pub hash: String,
    /// Its code.
    pub code: String,
    /// Where it lives in the tenant's project.
    pub file_path: String,
    /// SHA-256 hex of `code`, computed here: the only key of the shared cache.
    pub content_hash: String,
}

/// `init` or `sync` phase 2: chunks to index for a tenant.
#[derive(Debug)]
pub struct IndexRequest {
    /// Who.
    pub tenant: Tenant,
    /// What, in request order, hashes distinct.
    pub chunks: Vec<Chunk>,
}

/// `sync` phase 1: which of these hashes does the tenant still need to send?
#[derive(Debug)]
pub struct CheckRequest {
    /// Who.
    pub tenant: Tenant,
    /// The hashes, in request order, distinct.
    pub hashes: Vec<String>,
}

/// `search`.
#[derive(Debug)]
pub struct SearchRequest {
    /// Who.
    pub tenant: Tenant,
    /// The query text.
    pub query: String,
    /// Matches wanted.
    pub top_k: u32,
}

/// A parsed `sync` body: its phase decides the shape.
#[derive(Debug)]
pub enum SyncRequest {
    /// Phase 1.
    Check(CheckRequest),
    /// Phase 2.
    Upload(IndexRequest),
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct IndexBody {
    /// Read by [`PhaseSeek`]; declared so that a second `phase` is refused.
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

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CheckBody {
    /// Read by [`PhaseSeek`]; declared so that a second `phase` is refused.
    #[serde(default, rename = "phase")]
    _phase: Option<IgnoredAny>,
    user_id: Option<String>,
    project_id: String,
    chunks: Vec<HashBody>,
}

#[derive(Deserialize)]
struct HashBody {
    hash: String,
}

#[derive(Deserialize)]
struct PhaseBody {
    phase: Value,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SearchBody {
    user_id: Option<String>,
    project_id: String,
    query: String,
    top_k: Option<u32>,
}

/// Reads an `init` body.
pub fn parse_init(config: &Config, user: &str, body: &[u8]) -> Result<IndexRequest, RequestError> {
    let parsed: IndexBody = parse(config, user, body)?;
    index_request(config, user, parsed)
}

/// Reads a `sync` body of either phase: the phase first, read without a pass over the rest
/// when it comes first (as clients send it), then the body in the phase's shape.
pub fn parse_sync(config: &Config, user: &str, body: &[u8]) -> Result<SyncRequest, RequestError> {
    check_envelope(config, user, body)?;
    let mut found = None;
    // serde_json reports the object's unread rest as an error once the seek stops early;
    // the full parse below judges the body.
    let _ = serde_json::Deserializer::from_slice(body).deserialize_map(PhaseSeek(&mut found));
    let phase = match found {
        Some(phase) if matches!(phase.as_u64(), Some(1 | 2)) => phase,
        // Anything else reads as it always did: the whole body answers first.
        _ => parse::<PhaseBody>(config, user, body)?.phase,
    };
    match phase.as_u64() {
        Some(1) => {
            let parsed: CheckBody = parse(config, user, body)?;
            let tenant = tenant(config, user, parsed.user_id, parsed.project_id)?;
            check_count(config, parsed.chunks.len())?;
            let hashes: Vec<String> = parsed.chunks.into_iter().map(|c| c.hash).collect();
            check_hashes(config, hashes.iter().map(String::as_str))?;
            Ok(SyncRequest::Check(CheckRequest { tenant, hashes }))
        }
        Some(2) => {
            let parsed: IndexBody = parse(config, user, body)?;
            Ok(SyncRequest::Upload(index_request(config, user, parsed)?))
        }
        _ => Err(RequestError::new(
            Kind::InvalidPhase,
            format!("phase must be 1 or 2, not {phase}"),
        )),
    }
}

/// Finds the value of `phase` in a JSON object, reading the entries before it only.
struct PhaseSeek<'a>(&'a mut Option<Value>);

impl<'de> Visitor<'de> for PhaseSeek<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if key == "phase" {
                *self.0 = Some(map.next_value()?);
                return Ok(());
            }
            map.next_value::<IgnoredAny>()?;
        }
        Ok(())
    }
}

/// Reads a `search` body.
pub fn parse_search(
    config: &Config,
    user: &str,
    body: &[u8],
) -> Result<SearchRequest, RequestError> {
    let parsed: SearchBody = parse(config, user, body)?;
    let tenant = tenant(config, user, parsed.user_id, parsed.project_id)?;
    if parsed.query.trim().is_empty() {
        return Err(RequestError::new(Kind::InvalidQuery, "query is empty"));
    }
    check_size("query", &parsed.query, config.max_query_bytes)?;
    let top_k = parsed.top_k.unwrap_or(config.default_top_k);
    if top_k == 0 || top_k > config.max_top_k {
        return Err(RequestError::new(
            Kind::InvalidQuery,
            format!(
                "topK must be between 1 and {}, not {top_k}",
                config.max_top_k
            ),
        ));
    }
    Ok(SearchRequest {
        tenant,
        query: parsed.query,
        top_k,
    })
}

/// Size, identity and JSON checks every body goes through, in that order.
fn parse<T: DeserializeOwned>(config: &Config, user: &str, body: &[u8]) -> Result<T, RequestError> {
    check_envelope(config, user, body)?;
    serde_json::from_slice(body).map_err(|e| {
        let kind = match e.classify() {
            serde_json::error::Category::Data => Kind::InvalidBody,
            _ => Kind::InvalidJson,
        };
        RequestError::new(kind, e.to_string())
    })
}

/// The checks before the JSON: an authenticated user, and a body within its size.
fn check_envelope(config: &Config, user: &str, body: &[u8]) -> Result<(), RequestError> {
    if user.trim().is_empty() {
        return Err(RequestError::new(
            Kind::Unauthenticated,
            "the host passed no authenticated user id",
        ));
    }
    if body.len() > config.max_body_bytes {
        return Err(RequestError::new(
            Kind::BodyTooLarge,
            format!(
                "body is {} bytes; at most {}",
                body.len(),
                config.max_body_bytes
            ),
        ));
    }
    Ok(())
}

fn index_request(
    config: &Config,
    user: &str,
    body: IndexBody,
) -> Result<IndexRequest, RequestError> {
    let tenant = tenant(config, user, body.user_id, body.project_id)?;
    check_count(config, body.chunks.len())?;
    check_hashes(config, body.chunks.iter().map(|c| c.hash.as_str()))?;
    let mut chunks = Vec::with_capacity(body.chunks.len());
    for ChunkBody {
        hash,
        code,
        file_path,
    } in body.chunks
    {
        check_size("code", &code, config.max_code_bytes)?;
        check_size("filePath", &file_path, config.max_file_path_bytes)?;
        let content_hash = sha256_hex(&code);
        chunks.push(Chunk {
            hash,
            code,
            file_path,
            content_hash,
        });
    }
    Ok(IndexRequest { tenant, chunks })
}

/// The tenant, with the body's `userId` (if any) matched against the host's user.
fn tenant(
    config: &Config,
    user: &str,
    body_user: Option<String>,
    project: String,
) -> Result<Tenant, RequestError> {
    if let Some(claimed) = body_user
        && claimed != user
    {
        return Err(RequestError::new(
            Kind::UserMismatch,
            "the body's userId is not the authenticated user",
        ));
    }
    check_id("userId", user, config)?;
    check_id("projectId", &project, config)?;
    Ok(Tenant {
        user: user.to_owned(),
        project,
    })
}

fn check_count(config: &Config, count: usize) -> Result<(), RequestError> {
    if count > config.max_chunks_per_request {
        return Err(RequestError::new(
            Kind::TooManyChunks,
            format!(
                "{count} chunks; at most {} per request",
                config.max_chunks_per_request
            ),
        ));
    }
    Ok(())
}

fn check_hashes<'a>(
    config: &Config,
    hashes: impl Iterator<Item = &'a str>,
) -> Result<(), RequestError> {
    let mut seen = HashSet::with_capacity(hashes.size_hint().0);
    for hash in hashes {
        check_id("hash", hash, config)?;
        if !seen.insert(hash) {
            return Err(RequestError::new(
                Kind::DuplicateHash,
                format!("hash {hash:?} appears twice; send each chunk once"),
            ));
        }
    }
    Ok(())
}

fn check_id(name: &str, id: &str, config: &Config) -> Result<(), RequestError> {
    if id.trim().is_empty() {
        return Err(RequestError::new(
            Kind::InvalidId,
            format!("{name} is empty or white space"),
        ));
    }
    check_size(name, id, config.max_id_bytes)
}

fn check_size(name: &str, value: &str, limit: usize) -> Result<(), RequestError> {
    if value.len() > limit {
        return Err(RequestError::new(
            Kind::FieldTooLarge,
            format!("{name} is {} bytes; at most {limit}", value.len()),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sync(body: &str) -> Result<SyncRequest, &'static str> {
        parse_sync(&Config::default(), "u", body.as_bytes()).map_err(|e| e.code())
    }

    #[test]
    fn the_phase_is_found_wherever_it_is_and_refused_twice() {
        let hashes = |r: Result<SyncRequest, &str>| match r {
            Ok(SyncRequest::Check(c)) => c.hashes,
            other => panic!("{other:?}"),
        };
        let first = r#"{"phase": 1, "projectId": "p", "chunks": [{"hash": "a"}]}"#;
        let last = r#"{"projectId": "p", "chunks": [{"hash": "a"}], "phase": 1}"#;
        assert_eq!(hashes(sync(first)), ["a"]);
        assert_eq!(hashes(sync(last)), ["a"]);
        let twice = r#"{"phase": 1, "projectId": "p", "chunks": [], "phase": 2}"#;
        assert_eq!(sync(twice).unwrap_err(), "invalid_body");
    }

    #[test]
    fn the_whole_body_answers_before_a_bad_phase() {
        assert_eq!(
            sync(r#"{"phase": 3, "chunks": [}"#).unwrap_err(),
            "invalid_json"
        );
        assert_eq!(sync(r#"{"phase": 3}"#).unwrap_err(), "invalid_phase");
        assert_eq!(sync(r#"{"chunks": []}"#).unwrap_err(), "invalid_body");
        assert_eq!(sync(r#"[1]"#).unwrap_err(), "invalid_body");
        assert_eq!(
            sync(r#"{"phase": 1, "projectId": "p", "chunks": []} x"#).unwrap_err(),
            "invalid_json"
        );
    }
}
