//! The value of a per-tenant marker: when it was written, so that a cached marker is
//! rewritten (its lifetime extended) only when due, and a digest of the places its vector
//! names (files, and lines when the client gives them), so that moved, copied or shifted
//! code is "needed" again. The same JSON is the KV
//! key's metadata, which a KV list returns without a read.
//!
//! With `hybrid`, a marker also vouches for the chunk's words in the text index (`words`):
//! one written without them (before hybrid search was turned on) is not trusted, so the
//! chunk is "needed" again and indexing it (from the shared cache, no AI call) writes its
//! words. That is how an index built before fills its text index.
//!
//! A marker's lifetime (`markerTtlSeconds`) is judged from `writtenAt`, not by KV: the key
//! stays until the chunk is removed, because it is also the record that keeps the chunk's
//! vector reachable for removal.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::config::Config;
use crate::location::{Lines, Place, distinct};
use crate::names::{hex, unhex};

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct MarkerValue {
    written_at: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    paths: Option<String>,
    /// The hash, as hex of its UTF-8, when the key cannot spell it (names/tenant.rs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    hash_hex: Option<String>,
    /// Its chunk's words are in the text index (written with `hybrid`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    words: bool,
}

/// The seed's marker value, still found in older data.
pub const LEGACY_MARKER_VALUE: &str = "1";

/// Bytes of a places digest's SHA-256 that are kept (as hex: 32 digits).
const PATHS_DIGEST_BYTES: usize = 16;

/// A marker to write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewMarker<'a> {
    /// When.
    pub now: u64,
    /// The digest of the places its vector names ([`locations_digest`]); `None` when
    /// unknown (an older marker refreshed). Kept under the name `paths` it had before lines
    /// existed: without lines it is the same digest.
    pub paths: Option<&'a str>,
    /// The chunk's hash, when its key cannot spell it.
    pub hash: Option<&'a str>,
    /// Its chunk's words are in the text index.
    pub words: bool,
}

impl NewMarker<'_> {
    /// The KV value and the key's metadata (the same JSON; the value in the field order
    /// [`read_marker`] reads without a parser).
    pub fn encode(&self) -> (String, Value) {
        let value = MarkerValue {
            written_at: self.now,
            paths: self.paths.map(str::to_owned),
            hash_hex: self.hash.map(|h| hex(h.as_bytes())),
            words: self.words,
        };
        let metadata = serde_json::to_value(&value).unwrap_or_default();
        (serde_json::to_string(&value).unwrap_or_default(), metadata)
    }
}

/// What a marker says, read at some `now`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MarkerRead {
    /// It must be rewritten to stay alive.
    pub due: bool,
    /// When it was written; `None` for the seed's `"1"`.
    pub written_at: Option<u64>,
    /// The digest of its vector's places; `None`: unknown (the seed's or an older form).
    pub paths: Option<String>,
    /// The hash it carries (form-3 keys only).
    pub hash: Option<String>,
    /// Its chunk's words are in the text index.
    pub words: bool,
}

impl MarkerRead {
    /// Whether it stands for a vector at exactly these places: any places when the client
    /// named none, else the same digest (files and lines alike).
    pub fn holds(&self, wanted: Option<&str>) -> bool {
        wanted.is_none_or(|w| self.paths.as_deref() == Some(w))
    }
}

/// Reads a marker value at `now`: `None` for a value that is no marker, or one older than
/// `markerTtlSeconds`.
///
/// The seed's plain `"1"` counts as present and due, so it is rewritten in today's form.
/// Any other value is not trusted as a marker: the chunk is "needed" again and indexing it
/// (cheap, from the shared cache) rewrites the marker, so a stray value can never stand for
/// a vector that does not exist (invariant 4).
pub fn read_marker(config: &Config, value: &str, now: u64) -> Option<MarkerRead> {
    if value == LEGACY_MARKER_VALUE {
        return (!config.hybrid).then_some(MarkerRead {
            due: true,
            written_at: None,
            paths: None,
            hash: None,
            words: false,
        });
    }
    let parsed = match our_form(value) {
        Some(parsed) => parsed,
        None => serde_json::from_str::<MarkerValue>(value).ok()?,
    };
    judge(config, parsed, now)
}

/// Reads a marker from the metadata a KV list returned for its key.
pub fn read_marker_metadata(config: &Config, metadata: &Value, now: u64) -> Option<MarkerRead> {
    judge(config, MarkerValue::deserialize(metadata).ok()?, now)
}

/// The hash a marker's metadata carries (form-3 keys), whatever the marker's age.
pub fn metadata_hash(metadata: &Value) -> Option<String> {
    let hex = metadata.get("hashHex")?.as_str()?;
    String::from_utf8(unhex(hex)?).ok()
}

