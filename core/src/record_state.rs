//! The tenant's record state: for each scope a complete sync last found clean (the listing
//! was exactly the index: every chunk cached at its files, nothing to remove), the digest of
//! that listing and when its first marker falls due for a refresh. A complete phase 1 whose
//! listing has that digest is answered from this one key, before any marker is listed or
//! read; any request that changes the tenant's index deletes it first.
//!
//! The listing digest, as clients compute it (for a root-only phase 1): for each distinct
//! hash in byte order, the hash, the number of its distinct files, and those files' paths in
//! byte order (none when the client named no file), each hash and path preceded by its
//! length and the count given as 8 little-endian bytes; the SHA-256 of all that, as 64
//! lower-case hex digits. One pass over the listing's bytes: at 10,000 chunks it is most of
//! an unchanged sync's CPU, so it hashes the paths themselves rather than a digest of them.
//!
//! A hash whose listing gives lines (`startLine`, `endLine`) on any of its occurrences is
//! written another way, and only it: its count is of distinct places (path and lines) with
//! the top bit set (2^63 added: no count is that large, so the two forms never meet), and
//! each place, in order of path then lines (a place without lines first), is its path
//! (length and bytes) followed by the byte 1 and its first and last lines (8 little-endian
//! bytes each), or by the byte 0 when it has none. A listing without lines therefore has
//! exactly the digest it had before lines existed.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::location::{Lines, Place, distinct_into};
use crate::names::hex;
use crate::request::{Listed, Scope};

/// The top bit of a hash's count: its places carry lines.
const LINED: u64 = 1 << 63;

/// The digest of a listing (see the module doc): each hash with its places, paths alone
/// or [`Location`](crate::location::Location)s.
pub fn listing_digest<'a, P: Place + 'a>(
    listed: impl IntoIterator<Item = (&'a str, &'a [P])>,
) -> String {
    let mut entries: Vec<(&str, &[P])> = listed.into_iter().collect();
    entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
    entries.dedup_by(|a, b| a.0 == b.0);
    let mut hasher = Sha256::new();
    let mut places = Vec::new();
    let length = |n: usize| (n as u64).to_le_bytes();
    for (hash, listed) in entries {
        distinct_into(listed, &mut places);
        let lined = places.iter().any(|(_, lines)| lines.is_some());
        hasher.update(length(hash.len()));
        hasher.update(hash.as_bytes());
        let count = places.len() as u64 | if lined { LINED } else { 0 };
        hasher.update(count.to_le_bytes());
        for (path, lines) in &places {
            hasher.update(length(path.len()));
            hasher.update(path.as_bytes());
            match (lined, lines) {
                (false, _) => {}
                (true, None) => hasher.update([0]),
                (true, Some(Lines { start, end })) => {
                    hasher.update([1]);
                    hasher.update(u64::from(*start).to_le_bytes());
                    hasher.update(u64::from(*end).to_le_bytes());
                }
            }
        }
    }
    hex(&hasher.finalize())
}

/// The digest of a parsed listing.
pub(crate) fn digest_of(listed: &[Listed]) -> String {
    listing_digest(
        listed
            .iter()
            .map(|l| (l.hash.as_str(), l.locations.as_deref().unwrap_or_default())),
    )
}

/// One scope found clean.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CleanScope {
    /// The hash prefixes of the scope; empty for the whole project.
    pub prefixes: Vec<String>,
    /// The digest of its listing.
    pub digest: String,
    /// Unix seconds from which a marker in it is due for a refresh: the shortcut ends then.
    pub refresh_due: u64,
    /// The distinct hashes of its listing (`status`); absent in a state an older engine
    /// wrote.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chunks: Option<u64>,
    /// The distinct files of its listing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub files: Option<u64>,
    /// When the complete sync found it clean (its `now`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<u64>,
    /// Its markers vouch for their chunks' words too (found clean with `hybrid`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub words: bool,
}

/// The state: the clean scopes.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct RecordState {
    pub scopes: Vec<CleanScope>,
}

/// The prefixes that identify a scope in the state.
pub(crate) fn scope_prefixes(scope: &Scope) -> Vec<String> {
    match scope {
        Scope::Project => Vec::new(),
        Scope::HashPrefixes(prefixes) => prefixes.clone(),
    }
}

impl RecordState {
    /// Reads a KV value; anything else than the engine's form is no state (the slow way).
    pub(crate) fn decode(value: &str) -> Option<Self> {
        serde_json::from_str(value).ok()
    }

