//! Checking a config before any request: what the platform would refuse at run time, and
//! what could make a vector's metadata outgrow its limit.

use super::{
    Config, MARKER_METADATA_FRAMING_BYTES, MIN_KV_OPERATION_BUDGET, MIN_OPERATION_BUDGET,
    QUOTA_CALLS,
};
use crate::error::ConfigError;
use crate::names::MIN_KV_KEY_BYTES;

/// Bytes of JSON framing per vector metadata object beyond its field values: field names,
/// quotes, braces and the escapes a value may need. Kept generous on purpose.
const METADATA_FRAMING_BYTES: usize = 512;

impl Config {
    /// Refuses a config the platform would reject at run time (a TTL under the minimum, a
    /// batch of zero) or one whose metadata could outgrow the vector limit.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let ttl_floor = |name: &str, ttl: u64| {
            if ttl < self.min_ttl_seconds {
                Err(ConfigError::new(format!(
                    "{name} is {ttl} s; KV refuses TTLs under {} s",
                    self.min_ttl_seconds
                )))
            } else {
                Ok(())
            }
        };
        ttl_floor("markerTtlSeconds", self.marker_ttl_seconds)?;
        if let Some(ttl) = self.cache_ttl_seconds {
            ttl_floor("cacheTtlSeconds", ttl)?;
        }
        if self.marker_refresh_after() >= self.marker_ttl_seconds {
            return Err(ConfigError::new(
                "markerRefreshAfterSeconds must be below markerTtlSeconds, or markers expire \
                 while in use"
                    .into(),
            ));
        }
        let at_least_one = [
            ("summaryConcurrency", self.summary_concurrency),
            ("summaryBatchSize", self.summary_batch_size),
            ("embeddingBatchSize", self.embedding_batch_size),
            ("embeddingDimensions", self.embedding_dimensions),
            ("kvBulkGetSize", self.kv_bulk_get_size),
            ("kvListPageSize", self.kv_list_page_size),
            ("upsertBatchSize", self.upsert_batch_size),
            ("deleteBatchSize", self.delete_batch_size),
            ("operationBudget", self.operation_budget),
            ("maxChunksPerRequest", self.max_chunks_per_request),
            ("maxIdBytes", self.max_id_bytes),
            ("maxTopK", self.max_top_k as usize),
            ("rrfK", self.rrf_k as usize),
            ("maxLineNumber", self.max_line_number as usize),
            ("leaseSeconds", self.lease_seconds as usize),
            (
                "busyRetryAfterSeconds",
                self.busy_retry_after_seconds as usize,
            ),
        ];
        if let Some((name, _)) = at_least_one.iter().find(|(_, v)| *v == 0) {
            return Err(ConfigError::new(format!("{name} must be at least 1")));
        }
        // With quotas, one new chunk also needs its charge and the credit of what it did
        // not use; with hybrid search, the write of its words.
        let min_operations = MIN_OPERATION_BUDGET
            + self.quotas.map_or(0, |_| QUOTA_CALLS)
            + usize::from(self.hybrid);
        if self.operation_budget < min_operations
            || self.kv_operation_budget < MIN_KV_OPERATION_BUDGET
        {
            return Err(ConfigError::new(format!(
                "operationBudget must be at least {min_operations} and kvOperationBudget at \
                 least {MIN_KV_OPERATION_BUDGET}: the calls one new chunk needs"
            )));
        }
        if self.default_top_k == 0 || self.default_top_k > self.max_top_k {
            return Err(ConfigError::new(
                "defaultTopK must be between 1 and maxTopK".into(),
            ));
        }
        // A vector id in hashed form is 64 hex digits; a marker key in its longest fixed
        // form is a hashed root, a hash prefix and a digest (names/tenant.rs).
        if self.max_vector_id_bytes < 64 || self.max_kv_key_bytes < MIN_KV_KEY_BYTES {
            return Err(ConfigError::new(format!(
                "maxVectorIdBytes must be at least 64 and maxKvKeyBytes at least \
                 {MIN_KV_KEY_BYTES}"
            )));
        }
        // A marker whose key cannot spell its hash carries it, hex-encoded, in its metadata.
        if 2 * self.max_id_bytes + MARKER_METADATA_FRAMING_BYTES > self.max_kv_metadata_bytes {
            return Err(ConfigError::new(format!(
                "maxIdBytes {} does not leave a marker's metadata within maxKvMetadataBytes {}",
                self.max_id_bytes, self.max_kv_metadata_bytes
            )));
        }
        // A place spelled `path:start-end` (`location.rs`).
        let line_digits = self.max_line_number.to_string().len();
        let worst_metadata = 2 * self.max_id_bytes // userId, projectId
            + self.max_id_bytes // hash
            + 2 * self.max_file_path_bytes // filePath, and filePaths holding it
            + self.max_file_path_bytes + 2 * line_digits + 2 // locations holding its place
            + self.max_summary_bytes
            + self.max_snippet_bytes
            + 64 // contentHash
            + METADATA_FRAMING_BYTES;
        // Escapes, or code held at many places, can still push one vector's metadata over;
        // the summary is then cut, then the snippet, and then the list of places (see
        // `vector.rs`).
        if worst_metadata > self.max_metadata_bytes {
            return Err(ConfigError::new(format!(
                "ids, file path, place, summary and snippet may need {worst_metadata} bytes of \
                 metadata; Vectorize takes {}",
                self.max_metadata_bytes
            )));
        }
        Ok(())
    }
}