fn judge(config: &Config, marker: MarkerValue, now: u64) -> Option<MarkerRead> {
    let age = now.saturating_sub(marker.written_at);
    if age >= config.marker_ttl_seconds || (config.hybrid && !marker.words) {
        return None;
    }
    let hash = match marker.hash_hex {
        Some(h) => Some(String::from_utf8(unhex(&h)?).ok()?),
        None => None,
    };
    Some(MarkerRead {
        due: age >= config.marker_refresh_after(),
        written_at: Some(marker.written_at),
        paths: marker.paths,
        hash,
        words: marker.words,
    })
}

/// A value exactly as [`NewMarker::encode`] writes it without a hash, read without a JSON
/// parser: phase 1 reads thousands of markers per request.
fn our_form(value: &str) -> Option<MarkerValue> {
    let body = value.strip_prefix("{\"writtenAt\":")?.strip_suffix('}')?;
    let (body, words) = match body.strip_suffix(",\"words\":true") {
        Some(body) => (body, true),
        None => (body, false),
    };
    let (digits, paths) = match body.split_once(",\"paths\":\"") {
        Some((digits, rest)) => (digits, Some(rest.strip_suffix('"')?)),
        None => (body, None),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if let Some(paths) = paths
        && (paths.len() != 2 * PATHS_DIGEST_BYTES || !paths.bytes().all(|b| b.is_ascii_hexdigit()))
    {
        return None;
    }
    Some(MarkerValue {
        written_at: digits.parse().ok()?,
        paths: paths.map(str::to_owned),
        hash_hex: None,
        words,
    })
}

/// The digest of a set of file paths, whatever their order (each counted once): the
/// digest of locations without lines ([`locations_digest`]).
pub fn paths_digest<S: AsRef<str>>(paths: &[S]) -> String {
    locations_digest(paths)
}

/// The digest of a chunk's places, whatever their order (each counted once), as its marker
/// keeps it. When no place has lines it is the digest of the paths alone, exactly as
/// before lines existed, so that markers written for clients that send no lines stay
/// valid: for each path in byte order its length (8 bytes, little-endian) and its bytes.
/// With lines, a place naming other lines is another place: the same, after 8 bytes of
/// 0xff (no path is that long, so the two forms never meet), each place's path followed by
/// the byte 1 and its first and last lines (8 bytes each), or the byte 0 when it has none,
/// in [`Location`](crate::location::Location)'s order. The SHA-256 of that, its first 16
/// bytes as hex.
pub fn locations_digest<P: Place>(places: &[P]) -> String {
    let places = distinct(places);
    let lined = places.iter().any(|(_, lines)| lines.is_some());
    let mut hasher = Sha256::new();
    if lined {
        hasher.update(u64::MAX.to_le_bytes());
    }
    for (path, lines) in places {
        hasher.update((path.len() as u64).to_le_bytes());
        hasher.update(path.as_bytes());
        match (lined, lines) {
            (false, _) => {}
            (true, None) => hasher.update([0]),
            (true, Some(Lines { start, end })) => {
                hasher.update([1]);
                hasher.update(u64::from(start).to_le_bytes());
                hasher.update(u64::from(end).to_le_bytes());
            }
        }
    }
    hex(&hasher.finalize()[..PATHS_DIGEST_BYTES])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Config {
        Config {
            marker_ttl_seconds: 1000,
            ..Config::default()
        }
    }

    fn value(now: u64, paths: Option<&str>) -> String {
        NewMarker {
            now,
            paths,
            hash: None,
            words: false,
        }
        .encode()
        .0
    }

    #[test]
    fn with_hybrid_search_only_a_marker_with_words_is_trusted() {
        let hybrid = Config {
            hybrid: true,
            ..config()
        };
        let digest = paths_digest(&["src/a.rs"]);
        let marker = |words| {
            NewMarker {
                now: 10,
                paths: Some(&digest),
                hash: None,
                words,
            }
            .encode()
        };
        let (without, _) = marker(false);
        let (with, metadata) = marker(true);
        assert!(read_marker(&config(), &without, 20).is_some());
        assert_eq!(
            read_marker(&hybrid, &without, 20),
            None,
            "written before hybrid"
        );
        assert_eq!(read_marker(&hybrid, LEGACY_MARKER_VALUE, 20), None);
        let read = read_marker(&hybrid, &with, 20).expect("trusted");
        assert!(read.words && read.holds(Some(&digest)));
        assert!(our_form(&with).is_some(), "read without a parser");
        assert_eq!(read_marker_metadata(&hybrid, &metadata, 20), Some(read));
    }

    #[test]
    fn fresh_markers_are_not_due_old_ones_are_and_expired_ones_are_none() {
        let c = config();
        let v = value(10_000, None);
        assert_eq!(read_marker(&c, &v, 10_499).map(|m| m.due), Some(false));
        assert_eq!(read_marker(&c, &v, 10_500).map(|m| m.due), Some(true));
        assert_eq!(read_marker(&c, &v, 10_999).map(|m| m.due), Some(true));
        assert_eq!(read_marker(&c, &v, 11_000), None, "past markerTtlSeconds");
        let legacy = read_marker(&c, "1", 10_000).unwrap();
        assert!(legacy.due && legacy.paths.is_none(), "the seed's markers");
        assert_eq!(read_marker(&c, "{\"writtenAt\":\"soon\"}", 10_000), None);
        assert_eq!(read_marker(&c, "true", 10_000), None);
        assert_eq!(
            read_marker(&c, "{\"writtenAt\":99999999999999999999999}", 10_000),
            None,
            "too large for u64"
        );
    }

    #[test]
    fn the_engines_own_forms_read_directly_and_other_spellings_still_read() {
        let c = config();
        let digest = paths_digest(&["src/a.rs"]);
        let v = value(10_000, Some(&digest));
        assert_eq!(v, format!("{{\"writtenAt\":10000,\"paths\":\"{digest}\"}}"));
        let direct = our_form(&v).unwrap();
        assert_eq!(
            (direct.written_at, direct.paths),
            (10_000, Some(digest.clone()))
        );
        assert_eq!(our_form("{\"writtenAt\":10000}").unwrap().paths, None);
        for other in [
            "{\"writtenAt\":}",
            "{\"writtenAt\":+1}",
            "{\"writtenAt\":1 }",
            "{\"writtenAt\":1,\"paths\":\"short\"}",
        ] {
            assert!(our_form(other).is_none(), "{other}");
        }
        let spaced = format!("{{ \"writtenAt\": 10499, \"paths\": \"{digest}\" }}");
        assert_eq!(
            read_marker(&c, &spaced, 10_499).unwrap().paths.as_deref(),
            Some(digest.as_str())
        );
    }

    #[test]
    fn a_marker_holds_the_paths_it_was_written_for() {
        let c = config();
        let here = paths_digest(&["a", "b"]);
        assert_eq!(
            here,
            paths_digest(&["b", "a", "a"]),
            "a set: order and repeats aside"
        );
        let read = read_marker(&c, &value(0, Some(&here)), 1).unwrap();
        assert!(read.holds(Some(&here)) && read.holds(None));
        assert!(!read.holds(Some(&paths_digest(&["a"]))));
        let unknown = read_marker(&c, &value(0, None), 1).unwrap();
        assert!(unknown.holds(None) && !unknown.holds(Some(&here)));
    }

    #[test]
    fn a_cut_key_carries_its_hash_in_the_metadata() {
        let c = config();
        let (text, metadata) = NewMarker {
            now: 5,
            paths: None,
            hash: Some("h:ü"),
            words: false,
        }
        .encode();
        assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), metadata);
        let read = read_marker_metadata(&c, &metadata, 6).unwrap();
        assert_eq!(read.hash.as_deref(), Some("h:ü"));
        let bad = serde_json::json!({"writtenAt": 5, "hashHex": "zz"});
        assert_eq!(read_marker_metadata(&c, &bad, 6), None);
    }

    #[test]
    fn lines_are_part_of_the_digest_and_without_them_it_is_the_paths_digest_of_before() {
        use crate::location::Location;
        let at = |path: &str, lines: Option<(u32, u32)>| Location {
            file_path: path.into(),
            lines: lines.map(|(start, end)| Lines { start, end }),
        };
        // Pinned: markers written before lines existed hold this digest.
        let mut old = Vec::new();
        for path in ["a", "bc"] {
            old.extend((path.len() as u64).to_le_bytes());
            old.extend(path.as_bytes());
        }
        let before = hex(&Sha256::digest(&old)[..PATHS_DIGEST_BYTES]);
        assert_eq!(paths_digest(&["bc", "a"]), before);
        assert_eq!(
            locations_digest(&[at("bc", None), at("a", None), at("a", None)]),
            before
        );
        // Pinned: the form with lines.
        let mut lined = u64::MAX.to_le_bytes().to_vec();
        lined.extend(1u64.to_le_bytes());
        lined.extend(b"a");
        lined.push(0);
        lined.extend(1u64.to_le_bytes());
        lined.extend(b"a");
        lined.push(1);
        lined.extend(3u64.to_le_bytes());
        lined.extend(9u64.to_le_bytes());
        assert_eq!(
            locations_digest(&[at("a", Some((3, 9))), at("a", None)]),
            hex(&Sha256::digest(&lined)[..PATHS_DIGEST_BYTES])
        );
        let here = locations_digest(&[at("a", Some((3, 9))), at("b", Some((1, 2)))]);
        assert_eq!(
            here,
            locations_digest(&[at("b", Some((1, 2))), at("a", Some((3, 9)))])
        );
        assert_ne!(
            here,
            locations_digest(&[at("a", Some((4, 10))), at("b", Some((1, 2)))]),
            "code shifted within its file is another place"
        );
        assert_ne!(here, paths_digest(&["a", "b"]));
        assert_ne!(
            locations_digest(&[at("a", Some((3, 9)))]),
            locations_digest(&[at("a", Some((3, 9))), at("a", Some((20, 26)))]),
            "two places of one file"
        );
    }
}
