//! # index-sync-core
//!
//! The server side of multi-tenant incremental code indexing, as a sans-IO engine: clients
//! send code chunks; the engine turns each into an LLM summary and an embedding, shared
//! between tenants through a content-addressed cache, and keeps one vector per (user,
//! project, chunk) with a per-tenant marker for two-phase sync.
//!
//! The engine performs no I/O and reads no clock: a request becomes an [`Operation`] that
//! yields batches of [`Effect`]s (KV bulk get, put with TTL, delete and list; AI run;
//! Vectorize upsert, query and delete by ids) and takes back their [`Outcome`]s until it
//! yields the [`Response`].
//!
//! ```
//! use index_sync_core::{Config, Engine, RequestKind, Step};
//!
//! let engine = Engine::new(Config::default()).unwrap();
//! let body = br#"{"phase": 1, "projectId": "p", "chunks": [{"hash": "abc123"}]}"#;
//! let mut op = engine.start(RequestKind::Sync, "alice@example.com", body, 1_767_225_600);
//! let Step::Io(batch) = op.poll() else { unreachable!() };
//! assert_eq!(batch.len(), 1); // one bulk read of this tenant's markers
//! ```
#![deny(missing_docs)]

pub mod ai;
pub mod cache_entry;
mod calendar;
mod complete_sync;
pub mod config;
mod effect;
pub mod error;
mod glob;
mod indexing;
pub mod journal;
mod lease;
mod listing;
pub mod location;
pub mod marker;
pub mod names;
mod operation;
mod quota;
pub mod record_state;
mod removal;
mod remove;
mod request;
mod search;
mod status;
mod sync_check;
mod usage;
pub mod wire;
pub mod words;

#[cfg(feature = "component")]
mod component;

pub use cache_entry::CacheEntry;
pub use config::{CacheScope, Config, Quotas};
pub use effect::{
    Charged, Effect, HostError, Lease, ListedKey, Match, Outcome, ProjectUsage, Reply, Response,
    Step, TextEntry, Vector,
};
pub use error::{ChunkError, ConfigError, RequestError, RequestErrorKind};
pub use operation::{Engine, Operation, RequestKind};
