//! The engine's configuration: every platform number lives here, once, with its source.
//!
//! The JSON form (camelCase, every field optional) is what the hosts and the conformance
//! scenarios' `config` object read. Numbers taken from Cloudflare's documentation name the
//! page they come from; the others are this project's own choices and say why.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::ConfigError;

mod quotas;
mod validate;

pub(crate) use quotas::QUOTA_CALLS;
pub use quotas::Quotas;

/// Everything the engine can be told. `Config::default()` is a working Cloudflare setup.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct Config {
    /// Lifetime of a per-tenant chunk marker. A chunk unseen for this long is "needed"
    /// again. Thirty days: long enough that an active project never re-sends its code.
    ///
    /// The engine judges it from the marker's own `writtenAt`: the KV entry itself does not
    /// expire, because a marker is also the record through which a complete sync or a
    /// `remove` finds the chunk's vector (a vector must never outlive every record of it).
    pub marker_ttl_seconds: u64,
    /// Age after which a marker seen as cached is rewritten to extend its lifetime. Absent:
    /// half the TTL, so a marker read at least once per half-TTL never expires and a hot
    /// marker costs one write per half-TTL, not one per read.
    pub marker_refresh_after_seconds: Option<u64>,
    /// Lifetime of a shared embedding-cache entry; absent: entries never expire.
    pub cache_ttl_seconds: Option<u64>,
    /// Workers KV refuses an `expirationTtl` under 60 seconds (kv/api/write-key-value-pairs).
    pub min_ttl_seconds: u64,
    /// Who shares the embedding cache: `"global"` (every tenant, the seed's design) or
    /// `"user"` (one user's projects only, for deployments that want no cross-user sharing).
    pub cache_scope: CacheScope,

    /// Text-generation model for the per-chunk summary (workers-ai/models).
    pub summary_model: String,
    /// System prompt of the summary call. Part of the cache identity.
    pub summary_prompt: String,
    /// `max_tokens` of the summary call; the model's default is 256 (workers-ai/models).
    pub summary_max_tokens: u32,
    /// Summary calls sent at once. Workers allow 6 simultaneous outgoing connections per
    /// invocation (workers/platform/limits); more only queue.
    pub summary_concurrency: usize,
    /// Chunks summarised in one text-generation call, which answers in JSON mode with one
    /// summary per chunk (`response_format` json_schema; llama-3.1-8b-instruct-fast supports
    /// it, workers-ai/features/json-mode). 1 is the seed's one call per chunk; text
    /// generation is limited to 300 requests a minute (workers-ai/platform/limits), so 8 cut
    /// a first index's minutes by 8. Part of the cache identity above 1: the model sees the
    /// chunks together.
    pub summary_batch_size: usize,
    /// Whether chunks are summarised at all. Off, the code alone is embedded: no
    /// text-generation call, 100 chunks per AI request; search results carry no summary.
    /// Part of the cache identity.
    pub summaries: bool,
    /// Embedding model (workers-ai/models: `@cf/baai/bge-base-en-v1.5`, 768 dimensions).
    pub embedding_model: String,
    /// Pooling of the embedding model. `cls` and `mean` vectors are not comparable, so the
    /// pooling is part of the cache identity (workers-ai/models/bge-base-en-v1.5).
    pub embedding_pooling: String,
    /// Length of every embedding; a model answer of another length is refused.
    pub embedding_dimensions: usize,
    /// Texts per embedding call: bge models take at most 100 (workers-ai/models).
    pub embedding_batch_size: usize,

    /// Keys per KV bulk read: `get(keys[])` takes at most 100 (kv/api/read-key-value-pairs,
    /// changelog 2025-04-10).
    pub kv_bulk_get_size: usize,
    /// Keys per KV list page: `list({prefix, limit, cursor})` returns at most 1,000
    /// (kv/api/list-keys).
    pub kv_list_page_size: usize,
    /// Longest KV key in bytes (kv/platform/limits).
    pub max_kv_key_bytes: usize,
    /// Largest metadata of one KV key, as JSON, in bytes (kv/platform/limits).
    pub max_kv_metadata_bytes: usize,
    /// Vectors per upsert from a Worker binding (vectorize/platform/limits).
    pub upsert_batch_size: usize,
    /// Ids per `deleteByIds` call from a Worker: beyond 100 Vectorize answers
    /// `VECTOR_DELETE_ERROR code 40007` (reported by users; the docs give no number).
    pub delete_batch_size: usize,
    /// Longest vector id in bytes (vectorize/platform/limits).
    pub max_vector_id_bytes: usize,
    /// Largest metadata of one vector in bytes (vectorize/platform/limits).
    pub max_metadata_bytes: usize,
    /// Largest `topK` when a query returns all metadata: 50 since changelog 2026-03-16 (20
    /// before; vectorize/platform/limits).
    pub max_top_k: u32,
    /// `topK` of a search that does not say.
    pub default_top_k: u32,

    /// Host calls (KV, AI, Vectorize; a bulk get is one) one request may make. Workers allow
    /// 10,000 subrequests per invocation on the paid plan by default since 2026-02 (up to
    /// 10 million with `limits.subrequests`) and 50 on the free plan
    /// (workers/platform/limits, changelog 2026-02-11). What does not fit is deferred.
    pub operation_budget: usize,
    /// KV operations (reads and writes; a bulk get is one) one request may make: 1,000 per
    /// invocation (kv/platform/limits), whatever the subrequest limit.
    pub kv_operation_budget: usize,

    /// Largest request body in bytes; a Worker may receive 100 MB (workers/platform/limits),
    /// far more than one sync needs.
    pub max_body_bytes: usize,
    /// Most chunks in one request: a phase-1 sync of 10,000 hashes is 100 bulk reads.
    pub max_chunks_per_request: usize,
    /// Largest chunk of code in bytes. The embedding model reads 512 tokens
    /// (workers-ai/models); longer code only costs tokens in the summary call.
    pub max_code_bytes: usize,
    /// Longest user id, project id or chunk hash in bytes.
    pub max_id_bytes: usize,
    /// Longest file path in bytes.
    pub max_file_path_bytes: usize,
    /// Longest summary kept in a vector's metadata, in bytes; keeps metadata under its limit.
    pub max_summary_bytes: usize,
    /// Longest search query in bytes.
    pub max_query_bytes: usize,
    /// Most hash prefixes one part of a complete listing may name (`hashPrefixes`): each
    /// costs at least one KV list.
    pub max_hash_prefixes: usize,
    /// Largest line number a chunk's place may give (`startLine`, `endLine`). Ten million:
    /// far above any file people edit (SQLite's single-file amalgamation is under 300,000
    /// lines), and it bounds the digits a place adds to a vector's metadata.
    pub max_line_number: u32,

    /// Lines of a chunk's code kept in its vector's metadata as `snippet`, which search
    /// returns so that a person or an agent sees the code without a checkout (the Worker's
    /// MCP server has none). Twelve: a function's signature and its first statements, as
    /// other code-search tools show. 0 keeps no code in the index at all.
    pub snippet_lines: usize,
    /// Longest snippet in bytes (cut at a character boundary): keeps the code's share of
    /// the 10 KiB of metadata small, whatever the lines' length.
    pub max_snippet_bytes: usize,
    /// Most patterns one search's filters may give, `include`, `exclude` and `lang`
    /// together: each is matched against every place of up to `maxTopK` candidates, so
    /// their number bounds a search's CPU; a person or an agent names a few folders and
    /// languages.
    pub max_filter_patterns: usize,
    /// Longest glob or extension of a search filter in bytes: longer than any glob people
    /// write, and a bound on matching's cost (at worst the product of the pattern's and the
    /// path's lengths). A `pathPrefix` may be as long as a path (`maxFilePathBytes`).
    pub max_filter_pattern_bytes: usize,

    /// How long the tenant's lease lasts unless released (`lease.rs`): the bound on how
    /// long a request that died holding it (a Worker cut off mid-request) keeps the
    /// tenant's other requests out. It must outlast the longest request: a request's last
    /// writes follow a renewal, after its AI calls, and take seconds; two minutes leaves a
    /// wide margin and keeps a tenant locked out at most that long.
    pub lease_seconds: u64,
    /// `Retry-After` of a `409 tenant_busy`, in seconds, when the lease is held longer:
    /// most requests are over within a second or two, so a client asks again soon (and
    /// backs off on its own if refused again) rather than waiting out a lease that is
    /// usually released early.
    pub busy_retry_after_seconds: u64,

    /// Hybrid search: keep every chunk's words in the tenant's text index (the
    /// `text-index` capability: FTS5 in the command-line tool's store, D1's FTS5 in a
    /// Worker) beside its vector, and rank a search by reciprocal-rank fusion of the
    /// vectors' similarity and the words' BM25. Off by default: a Worker then needs no D1
    /// binding; the command-line tool turns it on (BENCHMARKS.md "Retrieval": on the
    /// crate's questions MRR@10 0.646 for the model alone, 0.723 fused).
    pub hybrid: bool,
    /// The `k` of reciprocal-rank fusion: a result scores Σ 1 / (k + its rank) over the
    /// rankings that hold it. 60, the value of the method's paper (Cormack et al., 2009),
    /// also the best of those measured here (BENCHMARKS.md).
    pub rrf_k: u32,

    /// The operator's guard: per-user limits on AI work and stored vectors (`quotas.rs`).
    /// Absent (the default): no limit and no counting, and no call for it.
    pub quotas: Option<Quotas>,
}

