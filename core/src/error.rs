//! Errors with a stable machine-readable code and an HTTP status, made here once; hosts only
//! translate them (to a WIT `result`, to a JS `Error` with `.code`).

use std::fmt;

use serde_json::{Value, json};

/// Why a whole request was refused or could not be served. Nothing was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestError {
    kind: RequestErrorKind,
    message: String,
    retry_after: Option<u64>,
}

/// The kinds of [`RequestError`], one stable code each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequestErrorKind {
    /// The host passed no authenticated user.
    Unauthenticated,
    /// The body is not JSON.
    InvalidJson,
    /// The body is JSON of the wrong shape: a missing field, a wrong type.
    InvalidBody,
    /// `phase` is neither 1 nor 2.
    InvalidPhase,
    /// An id (user, project, hash) is empty or only white space.
    InvalidId,
    /// The same chunk hash twice in one request with different code.
    DuplicateHash,
    /// A complete listing's scope is wrong: `hashPrefixes` without `complete`, prefixes
    /// that overlap, or a hash outside them.
    InvalidScope,
    /// `topK` out of range, or an empty query.
    InvalidQuery,
    /// A chunk's `startLine` and `endLine` are not both whole numbers with `1 <= startLine
    /// <= endLine <= maxLineNumber`, or come without a `filePath`.
    InvalidLines,
    /// A search filter (`pathPrefix`, `include`, `exclude`, `lang`) of the wrong type or
    /// form, or beyond `maxFilterPatterns` or `maxFilterPatternBytes`.
    InvalidFilter,
    /// The body `userId` is not the authenticated user.
    UserMismatch,
    /// The body is larger than `maxBodyBytes`.
    BodyTooLarge,
    /// More chunks than `maxChunksPerRequest`.
    TooManyChunks,
    /// A field is longer than its limit (code, id, file path, query).
    FieldTooLarge,
    /// The AI could not embed the search query.
    AiUnavailable,
    /// Vectorize could not answer the search.
    VectorizeUnavailable,
    /// The text index could not answer a hybrid search.
    TextIndexUnavailable,
    /// The invocation's operation budget could not fit even one call.
    BudgetSpent,
    /// Another request of the same tenant holds its lease: resend after `retryAfterSeconds`.
    TenantBusy,
    /// The coordinator could not be reached: nothing was done; resend.
    CoordinatorUnavailable,
    /// The engine's configuration is invalid; no request can be served.
    InvalidConfig,
    /// An operation ended without a response (a defect, never expected).
    NoResponse,
}

impl RequestErrorKind {
    /// The stable code clients match on.
    pub fn code(self) -> &'static str {
        use RequestErrorKind::*;
        match self {
            Unauthenticated => "unauthenticated",
            InvalidJson => "invalid_json",
            InvalidBody => "invalid_body",
            InvalidPhase => "invalid_phase",
            InvalidId => "invalid_id",
            DuplicateHash => "duplicate_hash",
            InvalidScope => "invalid_scope",
            InvalidQuery => "invalid_query",
            InvalidLines => "invalid_lines",
            InvalidFilter => "invalid_filter",
            UserMismatch => "user_mismatch",
            BodyTooLarge => "body_too_large",
            TooManyChunks => "too_many_chunks",
            FieldTooLarge => "field_too_large",
            AiUnavailable => "ai_unavailable",
            VectorizeUnavailable => "vectorize_unavailable",
            TextIndexUnavailable => "text_index_unavailable",
            BudgetSpent => "budget_spent",
            TenantBusy => "tenant_busy",
            CoordinatorUnavailable => "coordinator_unavailable",
            InvalidConfig => "invalid_config",
            NoResponse => "no_response",
        }
    }

    /// The HTTP status a host answers with.
    pub fn status(self) -> u16 {
        use RequestErrorKind::*;
        match self {
            Unauthenticated => 401,
            UserMismatch => 403,
            BodyTooLarge | TooManyChunks | FieldTooLarge => 413,
            TenantBusy => 409,
            AiUnavailable
            | VectorizeUnavailable
            | TextIndexUnavailable
            | BudgetSpent
            | CoordinatorUnavailable => 503,
            InvalidConfig | NoResponse => 500,
            InvalidJson | InvalidBody | InvalidPhase | InvalidId | DuplicateHash | InvalidScope
            | InvalidQuery | InvalidLines | InvalidFilter => 400,
        }
    }
}

