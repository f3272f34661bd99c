//! One tenant's names: its marker keys, journal keys and vector ids, and the prefixes under
//! which a KV list finds every one of them (a complete sync and `remove` list them; a
//! vector is only ever removable through a name the list can find).
//!
//! A marker key has one of three forms, the first that fits `maxKvKeyBytes`:
//! 1. `{root}{hash}` under the plain root `chunkHash:{user}:{project}:` (the seed's form);
//! 2. for a tenant whose plain root is too long to leave room for form 3, the same under
//!    the hashed root `chunkHash:%t{sha256 of the escaped user:project}:`;
//! 3. `{root}{as much of the hash as fits}%h{sha256 of the escaped hash}`, the hash itself
//!    kept in the marker's metadata. Any hash prefix of up to [`MAX_HASH_PREFIX_BYTES`]
//!    is spelled out, so that a list by hash prefix finds form 3 too.
//!
//! Journals are `{root}%j{digest}` under the root of form 3, and so is the record state,
//! `{root}%s`.

use super::{MARKER_PREFIX, escape, extended, join, push_escaped, sha256_hex, unescape};
use crate::config::Config;

/// Marks a key whose hash is cut short and hashed (form 3).
const CUT_MARK: &str = "%h";
/// Marks a journal key.
const JOURNAL_MARK: &str = "%j";
/// Marks the tenant's record state (`record_state.rs`).
const STATE_MARK: &str = "%s";
/// Marks a hashed root (form 2).
const HASHED_ROOT_MARK: &str = "%t";
/// Hex digits of a SHA-256.
const SHA256_HEX_BYTES: usize = 64;
/// Hex digits of a journal's digest.
pub(crate) const JOURNAL_DIGEST_HEX_BYTES: usize = 32;
/// Longest hash prefix one part of a complete listing may name, in bytes.
pub const MAX_HASH_PREFIX_BYTES: usize = 64;
/// What such a prefix takes escaped, at most (`%` becomes three bytes).
const ESCAPED_PREFIX_BYTES: usize = 3 * MAX_HASH_PREFIX_BYTES;
/// `chunkHash:%t{64 hex}:`.
const HASHED_ROOT_BYTES: usize = MARKER_PREFIX.len() + 1 + 2 + SHA256_HEX_BYTES + 1;
/// `%h{64 hex}`.
const CUT_TAIL_BYTES: usize = CUT_MARK.len() + SHA256_HEX_BYTES;
/// The shortest `maxKvKeyBytes` every form fits: a hashed root, a spelled-out prefix and
/// the cut tail.
pub const MIN_KV_KEY_BYTES: usize = HASHED_ROOT_BYTES + ESCAPED_PREFIX_BYTES + CUT_TAIL_BYTES;

/// One tenant's marker keys and vector ids, with the escaped user and project joined once
/// for all the chunks of a request.
#[derive(Clone, Debug)]
pub struct TenantNames {
    /// `chunkHash:{user}:{project}:`, escaped.
    plain_root: String,
    /// `chunkHash:%t{sha256}:`.
    hashed_root: String,
    /// Whether forms 3 and journals go under the hashed root.
    long_is_hashed: bool,
    /// `{user}_{project}_`, escaped.
    vector_prefix: String,
    max_kv_key_bytes: usize,
    max_vector_id_bytes: usize,
}

/// What a key found by listing a tenant's roots is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ListedName {
    /// The marker of this hash, in form 1 or 2.
    Marker(String),
    /// A marker in form 3: its hash is in its metadata (check it with
    /// [`TenantNames::marker_key`]).
    CutMarker,
    /// A journal.
    Journal,
    /// The record state.
    State,
    /// Not a name this engine writes for the tenant: left alone.
    Foreign,
}

