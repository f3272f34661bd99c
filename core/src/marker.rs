//! The value of a per-tenant marker: when it was written, so that a cached marker is
//! rewritten (its TTL extended) only when due, not on every read.

use serde::{Deserialize, Serialize};

use crate::config::Config;

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct MarkerValue {
    written_at: u64,
}

/// The value to store for a marker written at `now`.
pub fn marker_value(now: u64) -> String {
    serde_json::to_string(&MarkerValue { written_at: now }).unwrap_or_default()
}

/// The seed's marker value, still found in older data.
pub const LEGACY_MARKER_VALUE: &str = "1";

/// Reads a marker value at `now`: `Some(due)` for a marker, where `due` says it must be
/// rewritten to stay alive; `None` for a value that is no marker.
///
/// The seed's plain `"1"` counts as present and due, so it is rewritten in today's form.
/// Any other value is not trusted as a marker: the chunk is "needed" again and indexing it
/// (cheap, from the shared cache) rewrites the marker, so a stray value can never stand for
/// a vector that does not exist (invariant 4).
pub fn read_marker(config: &Config, value: &str, now: u64) -> Option<bool> {
    if value == LEGACY_MARKER_VALUE {
        return Some(true);
    }
    let written_at = match our_form(value) {
        Some(written_at) => written_at,
        None => serde_json::from_str::<MarkerValue>(value).ok()?.written_at,
    };
    Some(now.saturating_sub(written_at) >= config.marker_refresh_after())
}

/// `writtenAt` of a value exactly as [`marker_value`] writes it, read without a JSON
/// parser: phase 1 reads thousands of markers per request.
fn our_form(value: &str) -> Option<u64> {
    let digits = value.strip_prefix("{\"writtenAt\":")?.strip_suffix('}')?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_markers_are_not_due_and_old_ones_are() {
        let c = Config {
            marker_ttl_seconds: 1000,
            ..Config::default()
        };
        let v = marker_value(10_000);
        assert_eq!(read_marker(&c, &v, 10_499), Some(false));
        assert_eq!(read_marker(&c, &v, 10_500), Some(true));
        assert_eq!(
            read_marker(&c, "1", 10_000),
            Some(true),
            "the seed's markers"
        );
        assert_eq!(read_marker(&c, "{\"writtenAt\":\"soon\"}", 10_000), None);
        assert_eq!(
            our_form(&v),
            Some(10_000),
            "the engine's own form, read directly"
        );
        for other in [
            "{\"writtenAt\":}",
            "{\"writtenAt\":+1}",
            "{\"writtenAt\":1 }",
        ] {
            assert_eq!(our_form(other), None, "{other}");
        }
        assert_eq!(
            read_marker(&c, "{ \"writtenAt\": 10499 }", 10_499),
            Some(false),
            "other spellings of the same JSON still read"
        );
        assert_eq!(
            read_marker(&c, "{\"writtenAt\":99999999999999999999999}", 10_000),
            None,
            "too large for u64"
        );
        assert_eq!(read_marker(&c, "true", 10_000), None);
    }
}
