//! What the engine asks a host to do, and what the host hands back: the WIT imports as data.
//!
//! The serde forms (camelCase, tagged by `kind`) are the wire format of hosts that cross a
//! boundary as JSON, such as the TypeScript driver; see `wire/`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

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
    /// KV write, with `expirationTtl` when `ttl_seconds` is set.
    KvPut {
        /// Key to write.
        key: String,
        /// Text value.
        value: String,
        /// Lifetime in seconds; absent: the entry does not expire.
        #[serde(skip_serializing_if = "Option::is_none", default)]
        ttl_seconds: Option<u64>,
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
}

impl Effect {
    /// The call's name as conformance scenarios count it (`kv.get`, `ai.run`, ...).
    pub fn call_name(&self) -> &'static str {
        match self {
            Effect::KvGet { .. } => "kv.get",
            Effect::KvPut { .. } => "kv.put",
            Effect::AiRun { .. } => "ai.run",
            Effect::VectorizeUpsert { .. } => "vectorize.upsert",
            Effect::VectorizeQuery { .. } => "vectorize.query",
        }
    }
}

/// A vector as Vectorize stores it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Vector {
    /// Id, at most `maxVectorIdBytes`.
    pub id: String,
    /// The embedding.
    pub values: Vec<f32>,
    /// `{userId, projectId, hash, filePath, summary, contentHash}`.
    pub metadata: Value,
}

/// One match of a Vectorize query.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Match {
    /// Vector id.
    pub id: String,
    /// Similarity, higher is better.
    pub score: f64,
    /// The vector's metadata, when returned.
    #[serde(default)]
    pub metadata: Option<Value>,
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
