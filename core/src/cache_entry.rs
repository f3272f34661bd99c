//! The value of a shared embedding-cache entry. It names the identity of the config that
//! made it (models, pooling, prompt) and the SHA-256 of the code it was made from, so an
//! entry made otherwise, or one found under another code's key, is never served
//! (invariant 3); any value of another shape is a miss, and is overwritten.

use serde::{Deserialize, Serialize};

use crate::config::Config;

/// What the AI made of one piece of code.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CacheEntry {
    /// The LLM's summary.
    pub summary: String,
    /// The embedding of summary and code.
    pub embedding: Vec<f32>,
    /// `Config::cache_identity` of the config that made it.
    pub identity: String,
    /// SHA-256 hex of the code it was made from.
    pub content_hash: String,
}

impl CacheEntry {
    /// The KV value.
    pub fn encode(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads a KV value back; `None` when it is not one made from `content_hash` under
    /// this config.
    pub fn decode(
        config: &Config,
        identity: &str,
        content_hash: &str,
        value: &str,
    ) -> Option<Self> {
        let entry: CacheEntry = serde_json::from_str(value).ok()?;
        let usable = entry.identity == identity
            && entry.content_hash == content_hash
            && entry.embedding.len() == config.embedding_dimensions
            && entry.embedding.iter().all(|x| x.is_finite())
            && entry.summary.len() <= config.max_summary_bytes;
        usable.then_some(entry)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_of_another_identity_or_shape_are_misses() {
        let c = Config {
            embedding_dimensions: 2,
            ..Config::default()
        };
        let id = c.cache_identity();
        let entry = CacheEntry {
            summary: "s".into(),
            embedding: vec![0.6, 0.8],
            identity: id.clone(),
            content_hash: "ab".into(),
        };
        let decode =
            |identity: &str, hash: &str, value: &str| CacheEntry::decode(&c, identity, hash, value);
        assert_eq!(decode(&id, "ab", &entry.encode()), Some(entry.clone()));
        assert_eq!(decode("other", "ab", &entry.encode()), None);
        assert_eq!(
            decode(&id, "cd", &entry.encode()),
            None,
            "found under another code's key"
        );
        assert_eq!(decode(&id, "ab", "{\"summary\":1}"), None);
        assert_eq!(decode(&id, "ab", "1"), None);
        let other_model = Config {
            embedding_model: "@cf/baai/bge-m3".into(),
            ..c.clone()
        };
        assert_ne!(other_model.cache_identity(), id);
    }
}
