//! The records that effects and replies carry: keys, vectors, matches, text entries and
//! the coordinator's answers.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One key of a [`Reply::KvList`] page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ListedKey {
    /// The key.
    pub name: String,
    /// Its metadata, if it has any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
}

/// A vector as Vectorize stores it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Vector {
    /// Id, at most `maxVectorIdBytes`.
    pub id: String,
    /// The embedding.
    pub values: Vec<f32>,
    /// `{userId, projectId, hash, filePath, filePaths, summary, contentHash}`.
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

/// The coordinator's answer to a charge: what it granted, and the user's totals after it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Charged {
    /// AI units granted: at most those asked for, and what the day's limit leaves.
    pub ai: u32,
    /// Vectors granted likewise.
    pub vectors: u32,
    /// The user's AI units used on the day, all projects, this grant included.
    pub ai_used: u32,
    /// The vectors the user holds, all projects, this grant included.
    pub vectors_held: u32,
}

/// One project's counters, as the coordinator's `usage` answers them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProjectUsage {
    /// The project.
    pub project: String,
    /// AI units it used on the day asked about.
    pub ai_today: u32,
    /// Vectors it holds.
    pub vectors: u32,
}

/// The coordinator's answer to a lease request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Lease {
    /// The lease is the caller's, under this token.
    Granted(u64),
    /// Another request holds it until this time (Unix seconds).
    Busy(u64),
}

/// One chunk's entry in the tenant's word index (the text-index capability): kept under its
/// vector's id, with the vector's metadata, so that a word match can be answered and removed
/// as its vector is.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TextEntry {
    /// The vector's id.
    pub id: String,
    /// The tenant's user.
    pub user: String,
    /// The tenant's project.
    pub project: String,
    /// The chunk's words (`text.rs`), space-separated.
    pub words: String,
    /// The vector's metadata.
    pub metadata: Value,
}
