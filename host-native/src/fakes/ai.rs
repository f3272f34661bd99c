//! Workers AI, deterministic: a summary derived from the code alone and a feature-hashed
//! bag-of-identifiers embedding, exactly as `tests/README.md` specifies for every host.

use index_sync_core::HostError;
use serde_json::{Value, json};

/// Dimensions of the fake embedding for `model`, as the real model has.
pub fn dimensions(model: &str) -> usize {
    match model {
        "@cf/baai/bge-small-en-v1.5" => 384,
        "@cf/baai/bge-large-en-v1.5" | "@cf/baai/bge-m3" => 1024,
        _ => 768,
    }
}

/// The fake summary of some text: `Summary: ` and its first line that is not blank.
fn summary(text: &str) -> String {
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    format!("Summary: {line}")
}

/// Runs `model` on `input`.
pub fn run(model: &str, input: &Value) -> Result<Value, HostError> {
    if let Some(text) = generation_text(input) {
        if input.get("response_format").is_some() {
            return json_mode(text);
        }
        return Ok(json!({ "response": summary(text) }));
    }
    let texts: Vec<&str> = match input.get("text") {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(items)) => items
            .iter()
            .map(|t| {
                t.as_str()
                    .ok_or_else(|| bad_input("text holds a non-string"))
            })
            .collect::<Result<_, _>>()?,
        _ => return Err(bad_input("neither messages, prompt nor text")),
    };
    let dims = dimensions(model);
    let data: Vec<Vec<f64>> = texts.iter().map(|t| embed(t, dims)).collect();
    Ok(json!({ "shape": [data.len(), dims], "data": data }))
}

/// JSON mode: the text is `{"chunks": [{"id", "code"}]}`; the answer is one summary per
/// chunk, in order, as an object (`{"response": {"summaries": [{"id", "summary"}]}}`).
fn json_mode(text: &str) -> Result<Value, HostError> {
    let request: Value = serde_json::from_str(text)
        .map_err(|_| bad_input("JSON mode with a text that is not JSON"))?;
    let chunks = request
        .get("chunks")
        .and_then(Value::as_array)
        .ok_or_else(|| bad_input("JSON mode without `chunks`"))?;
    let summaries = chunks
        .iter()
        .map(|c| {
            let id = c
                .get("id")
                .and_then(Value::as_str)
                .ok_or_else(|| bad_input("a chunk without id"))?;
            let code = c
                .get("code")
                .and_then(Value::as_str)
                .ok_or_else(|| bad_input("a chunk without code"))?;
            Ok(json!({ "id": id, "summary": summary(code) }))
        })
        .collect::<Result<Vec<_>, HostError>>()?;
    Ok(json!({ "response": { "summaries": summaries } }))
}

fn bad_input(what: &str) -> HostError {
    HostError::new("ai_input", format!("fake AI: {what}"))
}

fn generation_text(input: &Value) -> Option<&str> {
    if let Some(messages) = input.get("messages").and_then(Value::as_array) {
        return messages.last()?.get("content")?.as_str();
    }
    input.get("prompt")?.as_str()
}

/// FNV-1a, 32 bits.
pub fn fnv1a32(bytes: &[u8]) -> u32 {
    bytes.iter().fold(2_166_136_261u32, |h, &b| {
        (h ^ u32::from(b)).wrapping_mul(16_777_619)
    })
}

/// Identifier tokens: maximal runs of ASCII letters, digits and `_` not starting with a
/// digit, lower-cased.
pub fn tokens(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|t| t.chars().next().is_some_and(|c| !c.is_ascii_digit()))
        .map(str::to_ascii_lowercase)
}

/// The normalised feature-hashed vector of `text`.
pub fn embed(text: &str, dims: usize) -> Vec<f64> {
    let mut v = vec![0.0f64; dims];
    for token in tokens(text) {
        v[fnv1a32(token.as_bytes()) as usize % dims] += 1.0;
    }
    let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
    if norm > 0.0 {
        v.iter_mut().for_each(|x| *x /= norm);
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_skip_numbers_and_fold_case() {
        let t: Vec<String> = tokens("fn Parse_JSON(x1: 42) -> u8").collect();
        assert_eq!(t, ["fn", "parse_json", "x1", "u8"]);
        assert_eq!(fnv1a32(b"a"), 0xe40c292c);
    }

    #[test]
    fn summaries_come_from_the_code_alone() {
        let out = run("m", &json!({"messages": [{"role": "system", "content": "x"}, {"role": "user", "content": "\n  fn a() {}\nmore"}]})).unwrap();
        assert_eq!(out["response"], "Summary: fn a() {}");
    }

    #[test]
    fn json_mode_summarises_each_chunk_by_id() {
        let chunks =
            json!({"chunks": [{"id": "0", "code": "fn a() {}"}, {"id": "1", "code": "\n b"}]});
        let input = json!({"messages": [{"role": "user", "content": chunks.to_string()}], "response_format": {"type": "json_schema"}});
        let out = run("m", &input).unwrap();
        assert_eq!(
            out["response"]["summaries"],
            json!([{"id": "0", "summary": "Summary: fn a() {}"}, {"id": "1", "summary": "Summary: b"}])
        );
        let not_json = json!({"messages": [{"content": "x"}], "response_format": {}});
        assert!(run("m", &not_json).is_err());
    }
}

/// What the AI calls were given, to estimate what the real models would bill for them
/// (BENCHMARKS.md): bytes of text in, and the summaries asked for (one per text-generation
/// call, or one per chunk of a JSON-mode call).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AiUsage {
    /// Bytes of the messages sent to text generation.
    pub generation_bytes: u64,
    /// Summaries asked for.
    pub summaries: u64,
    /// Bytes of the texts sent to be embedded.
    pub embedding_bytes: u64,
    /// Text-generation calls.
    pub generation_calls: u64,
    /// Embedding calls.
    pub embedding_calls: u64,
}

impl AiUsage {
    pub(crate) fn add(&mut self, input: &Value) {
        if let Some(texts) = input.get("text") {
            let bytes = match texts {
                Value::String(s) => s.len(),
                Value::Array(items) => items.iter().filter_map(Value::as_str).map(str::len).sum(),
                _ => 0,
            };
            self.embedding_bytes += bytes as u64;
            self.embedding_calls += 1;
            return;
        }
        self.generation_calls += 1;
        let messages = input.get("messages").and_then(Value::as_array);
        let contents = messages
            .into_iter()
            .flatten()
            .filter_map(|m| m["content"].as_str());
        let last = contents.clone().next_back().unwrap_or_default();
        self.generation_bytes += contents.map(|c| c.len() as u64).sum::<u64>();
        self.summaries += if input.get("response_format").is_some() {
            serde_json::from_str::<Value>(last)
                .ok()
                .and_then(|v| v["chunks"].as_array().map(|c| c.len() as u64))
                .unwrap_or(0)
        } else {
            1
        };
    }
}
