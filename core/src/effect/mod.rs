//! What the engine asks a host to do, and what the host hands back: the WIT imports as data.
//!
//! The serde forms (camelCase, tagged by `kind`) are the wire format of hosts that cross a
//! boundary as JSON, such as the TypeScript driver; see `wire/`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

mod records;

pub use records::{Charged, Lease, ListedKey, Match, ProjectUsage, TextEntry, Vector};

/// One host call.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum Effect {
    /// KV bulk read of at most `kvBulkGetSize` keys; one operation however many keys.
    KvGet {
        /// Keys to read.
        keys: Vec<String>,
    },
    /// KV write, with `expirationTtl` when `ttl_seconds` is set and the key's `metadata`
    /// (at most `maxKvMetadataBytes` of JSON, returned by `KvList` without a read).
    KvPut {
        /// Key to write.
        key: String,
        /// Text value.
        value: String,
        /// Lifetime in seconds; absent: the entry does not expire.
        #[serde(skip_serializing_if = "Option::is_none", default)]
        ttl_seconds: Option<u64>,
        /// The key's metadata; absent: none.
        #[serde(skip_serializing_if = "Option::is_none", default)]
        metadata: Option<Value>,
    },
    /// KV delete of one key (the Worker binding has no bulk delete); deleting a missing key
    /// succeeds.
    KvDelete {
        /// Key to delete.
        key: String,
    },
    /// One page of the keys under `prefix`, at most `limit` (`kvListPageSize`), in key
    /// order, each with its metadata; `cursor` continues an earlier page.
    KvList {
        /// Only keys that start with this.
        prefix: String,
        /// Where the previous page ended; absent: from the first key.
        #[serde(skip_serializing_if = "Option::is_none", default)]
        cursor: Option<String>,
        /// Most keys in the page.
        limit: usize,
    },
    /// `env.AI.run(model, input)`.
    AiRun {
        /// Model id.
        model: String,
        /// Model input, as JSON.
        input: Value,
    },
    /// `env.VECTORIZE.upsert(vectors)`, at most `upsertBatchSize` vectors.
    VectorizeUpsert {
        /// The vectors, replacing any of the same id.
        vectors: Vec<Vector>,
    },
    /// `env.VECTORIZE.query(vector, {topK, filter, returnMetadata: "all"})`.
    VectorizeQuery {
        /// Query vector.
        vector: Vec<f32>,
        /// Matches wanted.
        top_k: u32,
        /// Metadata filter: every key must equal its value.
        filter: Value,
    },
    /// `env.VECTORIZE.deleteByIds(ids)`, at most `deleteBatchSize` ids; a missing id is no
    /// error.
    VectorizeDeleteByIds {
        /// The ids to delete.
        ids: Vec<String>,
    },
    /// The text index: store these entries, replacing any of the same id; one per vector
    /// of an upsert batch, so at most `upsertBatchSize`.
    TextIndexPut {
        /// The entries.
        entries: Vec<TextEntry>,
    },
    /// The text index: the tenant's entries holding any of `terms`, best first (BM25 where
    /// the host has it), at most `top_k`, with their metadata.
    TextIndexQuery {
        /// The tenant's user.
        user: String,
        /// The tenant's project.
        project: String,
        /// The query's words (`text.rs`), each a whole term.
        terms: Vec<String>,
        /// Matches wanted.
        top_k: u32,
    },
    /// The text index: delete the entries of these ids, at most `deleteBatchSize`; a
    /// missing id is no error.
    TextIndexDelete {
        /// The vector ids whose entries go.
        ids: Vec<String>,
    },
    /// The coordinator: take the tenant's lease for `seconds`, or with `token` extend the
    /// one this request holds ([`Reply::CoordinatorAcquire`]).
    CoordinatorAcquire {
        /// The tenant's user.
        user: String,
        /// The tenant's project.
        project: String,
        /// How long the lease lasts unless released.
        seconds: u64,
        /// The lease this request holds, to extend; absent: take it.
        #[serde(skip_serializing_if = "Option::is_none", default)]
        token: Option<u64>,
    },
    /// The coordinator: give the tenant's lease back.
    CoordinatorRelease {
        /// The tenant's user.
        user: String,
        /// The tenant's project.
        project: String,
        /// The lease's token.
        token: u64,
    },
    /// The coordinator: the tenant's record state.
    CoordinatorReadState {
        /// The tenant's user.
        user: String,
        /// The tenant's project.
        project: String,
    },
    /// The coordinator: replace (or, with `None`, remove) the tenant's record state, when
    /// `token` holds the lease.
    CoordinatorWriteState {
        /// The tenant's user.
        user: String,
        /// The tenant's project.
        project: String,
        /// The lease's token.
        token: u64,
        /// The new state; absent: none.
        #[serde(skip_serializing_if = "Option::is_none", default)]
        state: Option<String>,
    },
    /// The coordinator: count `ai` pieces of code for the AI and `vectors` new vectors
    /// against the user's quotas, in one atomic step; grants at most what the limits leave
    /// ([`Reply::CoordinatorCharge`], `quota.rs`).
    CoordinatorCharge {
        /// The user whose quotas they count against.
        user: String,
        /// The project they are counted for.
        project: String,
        /// The UTC day (Unix seconds / 86,400) the AI work counts in.
        day: u32,
        /// AI units asked for.
        ai: u32,
        /// The user's AI units a day; absent: no limit.
        #[serde(skip_serializing_if = "Option::is_none", default)]
        ai_limit: Option<u32>,
        /// New vectors asked for.
        vectors: u32,
        /// The vectors a user may hold; absent: no limit.
        #[serde(skip_serializing_if = "Option::is_none", default)]
        vectors_limit: Option<u32>,
    },
    /// The coordinator: give back AI units granted but not used (on `day`) and vectors
    /// the user no longer holds.
    CoordinatorCredit {
        /// The user.
        user: String,
        /// The project they were counted for.
        project: String,
        /// The UTC day the AI units were charged on.
        day: u32,
        /// AI units given back.
        ai: u32,
        /// Vectors given back.
        vectors: u32,
    },
    /// The coordinator: the user's counters, per project, on `day`.
    CoordinatorUsage {
        /// The user.
        user: String,
        /// The UTC day whose AI work is asked for.
        day: u32,
    },
}

