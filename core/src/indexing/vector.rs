//! The tenant's vector for one chunk: its id and its metadata, kept within Vectorize's
//! metadata limit.

use serde_json::{Value, json};

use crate::ai::truncate;
use crate::config::Config;
use crate::effect::Vector;
use crate::names::TenantNames;
use crate::request::{Chunk, Tenant};

/// The vector of `chunk` for `tenant`, carrying the tenant's own metadata.
pub(crate) fn tenant_vector(
    config: &Config,
    tenant: &Tenant,
    names: &TenantNames,
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
    // Escapes can make the JSON longer than its parts; cut the summary until it fits. The
    // JSON is only written out when its bound says it might not fit (almost never).
    while !surely_fits(&meta, config.max_metadata_bytes)
        && meta.to_string().len() > config.max_metadata_bytes
        && !kept.is_empty()
    {
        kept = truncate(kept, kept.len() / 2);
        meta = metadata(kept);
    }
    Vector {
        id: names.vector_id(&chunk.hash),
        values: embedding.to_vec(),
        metadata: meta,
    }
}

/// Whether the JSON of `meta`, an object of strings, is surely at most `limit` bytes: each
/// byte of a string escapes to at most 6 (`\u001f`); each field adds its quotes, colon and
/// comma (at most 6), and the braces 2.
fn surely_fits(meta: &Value, limit: usize) -> bool {
    let Some(fields) = meta.as_object() else {
        return false;
    };
    let strings: usize = fields
        .iter()
        .map(|(k, v)| k.len() + v.as_str().map_or(limit, str::len))
        .sum();
    2 + 6 * strings + 6 * fields.len() <= limit
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_bound_holds_for_the_worst_escapes() {
        let worst = json!({ "\u{1}": "\u{1}".repeat(100), "\"": "" });
        let len = worst.to_string().len();
        assert_eq!(len, 2 + (6 + 600 + 5) + 1 + (2 + 5));
        assert!(!surely_fits(&worst, len - 1));
        assert!(surely_fits(&worst, 2 + 6 * 102 + 6 * 2));
        assert!(surely_fits(&json!({ "userId": "u" }), 100));
        assert!(
            !surely_fits(&json!({ "n": 1 }), 100),
            "only strings are bounded"
        );
    }
}
