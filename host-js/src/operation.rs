//! `Operation`: one request in progress, driven by `poll` and `handle` with JSON text in
//! the form of `index_sync_core::wire`.

use index_sync_core::wire::{outcomes_from_json, step_to_json};
use index_sync_core::{Effect, Step};
use wasm_bindgen::prelude::*;

use crate::error::{code, coded_error};

/// One request in progress.
#[wasm_bindgen]
pub struct Operation {
    inner: index_sync_core::Operation,
    /// The last `io` batch, kept to read its outcomes by effect kind.
    batch: Vec<Effect>,
}

impl Operation {
    pub(crate) fn new(inner: index_sync_core::Operation) -> Self {
        Self {
            inner,
            batch: Vec::new(),
        }
    }
}

#[wasm_bindgen]
impl Operation {
    /// The next step as JSON: `{"io": [effect, ...]}`, `{"respond": {"status", "body"}}` or
    /// `{"done": true}`. After `respond`, `io` batches may still come (work that may outlive
    /// the response), then `done`.
    pub fn poll(&mut self) -> String {
        let step = self.inner.poll();
        let json = step_to_json(&step);
        self.batch = match step {
            Step::Io(batch) => batch,
            Step::Respond(_) | Step::Done => Vec::new(),
        };
        json
    }

    /// The outcomes of the last `io` batch as a JSON array, one per effect in order, each
    /// `{"ok": value}` or `{"error": {"code", "message"}}`. Text that is not a JSON array
    /// throws an `Error` with `.code = "invalid_outcomes"`; the batch then counts as failed.
    pub fn handle(
        &mut self,
        #[wasm_bindgen(js_name = outcomesJson)] outcomes_json: &str,
    ) -> Result<(), JsValue> {
        let batch = std::mem::take(&mut self.batch);
        let outcomes = outcomes_from_json(&batch, outcomes_json)
            .map_err(|message| coded_error(code::INVALID_OUTCOMES, &message))?;
        self.inner.handle(outcomes);
        Ok(())
    }
}
