//! # index-sync-js
//!
//! The index-sync engine for JavaScript hosts (Cloudflare Workers), as a sans-IO machine:
//! an [`Indexer`] starts an [`Operation`]; the host polls it for a step as JSON, performs
//! any batch of effects with its own bindings and hands the outcomes back as JSON. All the
//! logic lives in `index-sync-core`; this crate only translates, one file per wrapped type:
//! `indexer.rs`, `operation.rs`, and the `Error` with a `.code` in `error.rs`.
//!
//! The TypeScript driver (`ts/`) runs the loop with `Promise.all`; no async runtime, JSPI or
//! `wasm-bindgen-futures` is needed because the engine never waits.
#![deny(missing_docs)]

mod error;
mod indexer;
mod operation;

pub use indexer::Indexer;
pub use operation::Operation;
