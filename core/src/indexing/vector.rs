//! The tenant's vector for one chunk: its id and its metadata, kept within Vectorize's
//! metadata limit. One vector per chunk whatever the number of files holding its code:
//! `filePaths` names them all (`filePath`, the first, is the seed's field), so search
//! shows identical code once, under every file, and Vectorize stores its embedding once.

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
    let metadata = |summary: &str, paths: &[String]| -> Value {
        json!({
            "userId": tenant.user,
            "projectId": tenant.project,
            "hash": chunk.hash,
            "filePath": chunk.file_paths.first().map_or("", String::as_str),
            "filePaths": paths,
            "contentHash": chunk.content_hash,
            "summary": summary,
        })
    };
    let fits = |meta: &Value| {
        surely_fits(meta, config.max_metadata_bytes)
            || meta.to_string().len() <= config.max_metadata_bytes
    };
    let mut kept = summary;
    let mut paths = chunk.file_paths.as_slice();
    let mut meta = metadata(kept, paths);
    // Escapes, or code held by very many files, can make the JSON longer than the limit:
    // cut the summary until it fits, then, if need be, the list of files (each file still
    // has its marker; search then names the first ones). The JSON is only written out
    // when its bound says it might not fit (almost never).
    while !fits(&meta) && !kept.is_empty() {
        kept = truncate(kept, kept.len() / 2);
        meta = metadata(kept, paths);
    }
    while !fits(&meta) && paths.len() > 1 {
        paths = &paths[..paths.len() / 2];
        meta = metadata(kept, paths);
    }
    Vector {
        id: names.vector_id(&chunk.hash),
        values: embedding.to_vec(),
        metadata: meta,
    }
}

/// Whether the JSON of `meta`, an object of strings and arrays of strings, is surely at
/// most `limit` bytes: each byte of a string escapes to at most 6 (`\u001f`); each field
/// or array item adds its quotes, colon or comma (at most 6), and the braces 2.
fn surely_fits(meta: &Value, limit: usize) -> bool {
    let Some(fields) = meta.as_object() else {
        return false;
    };
    let mut bound = 2;
    for (key, value) in fields {
        bound += 6 * key.len() + 6;
        bound += match value {
            Value::String(s) => 6 * s.len(),
            Value::Array(items) => {
                2 + items
                    .iter()
                    .map(|item| item.as_str().map_or(limit, |s| 6 * s.len() + 3))
                    .sum::<usize>()
            }
            _ => limit,
        };
    }
    bound <= limit
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