/// Which tenants one embedding-cache entry is shared between.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum CacheScope {
    /// One entry per piece of code for everybody: the seed's design, the cheapest.
    Global,
    /// One entry per user and piece of code: no user can learn by timing that another
    /// user has the same code.
    User,
}

/// Calls to index one new chunk in `init`: lease, marker read, cache read, summary,
/// embedding, lease renewal, cache write, journal write, record state's removal, upsert,
/// marker write, journal delete, release. A smaller budget could never index anything.
/// With `hybrid`, one more: the text index's entry ([`Config::vector_writes`]).
pub const MIN_OPERATION_BUDGET: usize = 13;
/// KV operations among them: marker read, cache read, cache write, journal write, marker
/// write, journal delete.
pub const MIN_KV_OPERATION_BUDGET: usize = 6;

/// Bytes of a marker's metadata besides the chunk's hash (hex-encoded when the key cannot
/// spell it): field names, write time, paths digest.
pub(crate) const MARKER_METADATA_FRAMING_BYTES: usize = 128;

impl Default for Config {
    fn default() -> Self {
        Self {
            marker_ttl_seconds: 30 * 24 * 60 * 60,
            marker_refresh_after_seconds: None,
            cache_ttl_seconds: None,
            min_ttl_seconds: 60,
            cache_scope: CacheScope::Global,
            summary_model: "@cf/meta/llama-3.1-8b-instruct-fast".into(),
            summary_prompt: "Summarise what this code does in two sentences, naming its main \
                             functions and types."
                .into(),
            summary_max_tokens: 256,
            summary_concurrency: 6,
            summary_batch_size: 1,
            summaries: true,
            embedding_model: "@cf/baai/bge-base-en-v1.5".into(),
            embedding_pooling: "mean".into(),
            embedding_dimensions: 768,
            embedding_batch_size: 100,
            kv_bulk_get_size: 100,
            kv_list_page_size: 1_000,
            max_kv_key_bytes: 512,
            max_kv_metadata_bytes: 1024,
            upsert_batch_size: 1_000,
            delete_batch_size: 100,
            max_vector_id_bytes: 64,
            max_metadata_bytes: 10 * 1024,
            max_top_k: 50,
            default_top_k: 10,
            operation_budget: 10_000,
            kv_operation_budget: 1_000,
            max_body_bytes: 32 * 1024 * 1024,
            max_chunks_per_request: 10_000,
            max_code_bytes: 64 * 1024,
            max_id_bytes: 256,
            max_file_path_bytes: 1024,
            max_summary_bytes: 4 * 1024,
            max_query_bytes: 4 * 1024,
            max_hash_prefixes: 256,
            max_line_number: 10_000_000,
            snippet_lines: 12,
            max_snippet_bytes: 1024,
            max_filter_patterns: 16,
            max_filter_pattern_bytes: 256,
            lease_seconds: 120,
            busy_retry_after_seconds: 1,
            hybrid: false,
            rrf_k: 60,
            quotas: None,
        }
    }
}

