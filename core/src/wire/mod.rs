//! The wire form of steps and outcomes, for hosts that cross a boundary (the wasm-bindgen
//! module): per poll, JSON text plus two arrays, and per batch the same back.
//!
//! Bulk data never travels inside the JSON: printing, escaping and parsing it cost more
//! than all the rest of the engine (BENCHMARKS.md). Embedding numbers travel in a float32
//! array, KV values as UTF-8 in a byte array, and the JSON names each by its span
//! `[start, end)` of that array.
//!
//! - a step: `{"io": [effect, ...]}`, `{"respond": {"status", "body"}}` or `{"done": true}`.
//!   Effects are [`Effect`]'s serde form (`{"kind": "kvGet", "keys": [...]}`, ...), except
//!   that a kvPut's value is `"valueAt": span` of the step's text, an upsert's vectors are
//!   `{"id", "valuesAt": span, "metadata"}` and a query's vector is `"vectorAt": span`, both
//!   of the step's floats;
//! - outcomes: an array, one per effect in order, each `{"ok": value}` or
//!   `{"error": {"code", "message"}}`, or two forms that name the batch's arrays:
//!   `{"texts": [span or null, ...]}` for a kvGet (one per key, UTF-8 of the batch's text)
//!   and `{"embeddings": {"rows": n, "at": span}}` for an aiRun of the embedding model (`n`
//!   rows of equal length end to end in the batch's floats). `value` is, by the effect's
//!   kind: kvGet, an array of string-or-null; kvPut and vectorizeUpsert, anything; aiRun,
//!   the model's JSON output; vectorizeQuery, `{"matches": [{"id", "score", "metadata"}]}`.
//!
//! [`Effect`]: crate::Effect

mod outcomes;
mod step;

pub use outcomes::outcomes_from_wire;
pub use step::{WireStep, step_to_wire};

/// `[start, end)` in one of the arrays beside the JSON.
type Span = [usize; 2];
