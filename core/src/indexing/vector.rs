//! The tenant's vector for one chunk: its id and its metadata, kept within Vectorize's
//! metadata limit.

use serde_json::{Value, json};

use crate::ai::truncate;
use crate::config::Config;
use crate::effect::Vector;
use crate::names::vector_id;
use crate::request::{Chunk, Tenant};

/// The vector of `chunk` for `tenant`, carrying the tenant's own metadata.
pub(crate) fn tenant_vector(
    config: &Config,
    tenant: &Tenant,
    chunk: &Chunk,
    summary: &str,
    embedding: &[f32],
) -> Vector {
    let metadata = |summary: &str| -> Value {
        json!({
            "userId": tenant.user,
            "projectId": tenant.project,
            "hash": chunk.hash,
            "filePath": chunk.file_path,
            "contentHash": chunk.content_hash,
            "summary": summary,
        })
    };
    let mut kept = summary;
    let mut meta = metadata(kept);
    // Escapes can make the JSON longer than its parts; cut the summary until it fits.
    while meta.to_string().len() > config.max_metadata_bytes && !kept.is_empty() {
        kept = truncate(kept, kept.len() / 2);
        meta = metadata(kept);
    }
    Vector {
        id: vector_id(config, &tenant.user, &tenant.project, &chunk.hash),
        values: embedding.to_vec(),
        metadata: meta,
    }
}
