//! The project's deterministic fake of Workers AI (`host-native/src/fakes/ai.rs`, the one
//! the conformance tests run on), compiled in from its sources: a feature-hashed bag of
//! identifier tokens, 768 dimensions for the engine's default model. A chunk is embedded as
//! the engine embeds it with summaries on (its default): the fake's summary (`Summary: ` and
//! the first line that is not blank), a blank line, the code; a question as it is.

use index_sync_core::ai::embedding_text;
use serde_json::json;

#[path = "../../../../host-native/src/fakes/ai.rs"]
#[allow(dead_code, unused_imports)]
mod ai;

/// The engine's default embedding model, whose width the fake takes.
const MODEL: &str = "@cf/baai/bge-base-en-v1.5";

/// What the engine embeds for `code`: the fake's summary, then the code.
pub fn chunk_text(code: &str) -> String {
    let reply = ai::run(MODEL, &json!({ "prompt": code })).expect("the fake summarises any text");
    let summary = reply["response"].as_str().unwrap_or_default().trim();
    embedding_text(summary, code)
}

/// The fake's unit vector of `text`.
pub fn embed(text: &str) -> Vec<f32> {
    ai::embed(text, ai::dimensions(MODEL))
        .into_iter()
        .map(|x| x as f32)
        .collect()
}