impl TenantNames {
    /// The names of `user`'s chunks in `project`.
    pub fn new(config: &Config, user: &str, project: &str) -> Self {
        let tenant = join(&[user, project], ':');
        let plain_root = format!("{MARKER_PREFIX}:{tenant}:");
        let long_is_hashed =
            plain_root.len() + ESCAPED_PREFIX_BYTES + CUT_TAIL_BYTES > config.max_kv_key_bytes;
        Self {
            hashed_root: format!("{MARKER_PREFIX}:{HASHED_ROOT_MARK}{}:", sha256_hex(&tenant)),
            plain_root,
            long_is_hashed,
            vector_prefix: format!("{}_", join(&[user, project], '_')),
            max_kv_key_bytes: config.max_kv_key_bytes,
            max_vector_id_bytes: config.max_vector_id_bytes,
        }
    }

    /// Where forms 3 and journals go.
    fn long_root(&self) -> &str {
        if self.long_is_hashed {
            &self.hashed_root
        } else {
            &self.plain_root
        }
    }

    /// The key of this tenant's marker for one chunk.
    pub fn marker_key(&self, hash: &str) -> String {
        let escaped = escape(hash, ':');
        let max = self.max_kv_key_bytes;
        if self.plain_root.len() + escaped.len() <= max {
            return extended(&self.plain_root, &escaped);
        }
        let root = self.long_root();
        if root.len() + escaped.len() <= max {
            return extended(root, &escaped);
        }
        let room = max.saturating_sub(root.len() + CUT_TAIL_BYTES);
        let mut key = String::with_capacity(max);
        key.push_str(root);
        let mut one = String::new();
        for c in hash.chars() {
            one.clear();
            push_escaped(&mut one, c, ':');
            if key.len() - root.len() + one.len() > room {
                break;
            }
            key.push_str(&one);
        }
        key.push_str(CUT_MARK);
        key.push_str(&sha256_hex(&escaped));
        key
    }

    /// Whether this hash's marker key cannot spell the hash (form 3): its metadata must.
    pub fn key_is_cut(&self, key: &str) -> bool {
        key.contains(CUT_MARK)
    }

    /// The key of a journal with this digest.
    pub fn journal_key(&self, digest: &str) -> String {
        format!("{}{JOURNAL_MARK}{digest}", self.long_root())
    }

    /// The key of the tenant's record state.
    pub fn state_key(&self) -> String {
        format!("{}{STATE_MARK}", self.long_root())
    }

    /// The prefixes under which a list finds every marker and journal of the tenant.
    pub fn roots(&self) -> Vec<String> {
        let mut roots = Vec::with_capacity(2);
        if self.plain_root.len() < self.max_kv_key_bytes {
            roots.push(self.plain_root.clone());
        }
        if self.long_is_hashed {
            roots.push(self.hashed_root.clone());
        }
        roots
    }

    /// The prefixes under which a list finds every marker of the hashes that start with
    /// `hash_prefix` (of at most [`MAX_HASH_PREFIX_BYTES`]). Journals are apart, under
    /// [`Self::journal_root`].
    pub fn roots_for(&self, hash_prefix: &str) -> Vec<String> {
        let escaped = escape(hash_prefix, ':');
        self.roots()
            .iter()
            .map(|root| extended(root, &escaped))
            .collect()
    }

    /// The prefix of every journal of the tenant.
    pub fn journal_root(&self) -> String {
        format!("{}{JOURNAL_MARK}", self.long_root())
    }

