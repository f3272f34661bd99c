//! The value of a shared embedding-cache entry. It names the identity of the config that
//! made it (models, pooling, prompt) and the SHA-256 of the code it was made from, so an
//! entry made otherwise, or one found under another code's key, is never served
//! (invariant 3); any value of another shape is a miss, and is overwritten.
//!
//! The embedding is kept as base64 of its little-endian float32 bytes: a quarter of the size
//! of the same numbers as JSON text in KV, and no float printing or parsing on the way in or
//! out (the costliest part of a cache entry, measured in BENCHMARKS.md).

use serde::{Deserialize, Serialize};

use crate::config::Config;

/// What the AI made of one piece of code.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CacheEntry {
    /// The LLM's summary.
    pub summary: String,
    /// The embedding of summary and code.
    #[serde(with = "float32_base64")]
    pub embedding: Vec<f32>,
    /// `Config::cache_identity` of the config that made it.
    pub identity: String,
    /// SHA-256 hex of the code it was made from.
    pub content_hash: String,
}

impl CacheEntry {
    /// The KV value: the JSON `serde` would write, with the 4 KB of base64 copied as is
    /// (its alphabet never needs escaping) instead of scanned for escapes.
    pub fn encode(&self) -> String {
        let text = |s: &str| serde_json::to_string(s).unwrap_or_default();
        format!(
            r#"{{"summary":{},"embedding":"{}","identity":{},"contentHash":{}}}"#,
            text(&self.summary),
            float32_base64::encode(&self.embedding),
            text(&self.identity),
            text(&self.content_hash),
        )
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

/// `Vec<f32>` as base64 of little-endian float32 bytes.
mod float32_base64 {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn encode(values: &[f32]) -> String {
        let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        STANDARD.encode(bytes)
    }

    pub fn serialize<S: Serializer>(values: &[f32], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&encode(values))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f32>, D::Error> {
        let text = <&str>::deserialize(d)?;
        let bytes = STANDARD.decode(text).map_err(D::Error::custom)?;
        if bytes.len() % 4 != 0 {
            return Err(D::Error::custom("not whole float32 values"));
        }
        Ok(bytes
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect())
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
        let as_numbers =
            r#"{"summary":"s","embedding":[0.6,0.8],"identity":"ID","contentHash":"ab"}"#;
        assert_eq!(
            decode(&id, "ab", &as_numbers.replace("ID", &id)),
            None,
            "not our form"
        );
        assert!(
            entry.encode().contains(r#""embedding":"mpkZP83MTD8=""#),
            "{}",
            entry.encode()
        );
        let escaped = CacheEntry {
            summary: "a \"quoted\"\n\u{1} é summary".into(),
            ..entry.clone()
        };
        assert_eq!(
            escaped.encode(),
            serde_json::to_string(&escaped).unwrap(),
            "the same text serde writes"
        );
        assert_eq!(decode(&id, "ab", &escaped.encode()), Some(escaped));
        let other_model = Config {
            embedding_model: "@cf/baai/bge-m3".into(),
            ..c.clone()
        };
        assert_ne!(other_model.cache_identity(), id);
    }
}
