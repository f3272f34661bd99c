//! Reading and checking a request body: everything is refused here, before any effect, so a
//! refused request writes nothing (invariant 7).

mod index;
mod remove;
mod sync;

use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::config::Config;
use crate::error::{RequestError, RequestErrorKind as Kind};

pub use index::parse_init;
pub use remove::parse_remove;
pub use sync::parse_sync;

/// The (user, project) a request acts for. The user always comes from the host.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tenant {
    /// Authenticated user id.
    pub user: String,
    /// Project id from the body.
    pub project: String,
}

/// One chunk to index: one hash with its code, and every file of the project that holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chunk {
    /// The client's id for the chunk inside its tenant.
    pub hash: String,
    /// Its code.
    pub code: String,
    /// The files holding it, sorted, each once.
    pub file_paths: Vec<String>,
    /// SHA-256 hex of `code`, computed here: the only key of the shared cache.
    pub content_hash: String,
    /// The digest of `file_paths`, as markers keep it.
    pub paths_digest: String,
}

/// `init` or `sync` phase 2: chunks to index for a tenant.
#[derive(Debug)]
pub struct IndexRequest {
    /// Who.
    pub tenant: Tenant,
    /// What, in request order of first appearance, hashes distinct.
    pub chunks: Vec<Chunk>,
}

/// Which of the tenant's chunks a complete listing covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// The whole project.
    Project,
    /// The chunks whose hash starts with one of these (one part of a listing sent in
    /// several requests); no prefix is a prefix of another.
    HashPrefixes(Vec<String>),
}

/// One hash of a phase-1 listing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listed {
    /// The chunk's hash.
    pub hash: String,
    /// The paths of the files the client names for it; `None` when it names none, and the
    /// paths are then not compared.
    pub files: Option<Vec<String>>,
}

impl Listed {
    /// The digest of its files, as markers keep it ([`crate::marker::paths_digest`]):
    /// computed only where a marker is compared, never on an unchanged sync's shortcut.
    pub fn paths_digest(&self) -> Option<String> {
        self.files.as_deref().map(crate::marker::paths_digest)
    }
}

/// `sync` phase 1: which of these hashes does the tenant still need to send?
#[derive(Debug)]
pub struct CheckRequest {
    /// Who.
    pub tenant: Tenant,
    /// The hashes, in request order of first appearance, distinct.
    pub listed: Vec<Listed>,
    /// `Some` for a complete listing: the tenant's chunks in scope that it does not name
    /// are removed.
    pub complete: Option<Scope>,
    /// A root-only phase 1: the digest of the listing, sent instead of it
    /// (`record_state.rs`); `listed` is then empty.
    pub digest: Option<String>,
}

/// `remove`: what leaves the index.
#[derive(Debug)]
pub enum RemoveTarget {
    /// These chunks, distinct.
    Hashes(Vec<String>),
    /// The whole project.
    All,
}

/// `remove`.
#[derive(Debug)]
pub struct RemoveRequest {
    /// Who.
    pub tenant: Tenant,
    /// What.
    pub target: RemoveTarget,
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
struct SearchBody {
    user_id: Option<String>,
    project_id: String,
    query: String,
    top_k: Option<u32>,
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

/// Indices of the distinct values of `keys`, in order of first appearance, and for each
/// value every index it appears at.
fn group<'a>(keys: impl Iterator<Item = &'a str>) -> Vec<Vec<usize>> {
    let mut at: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for (i, key) in keys.enumerate() {
        let g = *at.entry(key).or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        groups[g].push(i);
    }
    groups
}
