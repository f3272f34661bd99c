//! `Operation`: one request in progress, driven by `poll` and `handle` in the wire form of
//! `index_sync_core::wire`: JSON text, with the bulk beside it: embedding numbers in a
//! `Float32Array`, KV keys, values and the response body as text.

use index_sync_core::wire::{outcomes_from_wire, step_to_wire};
use index_sync_core::{Effect, Step};
use wasm_bindgen::prelude::*;

use crate::error::{code, coded_error};

/// One request in progress.
#[wasm_bindgen]
pub struct Operation {
    inner: index_sync_core::Operation,
    /// The last `io` batch, kept to read its outcomes by effect kind.
    batch: Vec<Effect>,
    /// The floats of the last step, until taken.
    floats: Vec<f32>,
    /// The text of the last step, until taken.
    text: String,
    /// The bytes of the last step (KV values written), until taken.
    bytes: Vec<u8>,
}

impl Operation {
    pub(crate) fn new(inner: index_sync_core::Operation) -> Self {
        Self {
            inner,
            batch: Vec::new(),
            floats: Vec::new(),
            text: String::new(),
            bytes: Vec::new(),
        }
    }
}

#[wasm_bindgen]
impl Operation {
    /// The next step as JSON: `{"io": [effect, ...]}`, `{"respond": {"status", "body"}}` or
    /// `{"done": true}`. After `respond`, `io` batches may still come (work that may outlive
    /// the response), then `done`. Vectors name their values by span (`valuesAt`,
    /// `vectorAt`: `[start, end)`) in the array `takeFloats` returns; KV keys and values
    /// (`keys: {at, lengths}`, `keyAt`) and the response body (`bodyAt`) are parts of the
    /// string `takeText` returns, in UTF-16 code units; KV values written (`valueAt`) are
    /// parts of the bytes `takeBytes` returns.
    pub fn poll(&mut self) -> String {
        let step = self.inner.poll();
        let wire = step_to_wire(&step);
        self.floats = wire.floats;
        self.text = wire.text;
        self.bytes = wire.bytes;
        self.batch = match step {
            Step::Io(batch) => batch,
            Step::Respond(_) | Step::Done => Vec::new(),
        };
        wire.json
    }

    /// The floats of the last step (empty when it has no vector), once.
    #[wasm_bindgen(js_name = takeFloats)]
    pub fn take_floats(&mut self) -> Vec<f32> {
        std::mem::take(&mut self.floats)
    }

    /// The text of the last step, once.
    #[wasm_bindgen(js_name = takeText)]
    pub fn take_text(&mut self) -> String {
        std::mem::take(&mut self.text)
    }

    /// The bytes of the last step (the KV values it writes, `valueAt` spans), once.
    #[wasm_bindgen(js_name = takeBytes)]
    pub fn take_bytes(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.bytes)
    }

    /// The outcomes of the last `io` batch as a JSON array, one per effect in order, each
    /// `{"ok": value}`, `{"error": {"code", "message"}}`, or forms that name parts of the
    /// arrays: `{"texts": {"at": n, "lengths": [length or null, ...]}}` for a KV read (its
    /// values one after another in `text` from byte `n`) and
    /// `{"embeddings": {"rows": n, "at": [start, end]}}` for an embedding call (in
    /// `floats`). Text that is not a JSON array throws an `Error` with `.code = "invalid_outcomes"`; the
    /// batch then counts as failed.
    pub fn handle(
        &mut self,
        #[wasm_bindgen(js_name = outcomesJson)] outcomes_json: &str,
        floats: &[f32],
        text: &[u8],
    ) -> Result<(), JsValue> {
        let batch = std::mem::take(&mut self.batch);
        let outcomes = outcomes_from_wire(&batch, outcomes_json, floats, text)
            .map_err(|message| coded_error(code::INVALID_OUTCOMES, &message))?;
        self.inner.handle(outcomes);
        Ok(())
    }
}
