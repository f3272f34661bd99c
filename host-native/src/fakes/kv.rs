//! A Workers KV namespace in memory: per-entry expiry against the world's clock, and the
//! platform's refusals (TTL under 60 s, keys over 512 bytes, bulk reads over 100 keys).

use std::collections::BTreeMap;

use index_sync_core::HostError;

/// KV refuses an `expirationTtl` under this (kv/api/write-key-value-pairs).
pub const MIN_TTL_SECONDS: u64 = 60;
/// Longest key in bytes (kv/platform/limits).
pub const MAX_KEY_BYTES: usize = 512;
/// Largest value in bytes (kv/platform/limits).
pub const MAX_VALUE_BYTES: usize = 25 * 1024 * 1024;
/// Most keys in one bulk read (kv/api/read-key-value-pairs).
pub const MAX_BULK_GET_KEYS: usize = 100;

#[derive(Clone, Debug)]
struct Entry {
    value: String,
    expires_at: Option<u64>,
}

/// The namespace.
#[derive(Clone, Debug, Default)]
pub struct FakeKv {
    entries: BTreeMap<String, Entry>,
}

impl FakeKv {
    /// Bulk read at `now`: a value or `None` per key, in order.
    pub fn get(&self, keys: &[String], now: u64) -> Result<Vec<Option<String>>, HostError> {
        if keys.len() > MAX_BULK_GET_KEYS {
            return Err(HostError::new(
                "kv_limit",
                format!(
                    "bulk get of {} keys; at most {MAX_BULK_GET_KEYS}",
                    keys.len()
                ),
            ));
        }
        Ok(keys
            .iter()
            .map(|k| self.read(k, now).map(str::to_owned))
            .collect())
    }

    /// One key at `now`, if present and not expired.
    pub fn read(&self, key: &str, now: u64) -> Option<&str> {
        self.entries
            .get(key)
            .filter(|e| e.expires_at.is_none_or(|t| now < t))
            .map(|e| e.value.as_str())
    }

    /// Write at `now`, expiring `ttl` seconds later when given.
    pub fn put(
        &mut self,
        key: &str,
        value: &str,
        ttl: Option<u64>,
        now: u64,
    ) -> Result<(), HostError> {
        if let Some(ttl) = ttl
            && ttl < MIN_TTL_SECONDS
        {
            return Err(HostError::new(
                "kv_limit",
                format!("expirationTtl {ttl}; at least {MIN_TTL_SECONDS}"),
            ));
        }
        if key.len() > MAX_KEY_BYTES {
            return Err(HostError::new(
                "kv_limit",
                format!("key of {} bytes", key.len()),
            ));
        }
        if value.len() > MAX_VALUE_BYTES {
            return Err(HostError::new(
                "kv_limit",
                format!("value of {} bytes", value.len()),
            ));
        }
        self.entries.insert(
            key.to_owned(),
            Entry {
                value: value.to_owned(),
                expires_at: ttl.map(|t| now + t),
            },
        );
        Ok(())
    }

    /// Drops entries expired at `now`.
    pub fn expire(&mut self, now: u64) {
        self.entries
            .retain(|_, e| e.expires_at.is_none_or(|t| now < t));
    }

    /// Live keys at `now`, sorted.
    pub fn keys(&self, now: u64) -> impl Iterator<Item = &str> {
        self.entries
            .iter()
            .filter(move |(_, e)| e.expires_at.is_none_or(|t| now < t))
            .map(|(k, _)| k.as_str())
    }
}