    /// What a listed key is.
    pub fn read_listed(&self, name: &str) -> ListedName {
        let rest = [&self.plain_root, &self.hashed_root]
            .into_iter()
            .find_map(|root| name.strip_prefix(root.as_str()));
        let Some(rest) = rest else {
            return ListedName::Foreign;
        };
        if let Some(digest) = rest.strip_prefix(JOURNAL_MARK) {
            let ours = name.starts_with(self.long_root())
                && digest.len() == JOURNAL_DIGEST_HEX_BYTES
                && digest.bytes().all(|b| b.is_ascii_hexdigit());
            return if ours {
                ListedName::Journal
            } else {
                ListedName::Foreign
            };
        }
        if rest == STATE_MARK && name.starts_with(self.long_root()) {
            return ListedName::State;
        }
        if rest.contains(CUT_MARK) {
            return ListedName::CutMarker;
        }
        match unescape(rest, ':') {
            Some(hash) if self.marker_key(&hash) == name => ListedName::Marker(hash),
            _ => ListedName::Foreign,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::names::vector_id;

    fn names(user: &str, project: &str) -> TenantNames {
        TenantNames::new(&Config::default(), user, project)
    }

    #[test]
    fn long_ids_are_hashed_to_fit() {
        let c = Config::default();
        let sha = sha256_hex("fn a() {}");
        let id = vector_id(&c, "alice@example.com", "alice-project", &sha);
        assert_eq!(id.len(), 64);
        assert!(!id.contains('_'));
    }

    #[test]
    fn every_key_fits_and_stays_under_a_listed_root() {
        let long_user = "ü".repeat(128);
        let escapes = "%".repeat(256);
        for (user, project) in [("alice", "p"), (long_user.as_str(), "p"), ("%:%", &escapes)] {
            let n = names(user, project);
            for hash in [
                "h",
                "h:1",
                &"ab".repeat(128),
                &escapes,
                &format!("ab{escapes}"),
            ] {
                let key = n.marker_key(hash);
                assert!(key.len() <= 512, "{} bytes", key.len());
                assert!(n.roots().iter().any(|r| key.starts_with(r.as_str())));
                let prefix = &hash[..2.min(hash.len())];
                assert!(
                    n.roots_for(prefix)
                        .iter()
                        .any(|r| key.starts_with(r.as_str())),
                    "{key} under the roots of {prefix:?}"
                );
                let listed = n.read_listed(&key);
                if n.key_is_cut(&key) {
                    assert_eq!(listed, ListedName::CutMarker);
                } else {
                    assert_eq!(listed, ListedName::Marker(hash.to_owned()));
                }
            }
        }
    }

    #[test]
    fn short_hashes_of_a_long_tenant_keep_the_seed_form() {
        let user = "u".repeat(250);
        let n = names(&user, &"p".repeat(200));
        assert_eq!(
            n.marker_key("h"),
            format!("chunkHash:{user}:{}:h", "p".repeat(200))
        );
        assert_eq!(n.roots().len(), 2, "the plain root and the hashed root");
    }

    #[test]
    fn journals_and_foreign_keys_are_told_apart() {
        let n = names("alice", "p");
        let journal = n.journal_key(&"0".repeat(JOURNAL_DIGEST_HEX_BYTES));
        assert!(journal.starts_with(&n.journal_root()));
        assert_eq!(n.read_listed(&journal), ListedName::Journal);
        assert_eq!(n.state_key(), "chunkHash:alice:p:%s");
        assert_eq!(n.read_listed(&n.state_key()), ListedName::State);
        for foreign in [
            "chunkHash:alice:p:50%",
            "chunkHash:alice:p:%jnothex",
            "chunkHash:alice:q:h",
            "chunkHash:alice:p:a:b",
        ] {
            assert_eq!(n.read_listed(foreign), ListedName::Foreign, "{foreign}");
        }
        assert_eq!(
            names("alice", "p").read_listed("chunkHash:alice:p:a%3Ab"),
            ListedName::Marker("a:b".into())
        );
    }

    #[test]
    fn cut_keys_differ_per_hash_and_from_plain_ones() {
        let n = names("alice", "p");
        let a = n.marker_key(&"%".repeat(200));
        let b = n.marker_key(&"%".repeat(201));
        assert_ne!(a, b);
        assert!(n.key_is_cut(&a) && n.key_is_cut(&b));
        assert!(!n.key_is_cut(&n.marker_key("%h")), "an escaped %h is %25h");
    }
}
