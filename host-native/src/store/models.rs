//! Who answers the engine's `ai.run` for the local store: the deterministic fake of Workers
//! AI (`fakes::ai`, the conformance scenarios' own) unless the store is lent other models.
//! The command-line tool lends its `--ai`: the embedded all-MiniLM-L6-v2 by default, or
//! Workers AI over REST (`cli/ai/`); the store only counts and relays the calls.

use index_sync_core::HostError;
use serde_json::Value;

use super::LocalStore;
use crate::fakes::ai;

/// Runs AI models on the engine's inputs: `model` is the name the engine asks for and
/// `input` the object `env.AI.run` takes; the output is the model's, as Workers AI gives it.
/// `Send`, so that a store can be served from a worker thread (`mcp`).
pub trait Models: Send {
    /// Runs `model` on `input`.
    fn run(&mut self, model: &str, input: &Value) -> Result<Value, HostError>;
}

/// The deterministic fake of Workers AI, exactly as `tests/README.md` specifies it.
#[derive(Clone, Copy, Debug, Default)]
pub struct FakeModels;

impl Models for FakeModels {
    fn run(&mut self, model: &str, input: &Value) -> Result<Value, HostError> {
        ai::run(model, input)
    }
}

impl LocalStore {
    /// The same store, its `ai.run` answered by `models` from now on.
    pub fn with_models(mut self, models: Box<dyn Models>) -> Self {
        self.models = models;
        self
    }
}
