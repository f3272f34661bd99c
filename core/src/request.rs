//! Reading and checking a request body: everything is refused here, before any effect, so a
//! refused request writes nothing (invariant 7).

use std::collections::HashSet;

use serde::Deserialize;
use serde::de::DeserializeOwned;
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

/// Reads a `sync` body of either phase.
pub fn parse_sync(config: &Config, user: &str, body: &[u8]) -> Result<SyncRequest, RequestError> {
    let PhaseBody { phase } = parse(config, user, body)?;
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
    serde_json::from_slice(body).map_err(|e| {
        let kind = match e.classify() {
            serde_json::error::Category::Data => Kind::InvalidBody,
            _ => Kind::InvalidJson,
        };
        RequestError::new(kind, e.to_string())
    })
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
