//! KV keys and vector ids: the seed's formats where they are safe, an injective escaped or
//! hashed form where they are not (invariant 5).
//!
//! - marker:  `chunkHash:{userId}:{projectId}:{hash}`; `%` and `:` inside a part become
//!   `%25` and `%3A`; past `maxKvKeyBytes`, `chunkHash:` + SHA-256 hex of the escaped key.
//! - cache:   `embedding:{sha256 hex of the code}`; with the per-user cache scope,
//!   `embedding:{userId}:{sha256 hex}`, escaped likewise.
//! - vector:  `{userId}_{projectId}_{hash}`; `%` and `_` inside a part become `%25` and
//!   `%5F`; past `maxVectorIdBytes`, the SHA-256 hex of the escaped id (64 bytes, no `_`).
//!
//! Escaping is injective and leaves exactly the separators unescaped, so escaped forms of
//! distinct triples differ; a hashed form has fewer separators than any escaped form, so
//! the two families never meet; hashed forms differ unless SHA-256 collides.

use sha2::{Digest, Sha256};

use crate::config::{CacheScope, Config};

/// Prefix of every per-tenant marker key (the seed's `CHUNK_HASH_PREFIX`).
pub const MARKER_PREFIX: &str = "chunkHash";
/// Prefix of every shared embedding-cache key.
pub const CACHE_PREFIX: &str = "embedding";

/// Lower-case hex of some bytes.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0xf)] as char);
    }
    out
}

/// SHA-256 of some text, as 64 lower-case hex digits.
pub fn sha256_hex(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes()))
}

/// Percent-escapes `%` and the separator (ASCII) in one part of a name.
fn escape(part: &str, separator: char) -> std::borrow::Cow<'_, str> {
    let separator_byte = separator as u8;
    if !part.bytes().any(|b| b == b'%' || b == separator_byte) {
        return part.into();
    }
    let mut out = String::with_capacity(part.len() + 8);
    for c in part.chars() {
        match c {
            '%' => out.push_str("%25"),
            c if c == separator => {
                out.push('%');
                out.push_str(&hex(&[c as u8]).to_uppercase());
            }
            c => out.push(c),
        }
    }
    out.into()
}

/// Joins escaped parts with the separator.
fn join(parts: &[&str], separator: char) -> String {
    let mut out = String::new();
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            out.push(separator);
        }
        out.push_str(&escape(part, separator));
    }
    out
}

/// One tenant's marker keys and vector ids, with the escaped user and project joined once
/// for all the chunks of a request.
#[derive(Clone, Debug)]
pub struct TenantNames {
    /// `chunkHash:{user}:{project}:`, escaped.
    marker_prefix: String,
    /// `{user}_{project}_`, escaped.
    vector_prefix: String,
    max_kv_key_bytes: usize,
    max_vector_id_bytes: usize,
}

impl TenantNames {
    /// The names of `user`'s chunks in `project`.
    pub fn new(config: &Config, user: &str, project: &str) -> Self {
        Self {
            marker_prefix: format!("{MARKER_PREFIX}:{}:", join(&[user, project], ':')),
            vector_prefix: format!("{}_", join(&[user, project], '_')),
            max_kv_key_bytes: config.max_kv_key_bytes,
            max_vector_id_bytes: config.max_vector_id_bytes,
        }
    }

    /// The key of this tenant's marker for one chunk.
    pub fn marker_key(&self, hash: &str) -> String {
        let key = extended(&self.marker_prefix, &escape(hash, ':'));
        if key.len() <= self.max_kv_key_bytes {
            key
        } else {
            format!("{MARKER_PREFIX}:{}", sha256_hex(&key))
        }
    }

    /// The id of this tenant's vector for one chunk.
    pub fn vector_id(&self, hash: &str) -> String {
        let id = extended(&self.vector_prefix, &escape(hash, '_'));
        if id.len() <= self.max_vector_id_bytes {
            id
        } else {
            sha256_hex(&id)
        }
    }
}