impl Effect {
    /// The call's name as conformance scenarios count it (`kv.get`, `ai.run`, ...).
    pub fn call_name(&self) -> &'static str {
        match self {
            Effect::KvGet { .. } => "kv.get",
            Effect::KvPut { .. } => "kv.put",
            Effect::KvDelete { .. } => "kv.delete",
            Effect::KvList { .. } => "kv.list",
            Effect::AiRun { .. } => "ai.run",
            Effect::VectorizeUpsert { .. } => "vectorize.upsert",
            Effect::VectorizeQuery { .. } => "vectorize.query",
            Effect::VectorizeDeleteByIds { .. } => "vectorize.deleteByIds",
            Effect::TextIndexPut { .. } => "textIndex.put",
            Effect::TextIndexQuery { .. } => "textIndex.query",
            Effect::TextIndexDelete { .. } => "textIndex.delete",
            Effect::CoordinatorAcquire { .. } => "coordinator.acquire",
            Effect::CoordinatorRelease { .. } => "coordinator.release",
            Effect::CoordinatorReadState { .. } => "coordinator.readState",
            Effect::CoordinatorWriteState { .. } => "coordinator.writeState",
            Effect::CoordinatorCharge { .. } => "coordinator.charge",
            Effect::CoordinatorCredit { .. } => "coordinator.credit",
            Effect::CoordinatorUsage { .. } => "coordinator.usage",
        }
    }

    /// Whether the call is a KV operation (KV limits them per invocation apart from all
    /// calls).
    pub fn is_kv(&self) -> bool {
        matches!(
            self,
            Effect::KvGet { .. }
                | Effect::KvPut { .. }
                | Effect::KvDelete { .. }
                | Effect::KvList { .. }
        )
    }
}

