//! The model as an `ai.run` model: the input and output shapes of Workers AI's embedding
//! models, so a host can answer the engine's embedding calls for [`MODEL_NAME`] with it, as
//! it would pass `@cf/baai/bge-small-en-v1.5` to Workers AI.

use serde_json::{Value, json};

use crate::{Error, Model};

/// The name the engine asks `ai.run` for: `local/` marks a model the host runs itself.
pub const MODEL_NAME: &str = "local/all-MiniLM-L6-v2";

impl Model {
    /// Answers a Workers AI embedding input, `{"text": "…"}` or `{"text": ["…", …]}`, with
    /// `{"shape": [n, 384], "data": [[…], …]}`, one unit vector per text, in order.
    pub fn run(&self, input: &Value) -> Result<Value, Error> {
        let bad = |what: &str| Error::Invalid(format!("{MODEL_NAME}: {what}"));
        let texts: Vec<&str> = match input.get("text") {
            Some(Value::String(s)) => vec![s.as_str()],
            Some(Value::Array(items)) => items
                .iter()
                .map(|t| t.as_str().ok_or_else(|| bad("text holds a non-string")))
                .collect::<Result<_, _>>()?,
            _ => return Err(bad("the input has no text")),
        };
        let data = self.embed(&texts);
        Ok(json!({ "shape": [data.len(), self.dimensions()], "data": data }))
    }
}