    /// The KV value.
    pub(crate) fn encode(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Whether `scope` was clean with this digest, and is not yet due at `now`; with
    /// `words` (hybrid search), only if it was found clean with the chunks' words too.
    pub(crate) fn vouches(&self, scope: &Scope, digest: &str, now: u64, words: bool) -> bool {
        let prefixes = scope_prefixes(scope);
        self.scopes.iter().any(|s| {
            s.prefixes == prefixes
                && s.digest == digest
                && now < s.refresh_due
                && (s.words || !words)
        })
    }

    /// The state with `clean` in place of any entry of the same scope.
    pub(crate) fn with(mut self, clean: CleanScope) -> Self {
        self.scopes.retain(|s| s.prefixes != clean.prefixes);
        self.scopes.push(clean);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digest_is_the_listing_whatever_its_order_and_repeats() {
        let none: &[&str] = &[];
        let a = listing_digest([("h1", &["b", "a"][..]), ("h2", none)]);
        assert_eq!(
            a,
            listing_digest([
                ("h2", none),
                ("h1", &["a", "b", "a"][..]),
                ("h1", &["a", "b"])
            ]),
            "hashes and files in any order, repeats counted once"
        );
        assert_ne!(a, listing_digest([("h1", &["a"][..]), ("h2", none)]));
        assert_ne!(a, listing_digest([("h1", &["a", "b"][..]), ("h2", &["c"])]));
        assert_ne!(
            listing_digest([("h1", &["ab"][..])]),
            listing_digest([("h1", &["a", "b"][..])]),
            "lengths keep paths apart"
        );
        assert_ne!(
            listing_digest([("h1a", none)]),
            listing_digest([("h1", &["a"][..])]),
            "and hashes from paths"
        );
        assert_eq!(a.len(), 64);
        // Pinned: clients compute this (README, API); it changes only with the docs.
        let mut bytes = Vec::new();
        for part in [&b"h"[..], b"a"] {
            bytes.extend((part.len() as u64).to_le_bytes());
            bytes.extend(part);
            if part == b"h" {
                bytes.extend(1u64.to_le_bytes());
            }
        }
        assert_eq!(
            listing_digest([("h", &["a"][..])]),
            hex(&Sha256::digest(&bytes))
        );
    }

    #[test]
    fn a_state_vouches_for_its_scope_and_digest_until_due() {
        let clean = CleanScope {
            prefixes: vec!["a".into()],
            digest: "d".into(),
            refresh_due: 100,
            chunks: Some(2),
            files: Some(1),
            at: Some(10),
            words: false,
        };
        let state = RecordState::default().with(clean.clone());
        let part = Scope::HashPrefixes(vec!["a".into()]);
        assert!(state.vouches(&part, "d", 99, false));
        assert!(!state.vouches(&part, "d", 100, false), "a marker falls due");
        assert!(!state.vouches(&part, "e", 99, false));
        assert!(!state.vouches(&Scope::Project, "d", 99, false));
        assert!(
            !state.vouches(&part, "d", 99, true),
            "found clean before hybrid search: not for the words"
        );
        let again = state.clone().with(CleanScope {
            digest: "e".into(),
            ..clean
        });
        assert_eq!(again.scopes.len(), 1);
        assert_eq!(RecordState::decode(&again.encode()), Some(again));
        assert_eq!(RecordState::decode("1"), None);
    }

    #[test]
    fn lines_extend_the_digest_and_without_them_it_is_byte_for_byte_the_old_one() {
        use crate::location::Location;
        let at = |path: &str, lines: Option<(u32, u32)>| Location {
            file_path: path.into(),
            lines: lines.map(|(start, end)| Lines { start, end }),
        };
        let length = |n: usize| (n as u64).to_le_bytes();
        // Without lines: exactly the digest of paths (pinned above and in README).
        let mut plain = Vec::new();
        plain.extend(length(1));
        plain.extend(b"h");
        plain.extend(2u64.to_le_bytes());
        for path in ["a", "b"] {
            plain.extend(length(1));
            plain.extend(path.as_bytes());
        }
        let old = hex(&Sha256::digest(&plain));
        assert_eq!(listing_digest([("h", &["b", "a"][..])]), old);
        assert_eq!(
            listing_digest([("h", &[at("b", None), at("a", None), at("b", None)][..])]),
            old,
            "locations without lines digest as their paths"
        );
        // With lines (pinned: clients compute this too): h at a (no lines) and at a:3-9,
        // then g (sorted first) at b alone, without lines, in the old form.
        let mut lined = Vec::new();
        lined.extend(length(1));
        lined.extend(b"g");
        lined.extend(1u64.to_le_bytes());
        lined.extend(length(1));
        lined.extend(b"b");
        lined.extend(length(1));
        lined.extend(b"h");
        lined.extend((2u64 | 1 << 63).to_le_bytes());
        lined.extend(length(1));
        lined.extend(b"a");
        lined.push(0);
        lined.extend(length(1));
        lined.extend(b"a");
        lined.push(1);
        lined.extend(3u64.to_le_bytes());
        lined.extend(9u64.to_le_bytes());
        let listing = [
            ("h", &[at("a", Some((3, 9))), at("a", None)][..]),
            ("g", &[at("b", None)][..]),
        ];
        assert_eq!(listing_digest(listing), hex(&Sha256::digest(&lined)));
        assert_ne!(
            listing_digest([("h", &[at("a", Some((3, 9)))][..])]),
            listing_digest([("h", &[at("a", Some((4, 10)))][..])]),
            "shifted lines change the digest"
        );
        assert_ne!(
            listing_digest([("h", &[at("a", Some((3, 9)))][..])]),
            listing_digest([("h", &["a"][..])]),
        );
    }
}
