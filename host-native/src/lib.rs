//! # index-sync-native
//!
//! The native hosts of the index-sync engine: in-memory fakes of Workers KV, Workers AI and
//! Vectorize with a clock, call counters and injected faults; a conformance runner that
//! drives the engine (directly, or as a component through its WIT imports) over them; and
//! the `index-sync` command-line tool.
#![deny(missing_docs)]

pub mod backend;
pub mod checker;
pub mod component;
pub mod concurrent;
pub mod fakes;
pub mod runner;
pub mod scenario;
pub mod store;
