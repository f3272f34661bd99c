//! A Workers KV namespace in memory: per-entry expiry against the world's clock, metadata
//! returned by lists, and the platform's refusals (TTL under 60 s, keys over 512 bytes,
//! metadata over 1,024 bytes, bulk reads over 100 keys, list pages over 1,000 keys).

use std::collections::BTreeMap;
use std::ops::Bound;

use index_sync_core::{HostError, ListedKey};
use serde_json::Value;

/// KV refuses an `expirationTtl` under this (kv/api/write-key-value-pairs).
pub const MIN_TTL_SECONDS: u64 = 60;
/// Longest key in bytes (kv/platform/limits).
pub const MAX_KEY_BYTES: usize = 512;
/// Largest value in bytes (kv/platform/limits).
pub const MAX_VALUE_BYTES: usize = 25 * 1024 * 1024;
/// Most keys in one bulk read (kv/api/read-key-value-pairs).
pub const MAX_BULK_GET_KEYS: usize = 100;
/// Largest metadata of a key, as JSON, in bytes (kv/platform/limits).
pub const MAX_METADATA_BYTES: usize = 1024;
/// Most keys in one list page (kv/api/list-keys).
pub const MAX_LIST_KEYS: usize = 1000;

#[derive(Clone, Debug)]
struct Entry {
    value: String,
    expires_at: Option<u64>,
    metadata: Option<Value>,
}

/// One page of a list: keys in order, and where the next page starts (`None`: the last).
pub type Page = (Vec<ListedKey>, Option<String>);

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
        self.put_with(key, value, ttl, None, now)
    }

    /// Write at `now` with the key's metadata.
    pub fn put_with(
        &mut self,
        key: &str,
        value: &str,
        ttl: Option<u64>,
        metadata: Option<&Value>,
        now: u64,
    ) -> Result<(), HostError> {
        if let Some(metadata) = metadata
            && metadata.to_string().len() > MAX_METADATA_BYTES
        {
            return Err(HostError::new(
                "kv_limit",
                format!("metadata over {MAX_METADATA_BYTES} bytes"),
            ));
        }
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
                metadata: metadata.cloned(),
            },
        );
        Ok(())
    }

    /// Deletes a key; a missing key is no error.
    pub fn delete(&mut self, key: &str) {
        self.entries.remove(key);
    }

    /// The live keys under `prefix` at `now`, after `cursor` (the last key of the page
    /// before), at most `limit`.
    pub fn list(
        &self,
        prefix: &str,
        cursor: Option<&str>,
        limit: usize,
        now: u64,
    ) -> Result<Page, HostError> {
        if limit == 0 || limit > MAX_LIST_KEYS {
            return Err(HostError::new(
                "kv_limit",
                format!("list limit {limit}; from 1 to {MAX_LIST_KEYS}"),
            ));
        }
        let start = match cursor {
            Some(after) => Bound::Excluded(after.to_owned()),
            None => Bound::Included(prefix.to_owned()),
        };
        let mut live = self
            .entries
            .range((start, Bound::Unbounded))
            .take_while(|(k, _)| k.starts_with(prefix))
            .filter(|(_, e)| e.expires_at.is_none_or(|t| now < t));
        let keys: Vec<ListedKey> = live
            .by_ref()
            .take(limit)
            .map(|(name, e)| ListedKey {
                name: name.clone(),
                metadata: e.metadata.clone(),
            })
            .collect();
        let more = live.next().is_some();
        let cursor = if more {
            keys.last().map(|k| k.name.clone())
        } else {
            None
        };
        Ok((keys, cursor))
    }

    /// The metadata of a live key at `now`.
    pub fn metadata(&self, key: &str, now: u64) -> Option<&Value> {
        self.entries
            .get(key)
            .filter(|e| e.expires_at.is_none_or(|t| now < t))
            .and_then(|e| e.metadata.as_ref())
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
