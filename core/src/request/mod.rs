//! Reading and checking a request body: everything is refused here, before any effect, so a
//! refused request writes nothing (invariant 7).

mod index;
mod remove;
mod search;
mod sync;
mod usage;

use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

use crate::config::Config;
use crate::error::{RequestError, RequestErrorKind as Kind};
use crate::location::{Lines, Location};
use crate::search::Filter;

pub use index::parse_init;
pub use remove::parse_remove;
pub use search::parse_search;
pub use sync::parse_sync;
pub use usage::{parse_status, parse_usage};

/// The (user, project) a request acts for. The user always comes from the host.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tenant {
    /// Authenticated user id.
    pub user: String,
    /// Project id from the body.
    pub project: String,
}

/// One chunk to index: one hash with its code, and every place of the project that holds
/// it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chunk {
    /// The client's id for the chunk inside its tenant.
    pub hash: String,
    /// Its code.
    pub code: String,
    /// Its places (file, and lines when given), sorted, each once.
    pub locations: Vec<Location>,
    /// SHA-256 hex of `code`, computed here: the only key of the shared cache.
    pub content_hash: String,
    /// The digest of `locations`, as markers keep it.
    pub locations_digest: String,
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
    /// The places the client names for it (files, with lines when given); `None` when an
    /// occurrence names no file, and the places are then not compared.
    pub locations: Option<Vec<Location>>,
}

impl Listed {
    /// The digest of its places, as markers keep it ([`crate::marker::locations_digest`]):
    /// computed only where a marker is compared, never on an unchanged sync's shortcut.
    pub fn locations_digest(&self) -> Option<String> {
        self.locations
            .as_deref()
            .map(crate::marker::locations_digest)
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
    /// Which places a result may be found at; `None`: anywhere.
    pub filter: Option<Filter>,
}

/// `usage`: the caller's counters against the quotas.
#[derive(Debug)]
pub struct UsageRequest {
    /// Who: the authenticated user; only their own figures are answered.
    pub user: String,
    /// The one project to list; `None`: every project of the user.
    pub project: Option<String>,
}

/// `status`: what the index of one project holds, as its last complete sync found it.
#[derive(Debug)]
pub struct StatusRequest {
    /// Who, and which project.
    pub tenant: Tenant,
}

/// A parsed `sync` body: its phase decides the shape.
#[derive(Debug)]
pub enum SyncRequest {
    /// Phase 1.
    Check(CheckRequest),
    /// Phase 2.
    Upload(IndexRequest),
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

/// The lines of one occurrence of a chunk at `path` (`None`: it names no file): both or
/// neither, whole numbers with `1 <= startLine <= endLine <= maxLineNumber`, and only
/// beside a file.
fn lines(
    config: &Config,
    path: Option<&str>,
    start: Option<&RawValue>,
    end: Option<&RawValue>,
) -> Result<Option<Lines>, RequestError> {
    let refuse = |why: String| Err(RequestError::new(Kind::InvalidLines, why));
    let (start, end) = match (start, end) {
        (None, None) => return Ok(None),
        (Some(start), Some(end)) => (start, end),
        _ => return refuse("startLine and endLine come together, or not at all".into()),
    };
    let Some(path) = path else {
        return refuse("lines are given beside a filePath".into());
    };
    let max = config.max_line_number;
    // Read from the JSON text (smaller in the WebAssembly than a parsed value): a whole
    // number is its digits alone.
    let number = |v: &RawValue| {
        let text = v.get();
        let digits = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
        let n: u64 = if digits {
            text.parse().ok()?
        } else {
            return None;
        };
        (1..=u64::from(max)).contains(&n).then_some(n)
    };
    match (number(start), number(end)) {
        (Some(s), Some(e)) if s <= e => Ok(Some(Lines {
            start: s as u32,
            end: e as u32,
        })),
        _ => refuse(format!(
            "{path}: lines {}-{}; startLine and endLine are whole numbers with 1 <= \
             startLine <= endLine <= {max}",
            crate::ai::truncate(start.get(), 32),
            crate::ai::truncate(end.get(), 32)
        )),
    }
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