/// A successful answer to one [`Effect`], of the same kind.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum Reply {
    /// Values of a `KvGet`, one per key, in key order (`None`: absent).
    KvGet {
        /// The values.
        values: Vec<Option<String>>,
    },
    /// A `KvPut` was written.
    KvPut,
    /// A `KvDelete` was carried out.
    KvDelete,
    /// One page of a `KvList`.
    KvList {
        /// The keys, in key order.
        keys: Vec<ListedKey>,
        /// Where the next page starts; absent: this was the last page.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cursor: Option<String>,
    },
    /// The model's output of an `AiRun`, as JSON.
    AiRun {
        /// The output.
        output: Value,
    },
    /// The output of an `AiRun` of the embedding model, read by the host straight into
    /// floats (one row per text) instead of handed over as JSON: what a host that crosses a
    /// boundary does to spare printing and parsing every number (`wire/`).
    AiEmbeddings {
        /// The embeddings, in the order of the texts.
        rows: Vec<Vec<f32>>,
    },
    /// A `VectorizeUpsert` was accepted.
    VectorizeUpsert,
    /// The matches of a `VectorizeQuery`, best first.
    VectorizeQuery {
        /// The matches.
        matches: Vec<Match>,
    },
    /// A `VectorizeDeleteByIds` was accepted.
    VectorizeDeleteByIds,
    /// A `TextIndexPut` was accepted.
    TextIndexPut,
    /// The matches of a `TextIndexQuery`, best first.
    TextIndexQuery {
        /// The matches (score: the host's, higher is better).
        matches: Vec<Match>,
    },
    /// A `TextIndexDelete` was carried out.
    TextIndexDelete,
    /// What a `CoordinatorAcquire` got.
    CoordinatorAcquire {
        /// Granted, or busy.
        lease: Lease,
    },
    /// A `CoordinatorRelease` was carried out.
    CoordinatorRelease,
    /// The state a `CoordinatorReadState` found.
    CoordinatorReadState {
        /// The state; absent: none.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        state: Option<String>,
    },
    /// Whether a `CoordinatorWriteState` wrote (false: its token no longer holds the lease).
    CoordinatorWriteState {
        /// Written.
        written: bool,
    },
    /// What a `CoordinatorCharge` granted.
    CoordinatorCharge {
        /// Granted, and the user's totals after.
        charged: Charged,
    },
    /// A `CoordinatorCredit` was carried out.
    CoordinatorCredit,
    /// The counters a `CoordinatorUsage` found.
    CoordinatorUsage {
        /// One entry per project of the user.
        projects: Vec<ProjectUsage>,
    },
}

/// A host call that failed: an error, a throttle or a time-out. Nothing is assumed written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostError {
    /// Short code from the host (`timeout`, `throttled`, `error`, ...).
    pub code: String,
    /// The host's message.
    pub message: String,
}

impl HostError {
    /// A host error with a code and a message.
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
        }
    }
}

/// The result of one effect.
pub type Outcome = Result<Reply, HostError>;

/// Why a reply of the wrong kind for its effect counts as a failed call.
pub(crate) const WRONG_REPLY: &str = "protocol: the host answered with a reply of another kind";

/// An HTTP-shaped answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Response {
    /// HTTP status.
    pub status: u16,
    /// JSON body.
    pub body: Value,
}

/// What an operation wants next.
#[derive(Debug, PartialEq)]
#[must_use]
pub enum Step {
    /// Perform these independent effects (concurrently if you can), then hand back one
    /// outcome per effect, in the same order, with `Operation::handle`.
    Io(Vec<Effect>),
    /// The response is final: send it. Polling may still yield `Io` for work that can
    /// outlive the response (marker refreshes: hand it to `waitUntil`), then `Done`.
    Respond(Response),
    /// Nothing left to do.
    Done,
}