impl RequestError {
    /// An error of `kind` with a message for people.
    pub fn new(kind: RequestErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            retry_after: None,
        }
    }

    /// The error with the seconds after which the request may be resent (`Retry-After`).
    pub fn retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    /// The seconds after which the request may be resent, when the error says.
    pub fn retry_after_seconds(&self) -> Option<u64> {
        self.retry_after
    }

    /// Its kind.
    pub fn kind(&self) -> RequestErrorKind {
        self.kind
    }

    /// Its stable code.
    pub fn code(&self) -> &'static str {
        self.kind.code()
    }

    /// Its HTTP status.
    pub fn status(&self) -> u16 {
        self.kind.status()
    }

    /// Its message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The body every host sends: `{"error": {"code", "message"}}`, and
    /// `"retryAfterSeconds"` in `error` when a resend should wait (a host sends it as the
    /// `Retry-After` header too).
    pub fn to_body(&self) -> Value {
        match self.retry_after {
            Some(seconds) => json!({ "error": {
                "code": self.code(), "message": self.message, "retryAfterSeconds": seconds,
            } }),
            None => json!({ "error": { "code": self.code(), "message": self.message } }),
        }
    }
}

impl fmt::Display for RequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code(), self.message)
    }
}

impl std::error::Error for RequestError {}

/// Why one chunk was not indexed. Every one but `quota_exceeded` is retryable: the chunk
/// stays "needed" and resending it completes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChunkError {
    /// Stable code, one of the `ChunkError::*` constants.
    pub code: &'static str,
    /// What happened, with the host's own words.
    pub message: String,
}

impl ChunkError {
    /// Reading this tenant's marker or the shared cache failed.
    pub const KV_READ: &'static str = "kv_read_failed";
    /// Writing the tenant's marker failed (the vector may exist; it will be upserted again).
    pub const KV_WRITE: &'static str = "kv_write_failed";
    /// The summary or embedding call failed or answered something unusable.
    pub const AI: &'static str = "ai_failed";
    /// The vector upsert failed.
    pub const VECTORIZE: &'static str = "vectorize_upsert_failed";
    /// Deleting the tenant's marker failed: the chunk is still indexed, whole.
    pub const KV_DELETE: &'static str = "kv_delete_failed";
    /// Deleting the vector failed: its marker is gone, a journal still names it, and a
    /// later complete sync or `remove` deletes it.
    pub const VECTORIZE_DELETE: &'static str = "vectorize_delete_failed";
    /// Writing or deleting the chunk's words in the text index failed (with `hybrid`):
    /// indexing, its vector may exist without a marker (a journal names it); removing, its
    /// marker is gone and a journal still names it. A resend completes it.
    pub const TEXT_INDEX: &'static str = "text_index_failed";
    /// The tenant's lease was lost (it ran out and another request took it) or the
    /// coordinator could not be reached before this chunk's change: nothing of it changed.
    pub const TENANT_BUSY: &'static str = "tenant_busy";
    /// The coordinator could not count the chunk against the user's quotas: nothing of it
    /// was done. Retryable.
    pub const COORDINATOR: &'static str = "coordinator_unavailable";
    /// The user's quota (`aiChunksPerUserPerDay` or `vectorsPerUser`) would be passed:
    /// nothing of the chunk was done. Not retryable until the quota resets (UTC midnight)
    /// or vectors are freed (a removal): resending fails the same way.
    pub const QUOTA_EXCEEDED: &'static str = "quota_exceeded";

    pub(crate) fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

/// The configuration was refused; say why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError(String);

impl ConfigError {
    pub(crate) fn new(message: String) -> Self {
        Self(message)
    }

    /// As a request error (500 `invalid_config`), for hosts that answer requests anyway.
    pub fn to_request_error(&self) -> RequestError {
        RequestError::new(RequestErrorKind::InvalidConfig, self.0.clone())
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid config: {}", self.0)
    }
}

impl std::error::Error for ConfigError {}