impl Config {
    /// Calls that write `n` vectors: the upserts in batches of `upsertBatchSize`, and with
    /// `hybrid` as many text-index writes.
    pub(crate) fn vector_writes(&self, n: usize) -> usize {
        n.div_ceil(self.upsert_batch_size) * self.vector_stores()
    }

    /// Calls that delete `n` vectors: `deleteByIds` in batches of `deleteBatchSize`, and
    /// with `hybrid` as many text-index deletes.
    pub(crate) fn vector_deletes(&self, n: usize) -> usize {
        n.div_ceil(self.delete_batch_size) * self.vector_stores()
    }

    /// Where a chunk's vector lives: Vectorize, and with `hybrid` the text index too.
    fn vector_stores(&self) -> usize {
        1 + usize::from(self.hybrid)
    }

    /// Reads a JSON config; absent fields keep their defaults, unknown fields are refused.
    pub fn from_json(json: &str) -> Result<Self, ConfigError> {
        let config: Config = if json.trim().is_empty() {
            Config::default()
        } else {
            serde_json::from_str(json).map_err(|e| ConfigError::new(e.to_string()))?
        };
        config.validate()?;
        Ok(config)
    }

    /// The refresh age in force (see `marker_refresh_after_seconds`).
    pub fn marker_refresh_after(&self) -> u64 {
        self.marker_refresh_after_seconds
            .unwrap_or(self.marker_ttl_seconds / 2)
    }

