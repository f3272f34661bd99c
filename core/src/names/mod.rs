//! KV keys and vector ids: the seed's formats where they are safe, an injective escaped or
//! hashed form where they are not (invariant 5).
//!
//! - marker:  `chunkHash:{userId}:{projectId}:{hash}`; `%` and `:` inside a part become
//!   `%25` and `%3A`. Past `maxKvKeyBytes`, a form that keeps the tenant's prefix so that
//!   every key of a tenant can be listed (see [`tenant`]).
//! - journal: `chunkHash:{userId}:{projectId}:%j{digest}`: the chunks whose vectors a
//!   request was about to write or remove (see `journal.rs`).
//! - cache:   `embedding:{sha256 hex of the code}`; with the per-user cache scope,
//!   `embedding:{userId}:{sha256 hex}`, escaped likewise.
//! - vector:  `{userId}_{projectId}_{hash}`; `%` and `_` inside a part become `%25` and
//!   `%5F`; past `maxVectorIdBytes`, the SHA-256 hex of the escaped id (64 bytes, no `_`).
//!
//! Escaping is injective and leaves exactly the separators unescaped, so escaped forms of
//! distinct triples differ. An escaped part never holds `%` followed by a lower-case
//! letter, so the marks `%h`, `%j` and `%t` of the other forms never meet an escaped one;
//! hashed forms differ unless SHA-256 collides.

mod tenant;

use sha2::{Digest, Sha256};

use crate::config::{CacheScope, Config};
pub(crate) use tenant::JOURNAL_DIGEST_HEX_BYTES;
pub use tenant::{ListedName, MAX_HASH_PREFIX_BYTES, MIN_KV_KEY_BYTES, TenantNames};

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

/// The bytes of lower-case (or upper-case) hex; `None` for anything else.
pub fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    let digit = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    text.as_bytes()
        .chunks_exact(2)
        .map(|pair| Some(digit(pair[0])? << 4 | digit(pair[1])?))
        .collect()
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
        push_escaped(&mut out, c, separator);
    }
    out.into()
}

/// Appends one character of a part, escaped.
fn push_escaped(out: &mut String, c: char, separator: char) {
    match c {
        '%' => out.push_str("%25"),
        c if c == separator => {
            out.push('%');
            out.push_str(&hex(&[c as u8]).to_ascii_uppercase());
        }
        c => out.push(c),
    }
}

/// The part an escaped text stands for; `None` when the text is not exactly what
/// [`escape`] writes (a bare `%` or separator, another escape).
fn unescape(text: &str, separator: char) -> Option<String> {
    let separator_escape = format!("%{}", hex(&[separator as u8]).to_ascii_uppercase());
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(['%', separator]) {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        if let Some(after) = tail.strip_prefix("%25") {
            out.push('%');
            rest = after;
        } else if let Some(after) = tail.strip_prefix(separator_escape.as_str()) {
            out.push(separator);
            rest = after;
        } else {
            return None;
        }
    }
    out.push_str(rest);
    Some(out)
}

/// `prefix` then `rest`, in one allocation.
fn extended(prefix: &str, rest: &str) -> String {
    let mut out = String::with_capacity(prefix.len() + rest.len());
    out.push_str(prefix);
    out.push_str(rest);
    out
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
    fn escaping_reads_back_and_refuses_what_it_never_writes() {
        for part in ["", "plain", "a:b", "%", "%3A", "ü:%:", "::"] {
            assert_eq!(unescape(&escape(part, ':'), ':').as_deref(), Some(part));
        }
        for foreign in ["a:b", "50%", "%3a", "%2", "%h00"] {
            assert_eq!(unescape(foreign, ':'), None, "{foreign}");
        }
        assert_eq!(unhex("00ff").unwrap(), [0, 255]);
        assert_eq!(unhex("0"), None);
        assert_eq!(unhex("zz"), None);
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
