//! The wire form of steps and outcomes, for hosts that cross a boundary (the wasm-bindgen
//! module): per poll, JSON text plus two arrays, and per batch the same back.
//!
//! Bulk data never travels inside the JSON: escaping, printing and parsing it cost more
//! than all the rest of the engine (BENCHMARKS.md). Embedding numbers travel in a float32
//! array; KV keys and the response body travel as text (a string out of the engine), KV
//! values written as UTF-8 bytes (handed to KV as they are, never decoded), KV values read
//! as UTF-8 bytes into the engine, and the JSON names each by its span `[start, end)`.
//!
//! - a step: `{"io": [effect, ...]}`, `{"respond": {"status", "bodyAt": span}}` or
//!   `{"done": true}`. Effects are [`Effect`]'s serde form (`{"kind": "kvGet", ...}`),
//!   except that a kvGet has `"keys": {"at": n, "lengths": [...]}` (the keys one after
//!   another in the text from `n`), a kvPut a `"keyAt"` span of the text and a `"valueAt"`
//!   span of the step's bytes, a kvDelete a `"keyAt"` span,
//!   an upsert's vectors are `{"id", "valuesAt", "metadata"}` and a query has `"vectorAt"`.
//!   Text spans count UTF-16 code units of the step's text (a JavaScript string's indices:
//!   decode once, then slice); float spans count floats;
//! - outcomes: an array, one per effect in order, each `{"ok": value}` or
//!   `{"error": {"code", "message"}}`, or two forms that name the batch's arrays:
//!   `{"texts": {"at": n, "lengths": [length or null, ...]}}` for a kvGet (one per key:
//!   the values follow one another in the batch's UTF-8 text from byte `n`, each of its
//!   length in bytes) and `{"embeddings": {"rows": n, "at": span}}` for an aiRun of the
//!   embedding model (`n` rows of equal length end to end in the batch's floats). `value`
//!   is, by the effect's kind: kvGet, an array of string-or-null; kvPut and
//!   vectorizeUpsert, anything; aiRun, the model's JSON output; vectorizeQuery,
//!   `{"matches": [{"id", "score", "metadata"}]}`. The coordinator's effects travel inline
//!   in [`Effect`]'s own form, and their values are: coordinatorAcquire, `{"granted":
//!   token}` or `{"busy": until}`; coordinatorRelease and coordinatorCredit, anything;
//!   coordinatorReadState, a string or null; coordinatorWriteState, a boolean;
//!   coordinatorCharge, `{"ai", "vectors", "aiUsed", "vectorsHeld"}`; coordinatorUsage,
//!   `[{"project", "aiToday", "vectors"}]`.
//!
//! [`Effect`]: crate::Effect

mod arrays;
mod outcomes;
mod step;

pub use outcomes::outcomes_from_wire;
pub use step::{WireStep, step_to_wire};

/// `[start, end)` in one of the arrays beside the JSON.
type Span = [usize; 2];