    /// Identity of everything that shapes a cache entry's content: models, pooling, prompt,
    /// token limit, dimensions, and whether and how chunks are summarised. An entry made
    /// under another identity is never served. With the seed's one summary per call the
    /// identity is what it was before batches existed, so existing entries stay valid.
    pub fn cache_identity(&self) -> String {
        let mut parts: Vec<String> = if self.summaries {
            let mut parts = vec![
                self.summary_model.clone(),
                self.summary_prompt.clone(),
                self.summary_max_tokens.to_string(),
            ];
            if self.summary_batch_size > 1 {
                parts.push(format!(
                    "summaries in batches of {}",
                    self.summary_batch_size
                ));
            }
            parts
        } else {
            vec!["no summaries".into()]
        };
        parts.extend([
            self.embedding_model.clone(),
            self.embedding_pooling.clone(),
            self.embedding_dimensions.to_string(),
        ]);
        let mut hasher = Sha256::new();
        for part in &parts {
            hasher.update((part.len() as u64).to_le_bytes());
            hasher.update(part.as_bytes());
        }
        crate::names::hex(&hasher.finalize()[..8])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summarising_is_part_of_the_cache_identity_and_the_seeds_form_keeps_its_own() {
        let base = Config::default();
        assert_eq!(
            base.cache_identity(),
            "bd0d35aa6a7e38b7",
            "one summary per call: the identity entries were written under before batches"
        );
        let batched = Config {
            summary_batch_size: 8,
            ..Config::default()
        };
        let unsummarised = Config {
            summaries: false,
            ..Config::default()
        };
        let identities = [&base, &batched, &unsummarised].map(Config::cache_identity);
        assert_ne!(identities[0], identities[1]);
        assert_ne!(identities[0], identities[2]);
        assert_ne!(identities[1], identities[2]);
        let unsummarised_other_prompt = Config {
            summary_prompt: "Describe.".into(),
            ..unsummarised.clone()
        };
        assert_eq!(
            unsummarised.cache_identity(),
            unsummarised_other_prompt.cache_identity(),
            "without summaries, the prompt shapes nothing cached"
        );
    }
}
