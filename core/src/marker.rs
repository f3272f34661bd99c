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

/// Whether a marker read back as `value` must be rewritten at `now` to stay alive.
///
/// A marker is present whatever its value: a plain `"1"` from the seed's code, or any value
/// another version wrote, counts as present and due, so it is rewritten in today's form.
pub fn refresh_due(config: &Config, value: &str, now: u64) -> bool {
    match serde_json::from_str::<MarkerValue>(value) {
        Ok(marker) => now.saturating_sub(marker.written_at) >= config.marker_refresh_after(),
        Err(_) => true,
    }
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
        assert!(!refresh_due(&c, &v, 10_499));
        assert!(refresh_due(&c, &v, 10_500));
        assert!(refresh_due(&c, "1", 10_000));
        assert!(refresh_due(&c, "{\"writtenAt\":\"soon\"}", 10_000));
    }
}