/// `prefix` then `rest`, in one allocation.
fn extended(prefix: &str, rest: &str) -> String {
    let mut out = String::with_capacity(prefix.len() + rest.len());
    out.push_str(prefix);
    out.push_str(rest);
    out
}

/// The key of this tenant's marker for one chunk.
pub fn marker_key(config: &Config, user: &str, project: &str, hash: &str) -> String {
    TenantNames::new(config, user, project).marker_key(hash)
}

/// The key of the shared cache entry for code whose SHA-256 is `content_hash`.
pub fn cache_key(config: &Config, user: &str, content_hash: &str) -> String {
    match config.cache_scope {
        CacheScope::Global => format!("{CACHE_PREFIX}:{content_hash}"),
        CacheScope::User => {
            let key = format!("{CACHE_PREFIX}:{}", join(&[user, content_hash], ':'));
            if key.len() <= config.max_kv_key_bytes {
                key
            } else {
                // Two parts, not one: cannot meet a global key, which has a single part.
                format!("{CACHE_PREFIX}:{}:u", sha256_hex(&key))
            }
        }
    }
}

/// The id of this tenant's vector for one chunk.
pub fn vector_id(config: &Config, user: &str, project: &str, hash: &str) -> String {
    TenantNames::new(config, user, project).vector_id(hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Config {
        Config::default()
    }

    #[test]
    fn seed_formats_are_kept_where_safe() {
        let c = config();
        assert_eq!(
            marker_key(&c, "alice@example.com", "alice-project", "abc123"),
            "chunkHash:alice@example.com:alice-project:abc123"
        );
        assert_eq!(
            vector_id(&c, "alice@example.com", "alice-project", "abc123"),
            "alice@example.com_alice-project_abc123"
        );
        assert_eq!(cache_key(&c, "alice", "ff00"), "embedding:ff00");
    }

    #[test]
    fn naive_joins_that_collide_are_kept_apart() {
        let c = config();
        assert_ne!(
            vector_id(&c, "a_b", "c", "h"),
            vector_id(&c, "a", "b_c", "h")
        );
        assert_ne!(
            marker_key(&c, "a:b", "c", "h"),
            marker_key(&c, "a", "b:c", "h")
        );
        assert_ne!(
            vector_id(&c, "a%5Fb", "c", "h"),
            vector_id(&c, "a_b", "c", "h")
        );
        assert_eq!(vector_id(&c, "a_b", "c", "h"), "a%5Fb_c_h");
        assert_eq!(marker_key(&c, "a:b", "c%", "h"), "chunkHash:a%3Ab:c%25:h");
        let names = TenantNames::new(&c, "a:b_", "c");
        assert_eq!(names.marker_key("h:%_"), "chunkHash:a%3Ab_:c:h%3A%25_");
        assert_eq!(names.vector_id("h:%_"), "a:b%5F_c_h:%25%5F");
    }

    #[test]
    fn long_ids_are_hashed_to_fit() {
        let c = config();
        let sha = sha256_hex("fn a() {}");
        let id = vector_id(&c, "alice@example.com", "alice-project", &sha);
        assert_eq!(id.len(), 64);
        assert!(!id.contains('_'));
        let long = "ü".repeat(400);
        let key = marker_key(&c, &long, "p", "h");
        assert!(key.len() <= c.max_kv_key_bytes);
        assert_ne!(key, marker_key(&c, &long, "p", "h2"));
    }

    #[test]
    fn user_scoped_cache_keys_differ_per_user() {
        let c = Config {
            cache_scope: CacheScope::User,
            ..config()
        };
        assert_ne!(cache_key(&c, "a", "ff"), cache_key(&c, "b", "ff"));
        assert_eq!(cache_key(&c, "a:b", "ff"), "embedding:a%3Ab:ff");
    }
}
